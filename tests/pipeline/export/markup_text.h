#pragma once

#include <cctype>
#include <string>

namespace wbe::testing {

// True when `word` stands alone (not inside a longer word such as "dominant" or "info").
inline bool HasWord(const std::string& text, const std::string& word) {
  auto is_letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !is_letter(text[at - 1]);
    const size_t end = at + word.size();
    const bool ends = end == text.size() || !is_letter(text[end]);
    if (starts && ends) return true;
  }
  return false;
}

inline int CountOf(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace wbe::testing
