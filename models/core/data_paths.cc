#include "models/core/data_paths.h"

#include <cstdlib>
#include <filesystem>

#include "models/core/input_error.h"

namespace wbe {
namespace {

bool HoldsData(const std::filesystem::path& root) {
  return std::filesystem::exists(root / "models" / "catalogue" / "drugs.json");
}

}  // namespace

std::string DataRoot() {
  std::string tried;
  if (const char* env = std::getenv("WBE_DATA_DIR"); env != nullptr && *env != '\0') {
    if (HoldsData(env)) return env;
    tried += std::string(env) + " (WBE_DATA_DIR), ";
  }
#ifdef WBE_SOURCE_DATA_DIR
  if (HoldsData(WBE_SOURCE_DATA_DIR)) return WBE_SOURCE_DATA_DIR;
  tried += std::string(WBE_SOURCE_DATA_DIR) + ", ";
#endif
#ifdef WBE_INSTALL_DATA_DIR
  if (HoldsData(WBE_INSTALL_DATA_DIR)) return WBE_INSTALL_DATA_DIR;
  tried += std::string(WBE_INSTALL_DATA_DIR) + ", ";
#endif
  throw InputError("cannot find the wbe data files (models/catalogue/drugs.json); looked in " +
                   tried + "set WBE_DATA_DIR to the project folder");
}

std::string DataPath(const std::string& relative) {
  return (std::filesystem::path(DataRoot()) / relative).string();
}

}  // namespace wbe
