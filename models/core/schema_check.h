#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "data-schemas/validation/json_schema_validator.h"

namespace wbe {

// The validator for data-schemas/<schema_file> (e.g. "city.schema.json"), loaded once per
// process and shared between threads.
const JsonSchemaValidator& SchemaValidator(const std::string& schema_file);

// Parses JSON text; a syntax error is an InputError naming `origin`.
nlohmann::json ParseJsonText(const std::string& text, const std::string& origin);

// Throws InputError(origin, 0, pointer_prefix + path of the first violation, its message, and
// how many more there are) when `document` breaks the schema.
void CheckAgainstSchema(const nlohmann::json& document, const std::string& schema_file,
                        const std::string& origin, const std::string& pointer_prefix = "");

}  // namespace wbe
