list(APPEND WBE_MODELS_SRCS
  ${CMAKE_CURRENT_LIST_DIR}/city_simulator.cc
  ${CMAKE_CURRENT_LIST_DIR}/lab_batch_simulator.cc
  ${CMAKE_CURRENT_LIST_DIR}/random_events.cc
  ${CMAKE_CURRENT_LIST_DIR}/scenario.cc
  ${CMAKE_CURRENT_LIST_DIR}/simulation_writer.cc)
