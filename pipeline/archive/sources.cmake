list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/batch_manifest.cc
  ${CMAKE_CURRENT_LIST_DIR}/data_dir_lock.cc
  ${CMAKE_CURRENT_LIST_DIR}/durable_file.cc
  ${CMAKE_CURRENT_LIST_DIR}/json_lines.cc
  ${CMAKE_CURRENT_LIST_DIR}/log_file_lock.cc
  ${CMAKE_CURRENT_LIST_DIR}/raw_archive.cc)
