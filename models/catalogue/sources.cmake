list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/quantity.cc
  ${CMAKE_CURRENT_LIST_DIR}/drug_catalogue.cc)
