#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wbe {

// One problem in a document. The path is "" for the root; a missing required property is reported
// at the object that lacks it, a property that is not allowed at the property itself.
struct SchemaViolation {
  std::string instance_path;  // JSON pointer into the validated document, e.g. /drugs/3/routes/0
  std::string message;
};

// Validates JSON documents against the subset of JSON Schema 2020-12 our schemas use:
// type, enum, const, properties, required, additionalProperties, patternProperties-free
// objects, items, minItems, maxItems, uniqueItems, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, minLength, maxLength, pattern, format "date", allOf, anyOf, oneOf, not,
// and local $ref ("#/$defs/..."). Unknown keywords are ignored, as the standard asks.
// Validate is const and keeps no state between calls, so one validator can serve many threads.
class JsonSchemaValidator {
 public:
  // Throws std::invalid_argument, naming the schema location, when the schema is malformed
  // (e.g. a pattern that does not compile, a $ref that points nowhere or loops on itself).
  explicit JsonSchemaValidator(nlohmann::json schema);
  // Throws std::runtime_error naming the file when it cannot be read or parsed, or when the
  // schema in it is malformed.
  static JsonSchemaValidator FromFile(const std::string& path);

  // Every violation found (empty when valid). A failed anyOf/oneOf yields one summary violation,
  // followed by the closest alternative's own violations when they are few and telling.
  std::vector<SchemaViolation> Validate(const nlohmann::json& instance) const;

 private:
  nlohmann::json schema_;
};

}  // namespace wbe
