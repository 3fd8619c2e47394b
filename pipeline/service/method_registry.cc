#include "pipeline/service/method_registry.h"

#include <algorithm>
#include <filesystem>

#include "calibration/method/quantitation_method.h"
#include "models/core/input_error.h"
#include "models/core/text_files.h"
#include "pipeline/archive/durable_file.h"
#include "pipeline/archive/raw_archive.h"

namespace wbe {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSuffix = ".method.json";

}  // namespace

MethodRegistry::MethodRegistry(std::string data_dir, const DrugCatalogue& catalogue)
    : directory_((fs::path(data_dir) / "config" / "methods").string()), catalogue_(catalogue) {}

bool MethodRegistry::IsValidName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string MethodRegistry::PathFor(const std::string& name) const {
  return (fs::path(directory_) / (name + kSuffix)).string();
}

std::vector<RegisteredMethod> MethodRegistry::List() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<RegisteredMethod> methods;
  std::error_code error;
  if (!fs::is_directory(directory_, error)) return methods;
  for (const auto& entry : fs::directory_iterator(directory_)) {
    const std::string file = entry.path().filename().string();
    const size_t suffix = std::string(kSuffix).size();
    if (file.size() <= suffix || file.compare(file.size() - suffix, suffix, kSuffix) != 0) continue;
    const std::string name = file.substr(0, file.size() - suffix);
    if (!IsValidName(name)) continue;
    methods.push_back({name, Sha256HexOfFile(entry.path().string())});
  }
  std::sort(methods.begin(), methods.end(),
            [](const RegisteredMethod& a, const RegisteredMethod& b) { return a.name < b.name; });
  return methods;
}

std::optional<std::string> MethodRegistry::Get(const std::string& name) const {
  if (!IsValidName(name)) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string path = PathFor(name);
  if (!fs::is_regular_file(path)) return {};
  return ReadWholeFile(path, "quantitation method file");
}

bool MethodRegistry::Put(const std::string& name, const std::string& bytes) {
  if (!IsValidName(name)) {
    throw InputError(name, 0, "name",
                     "a method name has 1-64 letters, digits, '.', '_' or '-' and does not start "
                     "with '.'");
  }
  QuantitationMethod::LoadFromString(bytes, name + kSuffix, &catalogue_);
  std::lock_guard<std::mutex> lock(mutex_);
  CreateDirectoriesDurably(directory_);
  const bool fresh = !fs::exists(PathFor(name));
  WriteFileAtomically(PathFor(name), bytes);
  return fresh;
}

}  // namespace wbe
