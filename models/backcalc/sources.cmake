list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/back_calculator.cc
  ${CMAKE_CURRENT_LIST_DIR}/site_day_back_calculation.cc)
