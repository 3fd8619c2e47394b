#pragma once

// Runs the real `wbe` binary (WBE_CLI_PATH, set by the test's CMake target) for CLI tests.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace wbe::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// `arguments` go through the shell as they are: quote paths with spaces.
inline RunResult RunWbe(const std::string& arguments) {
  const std::string err_path = (std::filesystem::temp_directory_path() /
                                ("wbe_cli_test_" + std::to_string(::getpid()) + ".err"))
                                   .string();
  const std::string command = std::string(WBE_CLI_PATH) + " " + arguments + " 2>" + err_path;
  RunResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.out.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* err = std::fopen(err_path.c_str(), "r")) {
    while ((n = std::fread(buffer.data(), 1, buffer.size(), err)) > 0) {
      result.err.append(buffer.data(), n);
    }
    std::fclose(err);
  }
  std::filesystem::remove(err_path);
  return result;
}

}  // namespace wbe::testing
