#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace wbe {

// Calls `visit` with each line of a JSON-lines log (complete lines only, as ReadWholeLines
// gives them) and its 1-based line number. A line that is not JSON throws InputError naming
// `path` and the line.
void ForEachJsonLine(const std::string& text, const std::string& path,
                     const std::function<void(const nlohmann::json&, long line)>& visit);

}  // namespace wbe
