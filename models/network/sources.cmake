list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/identifiability.cc
  ${CMAKE_CURRENT_LIST_DIR}/sampling_design_advisor.cc
  ${CMAKE_CURRENT_LIST_DIR}/sewer_network.cc)
