list(APPEND WBE_CALIBRATION_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/calibration_curve.cc
  ${CMAKE_CURRENT_LIST_DIR}/curve_assessment.cc
  ${CMAKE_CURRENT_LIST_DIR}/number_text.cc)
