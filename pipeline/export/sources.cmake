list(APPEND WBE_PIPELINE_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/alert_report_csv.cc
  ${CMAKE_CURRENT_LIST_DIR}/alert_report_html.cc
  ${CMAKE_CURRENT_LIST_DIR}/csv_writer.cc
  ${CMAKE_CURRENT_LIST_DIR}/estimate_json.cc
  ${CMAKE_CURRENT_LIST_DIR}/svg_chart.cc)
