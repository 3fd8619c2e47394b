list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/data_service.cc
  ${CMAKE_CURRENT_LIST_DIR}/job_board.cc
  ${CMAKE_CURRENT_LIST_DIR}/method_registry.cc
  ${CMAKE_CURRENT_LIST_DIR}/store_snapshot.cc)
list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/alert_scheduler.cc
  ${CMAKE_CURRENT_LIST_DIR}/webhook_delivery.cc)
