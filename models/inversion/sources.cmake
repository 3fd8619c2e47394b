list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/estimate_evaluation.cc
  ${CMAKE_CURRENT_LIST_DIR}/district_estimator.cc
  ${CMAKE_CURRENT_LIST_DIR}/inversion_options.cc
  ${CMAKE_CURRENT_LIST_DIR}/network_inversion.cc
  ${CMAKE_CURRENT_LIST_DIR}/site_load_observations.cc)
