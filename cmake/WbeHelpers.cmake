# Small helpers in the spirit of COLMAP's CMakeHelper: one call per library or test, the same
# warning flags everywhere.

function(wbe_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(WERROR_ENABLED)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(ASAN_ENABLED)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# wbe_add_library(NAME name SRCS ... PUBLIC_LINK_LIBS ... PRIVATE_LINK_LIBS ...)
function(wbe_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;PUBLIC_LINK_LIBS;PRIVATE_LINK_LIBS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_PUBLIC_LINK_LIBS} PRIVATE ${ARG_PRIVATE_LINK_LIBS})
  wbe_target_defaults(${ARG_NAME})
endfunction()

# wbe_add_test(NAME module/test_name SRCS ... LINK_LIBS ...)
# The CTest name keeps the module path so `ctest -R models/` selects a module.
function(wbe_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;LINK_LIBS" ${ARGN})
  string(REPLACE "/" "_" exe_name "test_${ARG_NAME}")
  add_executable(${exe_name} ${ARG_SRCS})
  target_link_libraries(${exe_name} PRIVATE ${ARG_LINK_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${exe_name} PRIVATE
    WBE_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    WBE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  wbe_target_defaults(${exe_name})
  add_test(NAME ${ARG_NAME} COMMAND ${exe_name})
  set_tests_properties(${ARG_NAME} PROPERTIES ENVIRONMENT "WBE_DATA_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
