list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/backtest.cc
  ${CMAKE_CURRENT_LIST_DIR}/district_series.cc
  ${CMAKE_CURRENT_LIST_DIR}/forecaster.cc
  ${CMAKE_CURRENT_LIST_DIR}/kalman_filter.cc
  ${CMAKE_CURRENT_LIST_DIR}/period_mean_forecast.cc
  ${CMAKE_CURRENT_LIST_DIR}/structural_model.cc
  ${CMAKE_CURRENT_LIST_DIR}/yearly_week_evaluation.cc)
