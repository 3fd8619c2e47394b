#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wbe {

struct SchemaViolation {
  std::string instance_path;  // JSON pointer into the validated document, e.g. /drugs/3/routes/0
  std::string message;
};

// Validates JSON documents against the subset of JSON Schema 2020-12 our schemas use:
// type, enum, const, properties, required, additionalProperties, patternProperties-free
// objects, items, minItems, maxItems, uniqueItems, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, minLength, maxLength, pattern, format "date", allOf, anyOf, oneOf, not,
// and local $ref ("#/$defs/..."). Unknown keywords are ignored, as the standard asks.
class JsonSchemaValidator {
 public:
  explicit JsonSchemaValidator(nlohmann::json schema);
  // Throws std::runtime_error naming the file when it cannot be read or parsed.
  static JsonSchemaValidator FromFile(const std::string& path);

  // Every violation found (empty when valid).
  std::vector<SchemaViolation> Validate(const nlohmann::json& instance) const;

 private:
  nlohmann::json schema_;
};

}  // namespace wbe
