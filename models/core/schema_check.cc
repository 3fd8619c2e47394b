#include "models/core/schema_check.h"

#include <map>
#include <memory>
#include <mutex>

#include "models/core/data_paths.h"
#include "models/core/input_error.h"

namespace wbe {

const JsonSchemaValidator& SchemaValidator(const std::string& schema_file) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<JsonSchemaValidator>> validators;
  const std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<JsonSchemaValidator>& validator = validators[schema_file];
  if (!validator) {
    validator = std::make_unique<JsonSchemaValidator>(
        JsonSchemaValidator::FromFile(DataPath("data-schemas/" + schema_file)));
  }
  return *validator;
}

nlohmann::json ParseJsonText(const std::string& text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(origin, 0, "", std::string("not valid JSON: ") + e.what());
  }
}

void CheckAgainstSchema(const nlohmann::json& document, const std::string& schema_file,
                        const std::string& origin, const std::string& pointer_prefix) {
  const std::vector<SchemaViolation> violations = SchemaValidator(schema_file).Validate(document);
  if (violations.empty()) return;
  std::string message = violations.front().message;
  if (violations.size() > 1) {
    message += " (and " + std::to_string(violations.size() - 1) + " more problems)";
  }
  throw InputError(origin, 0, pointer_prefix + violations.front().instance_path, message);
}

}  // namespace wbe
