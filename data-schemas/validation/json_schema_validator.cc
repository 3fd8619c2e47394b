#include "data-schemas/validation/json_schema_validator.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <map>
// GCC 12 with -O2 and -fsanitize=address warns falsely inside <regex> (GCC bug 105616).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace wbe {
namespace {

using json = nlohmann::json;

// Alternatives (anyOf/oneOf) with at most this many problems are spelled out after the summary.
constexpr size_t kMaxClosestAlternativeDetails = 3;

// A violation plus the keyword that raised it, so anyOf/oneOf can tell "wrong kind of value"
// apart from "right kind, wrong details" when picking the closest alternative.
struct Violation {
  std::string instance_path;
  std::string message;
  std::string keyword;
};

bool IsOneOf(const std::string& text, std::initializer_list<const char*> candidates) {
  return std::any_of(candidates.begin(), candidates.end(),
                     [&text](const char* candidate) { return text == candidate; });
}

// JSON pointer tokens escape '~' and '/' (RFC 6901).
std::string ChildPath(const std::string& path, const std::string& token) {
  std::string child = path + "/";
  for (char c : token) {
    if (c == '~') {
      child += "~0";
    } else if (c == '/') {
      child += "~1";
    } else {
      child += c;
    }
  }
  return child;
}

std::string ChildPath(const std::string& path, size_t index) {
  return path + "/" + std::to_string(index);
}

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// JSON Schema lengths count code points, so "可卡因" has length 3, not 9.
size_t CountCodePoints(const std::string& text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return !IsUtf8Continuation(c); });
}

// Compact JSON text for messages; long values are cut so a message stays on one line.
std::string Preview(const json& value) {
  constexpr size_t kMaxLength = 60;
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() <= kMaxLength) return text;
  size_t cut = kMaxLength;
  while (cut > 0 && IsUtf8Continuation(text[cut])) --cut;  // never split a character
  return text.substr(0, cut) + "...";
}

// What the author actually wrote, e.g. `the string "abc"` or `an object`.
std::string DescribeValue(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "the boolean " + Preview(value);
  if (value.is_number()) return "the number " + Preview(value);
  if (value.is_string()) return "the string " + Preview(value);
  if (value.is_object()) return "an object";
  return "an array";
}

std::string DescribeType(const std::string& type) {
  if (type == "null") return "null";
  if (IsOneOf(type, {"integer", "object", "array"})) return "an " + type;
  return "a " + type;
}

// "a", "a or b", "a, b or c" (conjunction "or"), as a sentence lists things.
std::string JoinNatural(const std::vector<std::string>& items, const std::string& conjunction) {
  std::string joined;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) joined += (i + 1 == items.size()) ? " " + conjunction + " " : ", ";
    joined += items[i];
  }
  return joined;
}

std::string Join(const std::vector<std::string>& items, const std::string& separator) {
  std::string joined;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) joined += separator;
    joined += items[i];
  }
  return joined;
}

std::string CountOf(size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// JSON Schema counts 2.0 as an integer, like 2.
bool IsInteger(const json& value) {
  if (value.is_number_integer()) return true;
  if (!value.is_number_float()) return false;
  const double number = value.get<double>();
  return std::isfinite(number) && number == std::floor(number);
}

bool MatchesType(const json& value, const std::string& type) {
  if (type == "null") return value.is_null();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "number") return value.is_number();
  if (type == "integer") return IsInteger(value);
  if (type == "string") return value.is_string();
  return false;
}

bool IsKnownType(const std::string& type) {
  return IsOneOf(type, {"null", "boolean", "object", "array", "number", "integer", "string"});
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 3339 full-date shape: YYYY-MM-DD, digits only.
bool HasDateShape(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!IsDigit(text[i])) return false;
  }
  return true;
}

// Expects HasDateShape(text); checks that the day exists (no 2023-02-29, no 2024-04-31).
bool IsCalendarDate(const std::string& text) {
  const int year = std::stoi(text.substr(0, 4));
  const int month = std::stoi(text.substr(5, 2));
  const int day = std::stoi(text.substr(8, 2));
  if (month < 1 || month > 12 || day < 1) return false;
  constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap_year = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = (month == 2 && leap_year) ? 29 : kDaysInMonth[month - 1];
  return day <= days;
}

int HexDigitValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A $ref is a URI fragment, so "#/$defs/daily%20dose" names the definition "daily dose".
std::string PercentDecode(const std::string& text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = HexDigitValue(text[i + 1]);
      const int low = HexDigitValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        decoded += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    decoded += text[i];
  }
  return decoded;
}

// Resolves "#", "#/$defs/name", "#/definitions/name" or any "#/json/pointer" within the schema.
// Returns nullptr when the reference is not local or points to nothing.
const json* ResolveLocalRef(const json& root, const json& ref) {
  if (!ref.is_string()) return nullptr;
  const std::string& text = ref.get_ref<const std::string&>();
  if (text.empty() || text[0] != '#') return nullptr;
  const std::string pointer = PercentDecode(text.substr(1));
  if (pointer.empty()) return &root;
  try {
    const json::json_pointer location(pointer);
    return root.contains(location) ? &root.at(location) : nullptr;
  } catch (const json::exception&) {
    return nullptr;  // not a JSON pointer, e.g. "#anchor" or "#/a~2"
  }
}

const json* FindKeyword(const json& schema, const char* keyword) {
  const auto it = schema.find(keyword);
  return it == schema.end() ? nullptr : &*it;
}

// Checks once, at construction, that the schema is well formed, so validation can rely on keyword
// values having the right JSON type, on every pattern compiling and on every $ref resolving.
class SchemaChecker {
 public:
  explicit SchemaChecker(const json& root) : root_(root) {}

  // Throws std::invalid_argument naming the schema location of the first problem.
  void Check() {
    CheckSchema(root_, "");
    for (const auto& [schema, path] : schema_paths_) {
      std::vector<const json*> chain;
      CheckNoInPlaceCycle(*schema, chain);
    }
  }

 private:
  [[noreturn]] static void Fail(const std::string& schema_path, const std::string& problem) {
    throw std::invalid_argument("invalid JSON Schema at '#" + schema_path + "': " + problem);
  }

  void CheckSchema(const json& schema, const std::string& path) {
    // A $ref can lead back to a subschema that was already checked.
    if (!schema_paths_.emplace(&schema, path).second) return;
    if (schema.is_boolean()) return;
    if (!schema.is_object()) Fail(path, "a schema must be an object, true or false");
    for (const auto& [keyword, value] : schema.items()) {
      CheckKeyword(keyword, value, ChildPath(path, keyword));
    }
  }

  // Unknown keywords are ignored, as the standard asks.
  void CheckKeyword(const std::string& keyword, const json& value, const std::string& path) {
    if (keyword == "type") {
      CheckTypeKeyword(value, path);
    } else if (keyword == "required") {
      const bool names =
          value.is_array() &&
          std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); });
      if (!names) Fail(path, "must be an array of property names");
    } else if (keyword == "enum") {
      if (!value.is_array()) Fail(path, "must be an array of the allowed values");
    } else if (keyword == "uniqueItems") {
      if (!value.is_boolean()) Fail(path, "must be true or false");
    } else if (IsOneOf(keyword, {"minItems", "maxItems", "minLength", "maxLength"})) {
      if (!IsInteger(value) || value.get<double>() < 0) Fail(path, "must be a whole number >= 0");
    } else if (IsOneOf(keyword, {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) {
      if (!value.is_number()) Fail(path, "must be a number");
    } else if (keyword == "pattern") {
      CheckPattern(value, path);
    } else if (keyword == "format") {
      if (!value.is_string()) Fail(path, "must be a string");
    } else if (keyword == "$ref") {
      CheckRef(value, path);
    } else if (IsOneOf(keyword, {"additionalProperties", "items", "not"})) {
      if (keyword == "items" && value.is_array()) {
        Fail(path, "must be a single schema (the array form is not supported)");
      }
      CheckSchema(value, path);
    } else if (IsOneOf(keyword, {"properties", "$defs", "definitions"})) {
      if (!value.is_object()) Fail(path, "must be an object of schemas");
      for (const auto& [name, subschema] : value.items()) {
        CheckSchema(subschema, ChildPath(path, name));
      }
    } else if (IsOneOf(keyword, {"allOf", "anyOf", "oneOf"})) {
      if (!value.is_array() || value.empty()) Fail(path, "must be a non-empty array of schemas");
      for (size_t i = 0; i < value.size(); ++i) CheckSchema(value[i], ChildPath(path, i));
    }
  }

  static void CheckTypeKeyword(const json& value, const std::string& path) {
    const std::vector<json> types =
        value.is_array() ? value.get<std::vector<json>>() : std::vector<json>{value};
    if (types.empty()) Fail(path, "must name at least one type");
    for (const json& type : types) {
      if (!type.is_string() || !IsKnownType(type.get<std::string>())) {
        Fail(path, Preview(type) + " is not a JSON Schema type");
      }
    }
  }

  static void CheckPattern(const json& value, const std::string& path) {
    if (!value.is_string()) Fail(path, "must be a string");
    try {
      std::regex(value.get<std::string>(), std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      Fail(path, "pattern " + value.get<std::string>() + " is not a valid regular expression (" +
                     error.what() + ")");
    }
  }

  void CheckRef(const json& value, const std::string& path) {
    if (!value.is_string()) Fail(path, "must be a string");
    const std::string& ref = value.get_ref<const std::string&>();
    if (ref.empty() || ref[0] != '#') {
      Fail(path,
           "'" + ref + "' is not supported; only references within this schema ('#/...') are");
    }
    const json* target = ResolveLocalRef(root_, value);
    if (target == nullptr) Fail(path, "'" + ref + "' points to nothing in this schema");
    CheckSchema(*target, PercentDecode(ref.substr(1)));
  }

  // Subschemas applied to the same value ($ref, allOf, anyOf, oneOf, not) must not lead back to
  // themselves: validation would never end.
  void CheckNoInPlaceCycle(const json& schema, std::vector<const json*>& chain) {
    if (!schema.is_object() || acyclic_.count(&schema) > 0) return;
    if (std::find(chain.begin(), chain.end(), &schema) != chain.end()) {
      Fail(schema_paths_.at(&schema),
           "its $ref chain leads back to itself without descending into the document");
    }
    chain.push_back(&schema);
    if (const json* ref = FindKeyword(schema, "$ref")) {
      CheckNoInPlaceCycle(*ResolveLocalRef(root_, *ref), chain);
    }
    for (const char* keyword : {"allOf", "anyOf", "oneOf"}) {
      if (const json* alternatives = FindKeyword(schema, keyword)) {
        for (const json& alternative : *alternatives) CheckNoInPlaceCycle(alternative, chain);
      }
    }
    if (const json* negated = FindKeyword(schema, "not")) CheckNoInPlaceCycle(*negated, chain);
    chain.pop_back();
    acyclic_.insert(&schema);
  }

  const json& root_;
  std::map<const json*, std::string> schema_paths_;  // every subschema reached, with its location
  std::set<const json*> acyclic_;
};

// One Validate call: walks schema and instance together and collects violations.
class InstanceValidator {
 public:
  explicit InstanceValidator(const json& root) : root_(root) {}

  void Validate(const json& schema, const json& instance, const std::string& path,
                std::vector<Violation>& out) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) out.push_back({path, "no value is allowed here", "false"});
      return;
    }
    if (const json* type = FindKeyword(schema, "type")) CheckType(*type, instance, path, out);
    if (const json* allowed = FindKeyword(schema, "enum")) CheckEnum(*allowed, instance, path, out);
    if (const json* expected = FindKeyword(schema, "const")) {
      if (instance != *expected) {
        out.push_back({path,
                       "value " + Preview(instance) + " must be exactly " + Preview(*expected),
                       "const"});
      }
    }
    // Each remaining keyword only constrains values of its own kind.
    if (instance.is_object()) CheckObject(schema, instance, path, out);
    if (instance.is_array()) CheckArray(schema, instance, path, out);
    if (instance.is_number()) CheckNumber(schema, instance, path, out);
    if (instance.is_string()) CheckString(schema, instance, path, out);

    if (const json* ref = FindKeyword(schema, "$ref")) {
      Validate(*ResolveLocalRef(root_, *ref), instance, path, out);
    }
    if (const json* all_of = FindKeyword(schema, "allOf")) {
      for (const json& subschema : *all_of) Validate(subschema, instance, path, out);
    }
    if (const json* any_of = FindKeyword(schema, "anyOf")) {
      CheckAlternatives(*any_of, /*exactly_one=*/false, instance, path, out);
    }
    if (const json* one_of = FindKeyword(schema, "oneOf")) {
      CheckAlternatives(*one_of, /*exactly_one=*/true, instance, path, out);
    }
    if (const json* negated = FindKeyword(schema, "not")) {
      std::vector<Violation> ignored;
      Validate(*negated, instance, path, ignored);
      if (ignored.empty()) {
        out.push_back({path, "value " + Preview(instance) + " is not allowed here", "not"});
      }
    }
  }

 private:
  static void CheckType(const json& type, const json& instance, const std::string& path,
                        std::vector<Violation>& out) {
    const std::vector<std::string> allowed =
        type.is_array() ? type.get<std::vector<std::string>>()
                        : std::vector<std::string>{type.get<std::string>()};
    for (const std::string& name : allowed) {
      if (MatchesType(instance, name)) return;
    }
    std::vector<std::string> described;
    for (const std::string& name : allowed) described.push_back(DescribeType(name));
    out.push_back(
        {path, "expected " + JoinNatural(described, "or") + " but found " + DescribeValue(instance),
         "type"});
  }

  static void CheckEnum(const json& allowed, const json& instance, const std::string& path,
                        std::vector<Violation>& out) {
    if (std::find(allowed.begin(), allowed.end(), instance) != allowed.end()) return;
    std::vector<std::string> choices;
    for (const json& choice : allowed) choices.push_back(Preview(choice));
    out.push_back(
        {path,
         "value " + Preview(instance) + " is not one of the allowed values: " + Join(choices, ", "),
         "enum"});
  }

  void CheckObject(const json& schema, const json& instance, const std::string& path,
                   std::vector<Violation>& out) {
    if (const json* required = FindKeyword(schema, "required")) {
      for (const json& name : *required) {
        if (!instance.contains(name.get<std::string>())) {
          out.push_back(
              {path, "missing required property '" + name.get<std::string>() + "'", "required"});
        }
      }
    }
    const json* properties = FindKeyword(schema, "properties");
    const json* additional = FindKeyword(schema, "additionalProperties");
    for (const auto& [name, value] : instance.items()) {
      const std::string value_path = ChildPath(path, name);
      if (properties != nullptr && properties->contains(name)) {
        Validate(properties->at(name), value, value_path, out);
      } else if (additional != nullptr && additional->is_boolean()) {
        // `false` deserves a better message than the generic one: name what would be allowed,
        // since the usual cause is a misspelt property.
        if (!additional->get<bool>()) {
          out.push_back(
              {value_path,
               "property '" + name + "' is not allowed" + AllowedPropertiesHint(properties),
               "additionalProperties"});
        }
      } else if (additional != nullptr) {
        Validate(*additional, value, value_path, out);
      }
    }
  }

  static std::string AllowedPropertiesHint(const json* properties) {
    if (properties == nullptr || properties->empty()) return " (this object takes no properties)";
    std::vector<std::string> names;
    for (const auto& [name, subschema] : properties->items()) names.push_back(name);
    return " (allowed: " + Join(names, ", ") + ")";
  }

  void CheckArray(const json& schema, const json& instance, const std::string& path,
                  std::vector<Violation>& out) {
    const size_t count = instance.size();
    if (const json* min_items = FindKeyword(schema, "minItems")) {
      if (count < min_items->get<size_t>()) {
        out.push_back({path,
                       "array has " + CountOf(count, "item") + " but needs at least " +
                           std::to_string(min_items->get<size_t>()),
                       "minItems"});
      }
    }
    if (const json* max_items = FindKeyword(schema, "maxItems")) {
      if (count > max_items->get<size_t>()) {
        out.push_back({path,
                       "array has " + CountOf(count, "item") + " but allows at most " +
                           std::to_string(max_items->get<size_t>()),
                       "maxItems"});
      }
    }
    const json* unique_items = FindKeyword(schema, "uniqueItems");
    if (unique_items != nullptr && unique_items->get<bool>()) {
      for (size_t i = 1; i < count; ++i) {
        // JSON equality: 1 and 1.0 are the same item, true and 1 are not.
        const auto first = std::find(instance.begin(), instance.begin() + i, instance[i]);
        if (first != instance.begin() + i) {
          const auto first_index = static_cast<size_t>(first - instance.begin());
          out.push_back({ChildPath(path, i),
                         "item " + Preview(instance[i]) + " repeats item " +
                             std::to_string(first_index) + "; items must be unique",
                         "uniqueItems"});
        }
      }
    }
    if (const json* items = FindKeyword(schema, "items")) {
      for (size_t i = 0; i < count; ++i) Validate(*items, instance[i], ChildPath(path, i), out);
    }
  }

  static void CheckNumber(const json& schema, const json& instance, const std::string& path,
                          std::vector<Violation>& out) {
    const double value = instance.get<double>();
    const std::string shown = "value " + Preview(instance);
    if (const json* minimum = FindKeyword(schema, "minimum")) {
      if (value < minimum->get<double>()) {
        out.push_back({path, shown + " is below the minimum " + Preview(*minimum), "minimum"});
      }
    }
    if (const json* maximum = FindKeyword(schema, "maximum")) {
      if (value > maximum->get<double>()) {
        out.push_back({path, shown + " is above the maximum " + Preview(*maximum), "maximum"});
      }
    }
    if (const json* bound = FindKeyword(schema, "exclusiveMinimum")) {
      if (value <= bound->get<double>()) {
        out.push_back(
            {path, shown + " must be greater than " + Preview(*bound), "exclusiveMinimum"});
      }
    }
    if (const json* bound = FindKeyword(schema, "exclusiveMaximum")) {
      if (value >= bound->get<double>()) {
        out.push_back({path, shown + " must be less than " + Preview(*bound), "exclusiveMaximum"});
      }
    }
  }

  void CheckString(const json& schema, const json& instance, const std::string& path,
                   std::vector<Violation>& out) {
    const std::string& text = instance.get_ref<const std::string&>();
    const std::string shown = "value " + Preview(instance);
    const size_t length = CountCodePoints(text);
    if (const json* min_length = FindKeyword(schema, "minLength")) {
      if (length < min_length->get<size_t>()) {
        out.push_back({path,
                       shown + " has " + CountOf(length, "character") + " but needs at least " +
                           std::to_string(min_length->get<size_t>()),
                       "minLength"});
      }
    }
    if (const json* max_length = FindKeyword(schema, "maxLength")) {
      if (length > max_length->get<size_t>()) {
        out.push_back({path,
                       shown + " has " + CountOf(length, "character") + " but allows at most " +
                           std::to_string(max_length->get<size_t>()),
                       "maxLength"});
      }
    }
    if (const json* pattern = FindKeyword(schema, "pattern")) {
      const std::string& regex_text = pattern->get_ref<const std::string&>();
      if (!std::regex_search(text, CompiledPattern(regex_text))) {
        out.push_back(
            {path, shown + " does not match the required pattern " + regex_text, "pattern"});
      }
    }
    // Unknown formats are only annotations, as the standard says.
    const json* format = FindKeyword(schema, "format");
    if (format != nullptr && *format == "date") {
      if (!HasDateShape(text)) {
        out.push_back({path, shown + " is not a date in the form YYYY-MM-DD", "format"});
      } else if (!IsCalendarDate(text)) {
        out.push_back({path, shown + " is not a real calendar date", "format"});
      }
    }
  }

  // anyOf (exactly_one false) or oneOf (exactly_one true).
  void CheckAlternatives(const json& alternatives, bool exactly_one, const json& instance,
                         const std::string& path, std::vector<Violation>& out) {
    std::vector<std::vector<Violation>> problems(alternatives.size());
    std::vector<std::string> matching;  // 1-based numbers, as a person counts them
    for (size_t i = 0; i < alternatives.size(); ++i) {
      Validate(alternatives[i], instance, path, problems[i]);
      if (problems[i].empty()) matching.push_back(std::to_string(i + 1));
    }
    const char* keyword = exactly_one ? "oneOf" : "anyOf";
    if (matching.size() == 1 || (!exactly_one && !matching.empty())) return;
    if (matching.size() > 1) {
      out.push_back({path,
                     "value matches alternatives " + JoinNatural(matching, "and") +
                         " but must match exactly one of them",
                     keyword});
      return;
    }
    std::string summary = "value matches none of the " + std::to_string(alternatives.size()) +
                          " allowed alternatives";
    // The closest alternative is usually the form the author meant; its problems tell what to fix.
    const size_t closest = ClosestAlternative(problems, path);
    const std::vector<Violation>& details = problems[closest];
    const bool worth_showing =
        details.size() <= kMaxClosestAlternativeDetails && !IsWrongKindHere(details, path);
    if (worth_showing) summary += " (closest is alternative " + std::to_string(closest + 1) + ")";
    out.push_back({path, summary, keyword});
    if (worth_showing) out.insert(out.end(), details.begin(), details.end());
  }

  // True when the value is not even the kind (or one of the listed values) this alternative wants.
  static bool IsWrongKindHere(const std::vector<Violation>& problems, const std::string& path) {
    return std::any_of(problems.begin(), problems.end(), [&path](const Violation& problem) {
      return problem.instance_path == path &&
             IsOneOf(problem.keyword, {"type", "enum", "const", "false"});
    });
  }

  // Prefers alternatives of the right kind, then those with the fewest problems; first on ties.
  static size_t ClosestAlternative(const std::vector<std::vector<Violation>>& problems,
                                   const std::string& path) {
    size_t closest = 0;
    for (size_t i = 1; i < problems.size(); ++i) {
      const auto rank = [&](size_t k) {
        return std::make_pair(IsWrongKindHere(problems[k], path), problems[k].size());
      };
      if (rank(i) < rank(closest)) closest = i;
    }
    return closest;
  }

  // Compiled once per Validate call: the same pattern applies to every item of an array.
  const std::regex& CompiledPattern(const std::string& pattern) {
    auto it = compiled_patterns_.find(pattern);
    if (it == compiled_patterns_.end()) {
      it = compiled_patterns_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
    }
    return it->second;
  }

  const json& root_;
  std::map<std::string, std::regex> compiled_patterns_;
};

}  // namespace

JsonSchemaValidator::JsonSchemaValidator(nlohmann::json schema) : schema_(std::move(schema)) {
  SchemaChecker(schema_).Check();
}

JsonSchemaValidator JsonSchemaValidator::FromFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    throw std::runtime_error("cannot open JSON Schema file '" + path +
                             "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << file.rdbuf();
  nlohmann::json schema;
  try {
    schema = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& error) {
    throw std::runtime_error("JSON Schema file '" + path + "' is not valid JSON: " + error.what());
  }
  try {
    return JsonSchemaValidator(std::move(schema));
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error("JSON Schema file '" + path + "': " + error.what());
  }
}

std::vector<SchemaViolation> JsonSchemaValidator::Validate(const nlohmann::json& instance) const {
  std::vector<Violation> violations;
  InstanceValidator(schema_).Validate(schema_, instance, "", violations);
  std::vector<SchemaViolation> result;
  result.reserve(violations.size());
  for (Violation& violation : violations) {
    result.push_back({std::move(violation.instance_path), std::move(violation.message)});
  }
  return result;
}

}  // namespace wbe
