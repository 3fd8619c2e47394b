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

// {"a", "b", "c"} from "a,b,c" and ','; an empty text is an empty list.
inline std::vector<std::string> SplitStrings(const std::string& text, char separator) {
  std::vector<std::string> items;
  if (text.empty()) return items;
  size_t begin = 0;
  while (true) {
    const size_t end = text.find(separator, begin);
    items.push_back(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) return items;
    begin = end + 1;
  }
}

}  // namespace wbe
