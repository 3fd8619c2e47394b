list(APPEND WBE_CLI_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/main.cc
  ${CMAKE_CURRENT_LIST_DIR}/number_validators.cc
  ${CMAKE_CURRENT_LIST_DIR}/advise_sites_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/alerts_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/backcalc_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/backtest_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/estimate_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/evaluate_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/ingest_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/serve_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/simulate_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/token_command.cc)
