#include "pipeline/archive/json_lines.h"

#include "models/core/input_error.h"

namespace wbe {

void ForEachJsonLine(const std::string& text, const std::string& path,
                     const std::function<void(const nlohmann::json&, long line)>& visit) {
  long line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(path, line_number, "", std::string("not JSON (corrupt line): ") + e.what());
    }
    visit(parsed, line_number);
  }
}

}  // namespace wbe
