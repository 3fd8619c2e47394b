list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/inversion_options.cc
  ${CMAKE_CURRENT_LIST_DIR}/network_inversion.cc)
