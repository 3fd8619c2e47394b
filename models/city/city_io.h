#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/city/city.h"

namespace wbe {

// Reading and writing a City as JSON (data-schemas/city.schema.json). Loading validates the
// document against the schema, then the references between its parts (outlet nodes, edge ends,
// site nodes), then the tree shape (City::Validate). Every failure is an InputError naming the
// file (origin), the JSON pointer of the offending entry and, where it has one, its id.

// Throws InputError when the file cannot be read, is not JSON, or is not a valid city.
City LoadCityFromFile(const std::string& path);

// `origin` names the document in error messages (usually its path). A "scenario" member, if
// present, is ignored here (the simulator reads it).
City CityFromJson(const nlohmann::json& document, const std::string& origin);

// The inverse of CityFromJson for everything a City holds (annotations such as a district's
// "source" are not part of City and are not written).
nlohmann::json CityToJson(const City& city);

}  // namespace wbe
