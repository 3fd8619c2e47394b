#pragma once

#include <string>

namespace wbe {

// ASCII lower case, for case-insensitive name lookups (UTF-8 bytes above 127 stay as they are).
std::string LowerAscii(std::string text);

// The whole file as bytes. Throws InputError(path, ...) "cannot open the <what>" when it cannot
// be read, e.g. ReadWholeFile(path, "catalogue file").
std::string ReadWholeFile(const std::string& path, const std::string& what = "file");

}  // namespace wbe
