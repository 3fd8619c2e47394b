#pragma once

#include <string>
#include <vector>

namespace wbe {

// "a, b, c" from {"a", "b", "c"} and ", ".
inline std::string JoinStrings(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += separator;
    text += items[i];
  }
  return text;
}

}  // namespace wbe
