list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/analyte_alias_table.cc
  ${CMAKE_CURRENT_LIST_DIR}/batch_parser.cc
  ${CMAKE_CURRENT_LIST_DIR}/csv_reader.cc
  ${CMAKE_CURRENT_LIST_DIR}/json_batch_parser.cc
  ${CMAKE_CURRENT_LIST_DIR}/long_batch_builder.cc
  ${CMAKE_CURRENT_LIST_DIR}/long_csv_parser.cc
  ${CMAKE_CURRENT_LIST_DIR}/masshunter_parser.cc
  ${CMAKE_CURRENT_LIST_DIR}/quantified_parser.cc
  ${CMAKE_CURRENT_LIST_DIR}/text_util.cc)
list(APPEND WBE_PIPELINE_SRCS ${CMAKE_CURRENT_LIST_DIR}/flows_csv_parser.cc)
list(APPEND WBE_PIPELINE_SRCS ${CMAKE_CURRENT_LIST_DIR}/flows_json_parser.cc)
list(APPEND WBE_PIPELINE_SRCS ${CMAKE_CURRENT_LIST_DIR}/candidate_sites_parser.cc)
list(APPEND WBE_PIPELINE_SRCS ${CMAKE_CURRENT_LIST_DIR}/euda_wastewater_parser.cc)
