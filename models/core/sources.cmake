list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/civil_day.cc
  ${CMAKE_CURRENT_LIST_DIR}/data_paths.cc
  ${CMAKE_CURRENT_LIST_DIR}/input_error.cc
  ${CMAKE_CURRENT_LIST_DIR}/schema_check.cc
  ${CMAKE_CURRENT_LIST_DIR}/text_files.cc)
