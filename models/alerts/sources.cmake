list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/alert.cc
  ${CMAKE_CURRENT_LIST_DIR}/alert_evaluation.cc
  ${CMAKE_CURRENT_LIST_DIR}/registration_screen.cc
  ${CMAKE_CURRENT_LIST_DIR}/risk_ranking.cc
  ${CMAKE_CURRENT_LIST_DIR}/screening_options.cc
  ${CMAKE_CURRENT_LIST_DIR}/series_screen.cc
  ${CMAKE_CURRENT_LIST_DIR}/site_screen.cc
  ${CMAKE_CURRENT_LIST_DIR}/site_spike_screen.cc
  ${CMAKE_CURRENT_LIST_DIR}/weekly_screening.cc)
