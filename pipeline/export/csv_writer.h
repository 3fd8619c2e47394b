#pragma once

#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

namespace wbe {

// Writes RFC 4180 CSV (UTF-8, comma, CRLF-free "\n" rows, quotes only where needed).
// Throws std::runtime_error naming the file when it cannot be written.
class CsvWriter {
 public:
  explicit CsvWriter(const std::string& path);
  void WriteRow(const std::vector<std::string>& cells);
  // Flushes and checks the stream; call before reporting success.
  void Close();

  static std::string Quote(const std::string& cell);
  // Shortest text that reads back as the same double; empty for NaN.
  static std::string Number(double value);

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace wbe
