#pragma once

#include <string>

namespace wbe {

// Root of the shipped data files (catalogue, schemas, demo city). Resolved from, in order:
// the WBE_DATA_DIR environment variable, the source tree the binary was built from, and the
// install prefix. Throws InputError naming the places it looked when none holds the files.
std::string DataRoot();

// DataRoot() + "/" + relative, e.g. DataPath("models/catalogue/drugs.json").
std::string DataPath(const std::string& relative);

}  // namespace wbe
