#include "pipeline/export/csv_writer.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace wbe {

CsvWriter::CsvWriter(const std::string& path) : path_(path), out_(path, std::ios::binary) {
  if (!out_) throw std::runtime_error("cannot write " + path);
}

void CsvWriter::WriteRow(const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out_ << ',';
    out_ << Quote(cells[i]);
  }
  out_ << '\n';
}

void CsvWriter::Close() {
  out_.flush();
  if (!out_) throw std::runtime_error("writing " + path_ + " failed (disk full?)");
  out_.close();
}

std::string CsvWriter::Quote(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string CsvWriter::Number(double value) {
  if (std::isnan(value)) return "";
  char buffer[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

}  // namespace wbe
