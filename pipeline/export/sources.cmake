list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/csv_writer.cc
  ${CMAKE_CURRENT_LIST_DIR}/estimate_json.cc)
