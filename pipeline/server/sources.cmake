list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/access_log.cc
  ${CMAKE_CURRENT_LIST_DIR}/admin_routes.cc
  ${CMAKE_CURRENT_LIST_DIR}/api_exchange.cc
  ${CMAKE_CURRENT_LIST_DIR}/api_json.cc
  ${CMAKE_CURRENT_LIST_DIR}/api_request_handler.cc
  ${CMAKE_CURRENT_LIST_DIR}/batch_routes.cc
  ${CMAKE_CURRENT_LIST_DIR}/city_routes.cc
  ${CMAKE_CURRENT_LIST_DIR}/dashboard_files.cc
  ${CMAKE_CURRENT_LIST_DIR}/drug_routes.cc
  ${CMAKE_CURRENT_LIST_DIR}/flow_routes.cc
  ${CMAKE_CURRENT_LIST_DIR}/query_routes.cc
  ${CMAKE_CURRENT_LIST_DIR}/request_body.cc
  ${CMAKE_CURRENT_LIST_DIR}/route_table.cc
  ${CMAKE_CURRENT_LIST_DIR}/serve_application.cc
  ${CMAKE_CURRENT_LIST_DIR}/series_routes.cc
  ${CMAKE_CURRENT_LIST_DIR}/server_options.cc
  ${CMAKE_CURRENT_LIST_DIR}/system_routes.cc
  ${CMAKE_CURRENT_LIST_DIR}/upload_spool.cc
  ${CMAKE_CURRENT_LIST_DIR}/wbe_http_server.cc)
list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/report_cache.cc
  ${CMAKE_CURRENT_LIST_DIR}/report_routes.cc)
