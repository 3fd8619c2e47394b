// Checks data-schemas/openapi.json, the description of the wbe HTTP API: it is OpenAPI 3.0, it
// has every endpoint with the roles that may call it, every operation is identified, answered
// and secured, every $ref resolves inside the document, and the components that restate the
// JSON Schemas of data-schemas/ (x-mirrors) still say what those files say.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace wbe {
namespace {

using json = nlohmann::json;

// ctest sets WBE_DATA_DIR to the project root. Run by hand, fall back to WBE_TEST_DATA_DIR, which
// is <root>/tests/data.
std::filesystem::path ProjectRoot() {
  const char* data_dir = std::getenv("WBE_DATA_DIR");
  if (data_dir != nullptr && *data_dir != '\0') return data_dir;
  return std::filesystem::path(WBE_TEST_DATA_DIR).parent_path().parent_path();
}

std::filesystem::path DocumentPath() { return ProjectRoot() / "data-schemas" / "openapi.json"; }

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

json ReadJson(const std::filesystem::path& path) { return json::parse(ReadText(path)); }

const json& Document() {
  static const json document = ReadJson(DocumentPath());
  return document;
}

const std::vector<std::string> kAllRoles = {"lab", "analyst", "admin"};
const std::vector<std::string> kAdmin = {"admin"};
const std::vector<std::string> kLabAdmin = {"lab", "admin"};
const std::vector<std::string> kAnalystAdmin = {"analyst", "admin"};

struct ExpectedOperation {
  std::string path;
  std::string method;
  std::vector<std::string> roles;  // empty: no authentication
};

// The endpoints of the API and who may call them (everyone else gets 403).
const std::vector<ExpectedOperation>& ExpectedOperations() {
  static const std::vector<ExpectedOperation> operations = {
      {"/api/v1/health", "get", {}},
      {"/api/v1/ready", "get", {}},
      {"/api/v1/openapi.json", "get", {}},
      {"/api/v1/whoami", "get", kAllRoles},
      {"/api/v1/batches", "post", kLabAdmin},
      {"/api/v1/batches", "get", kAllRoles},
      {"/api/v1/batches/{batch_id}", "get", kAllRoles},
      {"/api/v1/batches/{batch_id}/raw", "get", kAllRoles},
      {"/api/v1/methods", "get", kAllRoles},
      {"/api/v1/methods/{name}", "get", kAllRoles},
      {"/api/v1/methods/{name}", "put", kAdmin},
      {"/api/v1/city", "get", kAllRoles},
      {"/api/v1/city", "put", kAdmin},
      {"/api/v1/sites", "get", kAllRoles},
      {"/api/v1/sites", "put", kAdmin},
      {"/api/v1/districts", "get", kAllRoles},
      {"/api/v1/districts", "put", kAdmin},
      {"/api/v1/network", "get", kAllRoles},
      {"/api/v1/network", "put", kAdmin},
      {"/api/v1/flows", "post", kLabAdmin},
      {"/api/v1/flows", "get", kAllRoles},
      {"/api/v1/measurements", "get", kAllRoles},
      {"/api/v1/estimates", "get", kAnalystAdmin},
      {"/api/v1/series", "get", kAnalystAdmin},
      {"/api/v1/drugs", "get", kAllRoles},
      {"/api/v1/alerts", "get", kAnalystAdmin},
      {"/api/v1/forecasts", "get", kAnalystAdmin},
      {"/api/v1/reports/{week}", "get", kAnalystAdmin},
      {"/api/v1/jobs/{id}", "get", kAllRoles},
      {"/api/v1/tokens", "get", kAdmin},
      {"/api/v1/tokens", "post", kAdmin},
      {"/api/v1/tokens/{name}", "delete", kAdmin},
      {"/api/v1/audit", "get", kAdmin},
  };
  return operations;
}

const std::set<std::string> kHttpMethods = {"get",     "put",  "post",  "delete",
                                            "options", "head", "patch", "trace"};

struct Operation {
  std::string path;
  std::string method;
  const json* operation;
  const json* path_item;
};

std::vector<Operation> Operations(const json& document) {
  std::vector<Operation> out;
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [key, value] : item.items()) {
      if (kHttpMethods.count(key) > 0) out.push_back({path, key, &value, &item});
    }
  }
  return out;
}

std::string Name(const Operation& op) { return op.method + " " + op.path; }

// Follows a local "$ref" ("#/a/b"); throws std::out_of_range when it does not resolve.
const json& Resolve(const json& document, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) throw std::out_of_range("not a local reference: " + ref);
  return document.at(json::json_pointer(ref.substr(1)));
}

// The object itself, or what its "$ref" points at (references to references are followed).
const json& Deref(const json& document, const json& value) {
  const json* current = &value;
  for (int depth = 0; depth < 16 && current->is_object() && current->contains("$ref"); ++depth) {
    current = &Resolve(document, current->at("$ref").get<std::string>());
  }
  return *current;
}

std::set<std::string> SortedRoles(const std::vector<std::string>& roles) {
  return {roles.begin(), roles.end()};
}

TEST(OpenApiDocumentTest, ParsesAsAnOpenApi30DocumentForTheLocalServer) {
  json document;
  ASSERT_NO_THROW(document = ReadJson(DocumentPath())) << DocumentPath();
  ASSERT_TRUE(document.is_object());
  ASSERT_TRUE(document.contains("openapi"));
  const std::string version = document.at("openapi").get<std::string>();
  EXPECT_TRUE(std::regex_match(version, std::regex(R"(3\.0\.[0-9]+)"))) << version;
  ASSERT_TRUE(document.contains("info"));
  EXPECT_TRUE(document["info"].value("title", "").size() > 0);
  EXPECT_TRUE(document["info"].value("version", "").size() > 0);
  ASSERT_TRUE(document.contains("servers"));
  ASSERT_FALSE(document["servers"].empty());
  EXPECT_EQ(document["servers"][0].value("url", ""), "http://127.0.0.1:8080");

  const json& scheme = document.at("components").at("securitySchemes").at("bearerAuth");
  EXPECT_EQ(scheme.value("type", ""), "http");
  EXPECT_EQ(scheme.value("scheme", ""), "bearer");
}

TEST(OpenApiDocumentTest, IsKeptInTwoSpaceIndentedForm) {
  // The file is what nlohmann::ordered_json writes with indent 2, so hand edits stay tidy.
  const std::string text = ReadText(DocumentPath());
  const std::string tidy = nlohmann::ordered_json::parse(text).dump(2) + "\n";
  if (text == tidy) return;
  std::istringstream have(text);
  std::istringstream want(tidy);
  std::string have_line;
  std::string want_line;
  int line = 0;
  while (true) {
    ++line;
    const bool more_have = static_cast<bool>(std::getline(have, have_line));
    const bool more_want = static_cast<bool>(std::getline(want, want_line));
    if (!more_have && !more_want) break;
    if (more_have != more_want || have_line != want_line) break;
  }
  ADD_FAILURE() << "data-schemas/openapi.json line " << line << " is\n  " << have_line
                << "\nbut in 2-space form it would be\n  " << want_line
                << "\n(re-indent with: python3 -m json.tool --indent 2 --no-ensure-ascii)";
}

TEST(OpenApiDocumentTest, HasEveryEndpointWithExactlyTheListedMethods) {
  const json& document = Document();
  std::map<std::string, std::set<std::string>> expected;
  for (const ExpectedOperation& op : ExpectedOperations()) expected[op.path].insert(op.method);

  std::map<std::string, std::set<std::string>> actual;
  for (const Operation& op : Operations(document)) actual[op.path].insert(op.method);
  for (const auto& [path, item] : document.at("paths").items()) actual[path];  // empty items too

  for (const auto& [path, methods] : expected) {
    ASSERT_TRUE(actual.count(path) > 0) << "missing path " << path;
    EXPECT_EQ(actual[path], methods) << "methods of " << path;
  }
  for (const auto& [path, methods] : actual) {
    EXPECT_TRUE(expected.count(path) > 0) << "path not in the API's list: " << path;
  }
}

TEST(OpenApiDocumentTest, EveryOperationHasAUniqueIdResponsesAndItsSecurity) {
  const json& document = Document();
  const json global_security = document.value("security", json::array());
  const json& schemes = document.at("components").at("securitySchemes");
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> roles;
  for (const ExpectedOperation& op : ExpectedOperations()) roles[{op.path, op.method}] = op.roles;

  std::set<std::string> ids;
  const std::regex status_code(R"([1-5]([0-9]{2}|XX)|default)");
  for (const Operation& op : Operations(document)) {
    SCOPED_TRACE(Name(op));
    const json& operation = *op.operation;

    ASSERT_TRUE(operation.contains("operationId"));
    const std::string id = operation.at("operationId").get<std::string>();
    EXPECT_FALSE(id.empty());
    EXPECT_TRUE(ids.insert(id).second) << "operationId used twice: " << id;

    ASSERT_TRUE(operation.contains("responses"));
    ASSERT_TRUE(operation.at("responses").is_object());
    EXPECT_FALSE(operation.at("responses").empty());
    for (const auto& [code, response] : operation.at("responses").items()) {
      EXPECT_TRUE(std::regex_match(code, status_code)) << code;
      EXPECT_TRUE(Deref(document, response).contains("description")) << code;
    }

    const auto expected = roles.find({op.path, op.method});
    ASSERT_NE(expected, roles.end());
    const bool is_public = expected->second.empty();
    const json& security =
        operation.contains("security") ? operation.at("security") : global_security;
    ASSERT_TRUE(security.is_array());
    if (is_public) {
      EXPECT_TRUE(security.empty()) << "must not require a token";
      EXPECT_FALSE(operation.contains("x-roles"));
      continue;
    }
    ASSERT_FALSE(security.empty()) << "needs a security requirement";
    for (const json& requirement : security) {
      ASSERT_FALSE(requirement.empty());
      for (const auto& [scheme, scopes] : requirement.items()) {
        EXPECT_TRUE(schemes.contains(scheme)) << "unknown security scheme " << scheme;
        EXPECT_TRUE(scopes.empty()) << "an http scheme takes no scopes";
      }
    }
    ASSERT_TRUE(operation.contains("x-roles"));
    EXPECT_EQ(SortedRoles(operation.at("x-roles").get<std::vector<std::string>>()),
              SortedRoles(expected->second));
    EXPECT_TRUE(operation.at("responses").contains("401")) << "a missing token gets 401";
    if (SortedRoles(expected->second) != SortedRoles(kAllRoles)) {
      EXPECT_TRUE(operation.at("responses").contains("403")) << "other roles get 403";
    }
  }
  EXPECT_EQ(ids.size(), ExpectedOperations().size());
}

void CollectRefs(const json& value, const std::string& where,
                 std::vector<std::pair<std::string, std::string>>* refs) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      if (key == "$ref" && child.is_string()) refs->push_back({where, child.get<std::string>()});
      CollectRefs(child, where + "/" + key, refs);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      CollectRefs(value[i], where + "/" + std::to_string(i), refs);
    }
  }
}

TEST(OpenApiDocumentTest, EveryRefResolvesInsideTheDocument) {
  const json& document = Document();
  std::vector<std::pair<std::string, std::string>> refs;
  CollectRefs(document, "", &refs);
  EXPECT_GT(refs.size(), 100u);
  for (const auto& [where, ref] : refs) {
    EXPECT_EQ(ref.rfind("#/", 0), 0u) << where << ": " << ref << " points outside the document";
    EXPECT_NO_THROW(Resolve(document, ref)) << where << ": " << ref << " does not resolve";
  }
}

TEST(OpenApiDocumentTest, EveryResponseCarriesARequestIdAndErrorsTheErrorBody) {
  const json& document = Document();
  for (const Operation& op : Operations(document)) {
    for (const auto& [code, reference] : op.operation->at("responses").items()) {
      SCOPED_TRACE(Name(op) + " " + code);
      const json& response = Deref(document, reference);
      ASSERT_TRUE(response.contains("headers"));
      EXPECT_TRUE(response.at("headers").contains("X-Request-Id"));
      if (code == "401") {
        EXPECT_TRUE(response.at("headers").contains("WWW-Authenticate"));
      }
      if (code[0] != '4' && code[0] != '5') continue;
      const json& schema = response.at("content").at("application/json").at("schema");
      const std::string expected = op.path == "/api/v1/ready" && code == "503"
                                       ? "#/components/schemas/NotReady"
                                       : "#/components/schemas/Error";
      EXPECT_EQ(schema.value("$ref", ""), expected);
    }
  }
  for (const auto& [name, response] : document.at("components").at("responses").items()) {
    EXPECT_TRUE(response.at("headers").contains("X-Request-Id")) << name;
  }
  EXPECT_TRUE(document.at("components")
                  .at("responses")
                  .at("ServiceUnavailable")
                  .at("headers")
                  .contains("Retry-After"));
}

TEST(OpenApiDocumentTest, PathTemplatesHaveRequiredPathParameters) {
  const json& document = Document();
  const std::regex templated(R"(\{([^}]+)\})");
  for (const Operation& op : Operations(document)) {
    SCOPED_TRACE(Name(op));
    std::set<std::string> in_template;
    for (auto it = std::sregex_iterator(op.path.begin(), op.path.end(), templated);
         it != std::sregex_iterator(); ++it) {
      in_template.insert((*it)[1].str());
    }
    std::set<std::string> declared;
    for (const json* list : {op.path_item, op.operation}) {
      if (!list->contains("parameters")) continue;
      for (const json& reference : list->at("parameters")) {
        const json& parameter = Deref(document, reference);
        if (parameter.value("in", "") != "path") continue;
        declared.insert(parameter.at("name").get<std::string>());
        EXPECT_EQ(parameter.value("required", false), true) << parameter.dump();
      }
    }
    EXPECT_EQ(declared, in_template);
  }
}

// Calls `visit` on every schema object of the document (component schemas, the schemas of
// parameters, headers and media types, and every schema nested in them), with its location.
void ForEachSchema(const json& value, const std::string& where, bool is_schema,
                   const std::function<void(const json&, const std::string&)>& visit) {
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      ForEachSchema(value[i], where + "/" + std::to_string(i), false, visit);
    }
    return;
  }
  if (!value.is_object()) return;
  if (!is_schema) {
    for (const auto& [key, child] : value.items()) {
      const std::string at = where + "/" + key;
      if (key == "schema") {
        ForEachSchema(child, at, true, visit);
      } else if (key == "schemas" && where == "/components") {
        for (const auto& [name, schema] : child.items()) {
          ForEachSchema(schema, at + "/" + name, true, visit);
        }
      } else {
        ForEachSchema(child, at, false, visit);
      }
    }
    return;
  }
  visit(value, where);
  if (value.contains("properties")) {
    for (const auto& [name, schema] : value.at("properties").items()) {
      ForEachSchema(schema, where + "/properties/" + name, true, visit);
    }
  }
  for (const char* key : {"items", "additionalProperties", "not"}) {
    if (value.contains(key) && value.at(key).is_object()) {
      ForEachSchema(value.at(key), where + "/" + key, true, visit);
    }
  }
  for (const char* key : {"allOf", "anyOf", "oneOf"}) {
    if (!value.contains(key)) continue;
    for (size_t i = 0; i < value.at(key).size(); ++i) {
      ForEachSchema(value.at(key)[i], where + "/" + key + "/" + std::to_string(i), true, visit);
    }
  }
}

TEST(OpenApiDocumentTest, SchemasUseTheOpenApi30Dialect) {
  // OpenAPI 3.0 schemas are not JSON Schema 2020-12: one type per schema (null via nullable),
  // boolean exclusive bounds, no const or $defs, items on every array, nothing beside $ref.
  const std::set<std::string> keywords = {"title",         "multipleOf",
                                          "maximum",       "exclusiveMaximum",
                                          "minimum",       "exclusiveMinimum",
                                          "maxLength",     "minLength",
                                          "pattern",       "maxItems",
                                          "minItems",      "uniqueItems",
                                          "maxProperties", "minProperties",
                                          "required",      "enum",
                                          "type",          "not",
                                          "allOf",         "oneOf",
                                          "anyOf",         "items",
                                          "properties",    "additionalProperties",
                                          "description",   "format",
                                          "default",       "nullable",
                                          "discriminator", "readOnly",
                                          "writeOnly",     "xml",
                                          "externalDocs",  "example",
                                          "deprecated"};
  const std::set<std::string> types = {"array", "boolean", "integer", "number", "object", "string"};
  size_t visited = 0;
  ForEachSchema(Document(), "", false, [&](const json& schema, const std::string& where) {
    ++visited;
    ASSERT_TRUE(schema.is_object()) << where;
    if (schema.contains("$ref")) {
      EXPECT_EQ(schema.size(), 1u) << where << ": keywords beside $ref are ignored in 3.0";
      return;
    }
    for (const auto& [key, child] : schema.items()) {
      EXPECT_TRUE(keywords.count(key) > 0 || key.rfind("x-", 0) == 0)
          << where << ": '" << key << "' is not an OpenAPI 3.0 schema keyword";
    }
    if (schema.contains("type")) {
      EXPECT_TRUE(schema.at("type").is_string() &&
                  types.count(schema.at("type").get<std::string>()) > 0)
          << where << ": type " << schema.at("type").dump();
      if (schema.at("type") == "array") {
        EXPECT_TRUE(schema.contains("items")) << where;
      }
    }
    for (const char* key : {"exclusiveMinimum", "exclusiveMaximum", "nullable"}) {
      if (schema.contains(key)) {
        EXPECT_TRUE(schema.at(key).is_boolean()) << where << " " << key;
      }
    }
    if (schema.contains("required")) {
      const json& required = schema.at("required");
      EXPECT_FALSE(required.empty()) << where;
      if (schema.contains("properties")) {
        for (const json& name : required) {
          EXPECT_TRUE(schema.at("properties").contains(name.get<std::string>()))
              << where << ": required " << name << " is not a property";
        }
      }
    }
  });
  EXPECT_GT(visited, 100u);
}

// ---- components that restate a JSON Schema of data-schemas/ ("x-mirrors": "file#pointer")

struct SchemaSide {
  const json* root;    // the document $refs resolve in
  const json* schema;  // after following $ref / null alternatives
  bool nullable = false;
};

// JSON Schema 2020-12 side: follows "#/$defs/..." and anyOf [X, {"type": "null"}].
SchemaSide NormaliseSource(const json& root, const json& schema) {
  SchemaSide side{&root, &schema};
  for (int depth = 0; depth < 16; ++depth) {
    const json& s = *side.schema;
    if (s.contains("$ref")) {
      side.schema = &Resolve(root, s.at("$ref").get<std::string>());
    } else if (s.contains("anyOf") && s.at("anyOf").size() == 2 &&
               (s.at("anyOf")[0] == json{{"type", "null"}} ||
                s.at("anyOf")[1] == json{{"type", "null"}})) {
      side.nullable = true;
      side.schema = &s.at("anyOf")[s.at("anyOf")[0] == json{{"type", "null"}} ? 1 : 0];
    } else {
      break;
    }
  }
  const json& s = *side.schema;
  if (s.contains("type") && s.at("type").is_array()) {
    for (const json& t : s.at("type")) side.nullable = side.nullable || t == "null";
  }
  return side;
}

// OpenAPI side: follows "#/components/..." and single-element allOf wrappers.
SchemaSide NormaliseOpenApi(const json& root, const json& schema) {
  SchemaSide side{&root, &schema};
  for (int depth = 0; depth < 16; ++depth) {
    const json& s = *side.schema;
    if (s.contains("$ref")) {
      side.schema = &Resolve(root, s.at("$ref").get<std::string>());
    } else if (s.contains("allOf") && s.at("allOf").size() == 1 && !s.contains("properties")) {
      side.schema = &s.at("allOf")[0];
    } else {
      break;
    }
  }
  side.nullable = side.schema->value("nullable", false);
  return side;
}

std::set<std::string> Keys(const json& schema, const char* member) {
  std::set<std::string> out;
  if (!schema.contains(member)) return out;
  const json& value = schema.at(member);
  if (value.is_array()) {
    for (const json& name : value) out.insert(name.get<std::string>());
  } else {
    for (const auto& [name, child] : value.items()) out.insert(name);
  }
  return out;
}

std::set<json> EnumValues(const json& schema) {
  std::set<json> out;
  if (schema.contains("const")) out.insert(schema.at("const"));
  if (schema.contains("enum")) {
    for (const json& v : schema.at("enum")) {
      if (!v.is_null()) out.insert(v);
    }
  }
  return out;
}

std::string NonNullType(const json& schema) {
  if (!schema.contains("type")) return "";
  const json& type = schema.at("type");
  if (type.is_string()) return type.get<std::string>();
  std::string out;
  for (const json& t : type) {
    if (t != "null") out = t.get<std::string>();
  }
  return out;
}

void ExpectSameShape(const SchemaSide& source, const SchemaSide& mirror, const std::string& where,
                     int depth) {
  ASSERT_LT(depth, 32) << where << ": too deep";
  const json& s = *source.schema;
  const json& m = *mirror.schema;
  EXPECT_EQ(Keys(s, "required"), Keys(m, "required")) << where << ": required";
  EXPECT_EQ(Keys(s, "properties"), Keys(m, "properties")) << where << ": properties";
  EXPECT_EQ(EnumValues(s), EnumValues(m)) << where << ": enum/const";
  const std::string source_type = NonNullType(s);
  if (!source_type.empty()) {
    EXPECT_EQ(source_type, NonNullType(m)) << where << ": type";
  }
  EXPECT_EQ(source.nullable, mirror.nullable) << where << ": null allowed";
  EXPECT_EQ(s.value("pattern", ""), m.value("pattern", "")) << where << ": pattern";
  const bool closed_source =
      s.contains("additionalProperties") && s["additionalProperties"] == false;
  const bool closed_mirror =
      m.contains("additionalProperties") && m["additionalProperties"] == false;
  EXPECT_EQ(closed_source, closed_mirror) << where << ": additionalProperties false";

  if (s.contains("properties") && m.contains("properties")) {
    for (const auto& [name, child] : s.at("properties").items()) {
      if (!m.at("properties").contains(name)) continue;
      ExpectSameShape(NormaliseSource(*source.root, child),
                      NormaliseOpenApi(*mirror.root, m.at("properties").at(name)),
                      where + "/properties/" + name, depth + 1);
    }
  }
  for (const char* key : {"items", "additionalProperties"}) {
    if (s.contains(key) && s.at(key).is_object()) {
      ASSERT_TRUE(m.contains(key) && m.at(key).is_object()) << where << ": " << key;
      ExpectSameShape(NormaliseSource(*source.root, s.at(key)),
                      NormaliseOpenApi(*mirror.root, m.at(key)), where + "/" + key, depth + 1);
    }
  }
}

TEST(OpenApiDocumentTest, MirroredComponentsMatchTheirJsonSchemas) {
  const json& document = Document();
  std::map<std::string, json> sources;
  std::set<std::string> mirrored;
  for (const auto& [name, schema] : document.at("components").at("schemas").items()) {
    if (!schema.contains("x-mirrors")) continue;
    mirrored.insert(name);
    const std::string mirrors = schema.at("x-mirrors").get<std::string>();
    const size_t hash = mirrors.find('#');
    const std::string file = mirrors.substr(0, hash);
    const std::string pointer = hash == std::string::npos ? "" : mirrors.substr(hash + 1);
    SCOPED_TRACE(name + " mirrors " + mirrors);
    if (sources.count(file) == 0) {
      ASSERT_NO_THROW(sources[file] = ReadJson(ProjectRoot() / "data-schemas" / file));
    }
    const json& source_root = sources.at(file);
    const json* source = nullptr;
    ASSERT_NO_THROW(source = &source_root.at(json::json_pointer(pointer)));
    ExpectSameShape(NormaliseSource(source_root, *source), NormaliseOpenApi(document, schema), name,
                    0);
  }
  for (const char* name : {"City", "QcReport", "QuantitationMethod"}) {
    EXPECT_TRUE(mirrored.count(name) > 0) << name << " should mirror its JSON Schema";
  }
}

bool PythonModuleAvailable(const std::string& python, const std::string& module) {
  return std::system((python + " -c 'import " + module + "' >/dev/null 2>&1").c_str()) == 0;
}

// Runs `command` (stderr folded in); returns its exit status and appends its output.
int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) *output += buffer;
  return ::pclose(pipe);
}

TEST(OpenApiDocumentTest, PythonToolsAcceptIt) {
  // openapi-spec-validator when installed (Debian: python3-openapi-spec-validator); otherwise
  // at least Python's own JSON parser.
  const std::string python = "/usr/bin/python3";
  if (!std::filesystem::exists(python)) GTEST_SKIP() << python << " not found";
  const std::string path = "'" + DocumentPath().string() + "'";
  std::string output;
  if (PythonModuleAvailable(python, "openapi_spec_validator")) {
    const std::string script =
        "import json, sys\n"
        "import openapi_spec_validator as v\n"
        "check = getattr(v, \"validate\", None) or getattr(v, \"validate_spec\")\n"
        "with open(sys.argv[1], encoding=\"utf-8\") as f:\n"
        "    check(json.load(f))\n";
    EXPECT_EQ(RunCommand(python + " -c '" + script + "' " + path, &output), 0) << output;
  } else {
    EXPECT_EQ(RunCommand(python + " -m json.tool " + path + " >/dev/null", &output), 0) << output;
    std::printf("note: openapi_spec_validator is not installed; checked JSON syntax only\n");
  }
}

}  // namespace
}  // namespace wbe
