#include "pipeline/server/access_log.h"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace wbe {

AccessLog::AccessLog(const std::string& path) : to_stdout_(path == "-") {
  if (to_stdout_) return;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  file_.open(path, std::ios::app);
  if (!file_) throw std::runtime_error("cannot open the access log " + path);
}

void AccessLog::Write(const nlohmann::json& record) {
  const std::string line =
      record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  if (to_stdout_) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  } else {
    file_ << line;
    file_.flush();
  }
}

}  // namespace wbe
