list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/ingest_job.cc
  ${CMAKE_CURRENT_LIST_DIR}/simulate_job.cc
  ${CMAKE_CURRENT_LIST_DIR}/demo_job.cc
  ${CMAKE_CURRENT_LIST_DIR}/reestimate_job.cc
  ${CMAKE_CURRENT_LIST_DIR}/estimate_job.cc
  ${CMAKE_CURRENT_LIST_DIR}/demo_server_setup.cc
  ${CMAKE_CURRENT_LIST_DIR}/alerts_job.cc)
