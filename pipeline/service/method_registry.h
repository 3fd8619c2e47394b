#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "models/catalogue/drug_catalogue.h"

namespace wbe {

struct RegisteredMethod {
  std::string name;
  std::string sha256;
};

// Quantitation methods a server knows by name, so a lab can upload a raw batch with
// `?method=NAME` instead of sending the method file each time. Kept as
// DATA_DIR/config/methods/NAME.method.json, each replaced atomically. The method a batch was
// judged with is archived with the batch, so changing a registered method never changes an
// archived batch. Thread-safe.
class MethodRegistry {
 public:
  MethodRegistry(std::string data_dir, const DrugCatalogue& catalogue);

  // 1-64 characters of [A-Za-z0-9._-], not starting with '.'.
  static bool IsValidName(const std::string& name);

  std::vector<RegisteredMethod> List() const;
  // The method's bytes, or none when no method has this name.
  std::optional<std::string> Get(const std::string& name) const;
  // Validates `bytes` as a quantitation method (InputError naming `name` otherwise) and stores
  // it. Returns true when the name is new.
  bool Put(const std::string& name, const std::string& bytes);

 private:
  std::string PathFor(const std::string& name) const;

  std::string directory_;
  const DrugCatalogue& catalogue_;
  mutable std::mutex mutex_;
};

}  // namespace wbe
