#include "data-schemas/validation/json_schema_validator.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

namespace wbe {

// Lets GoogleTest print violations readably when an expectation fails.
void PrintTo(const SchemaViolation& violation, std::ostream* os) {
  *os << "{path: \"" << violation.instance_path << "\", message: \"" << violation.message << "\"}";
}

namespace {

using json = nlohmann::json;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Matcher;
using ::testing::Not;
using ::testing::ThrowsMessage;
using ::testing::UnorderedElementsAre;

// A violation at exactly `path` whose message contains `fragment`.
Matcher<SchemaViolation> ViolationAt(const std::string& path, const std::string& fragment) {
  return AllOf(Field("instance_path", &SchemaViolation::instance_path, path),
               Field("message", &SchemaViolation::message, HasSubstr(fragment)));
}

std::vector<SchemaViolation> Check(const std::string& schema, const std::string& instance) {
  return JsonSchemaValidator(json::parse(schema)).Validate(json::parse(instance));
}

// ctest sets WBE_DATA_DIR to the project root. Run by hand, fall back to WBE_TEST_DATA_DIR, which
// is <root>/tests/data.
std::filesystem::path ProjectRoot() {
  const char* data_dir = std::getenv("WBE_DATA_DIR");
  if (data_dir != nullptr && *data_dir != '\0') return data_dir;
  return std::filesystem::path(WBE_TEST_DATA_DIR).parent_path().parent_path();
}

json ReadJson(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path.string());
  return json::parse(file);
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
}

// --- type ----------------------------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, TypeAcceptsEachMatchingKind) {
  EXPECT_THAT(Check(R"({"type": "string"})", R"("abc")"), IsEmpty());
  EXPECT_THAT(Check(R"({"type": "number"})", "1"), IsEmpty());
  EXPECT_THAT(Check(R"({"type": "number"})", "1.5"), IsEmpty());
  EXPECT_THAT(Check(R"({"type": "integer"})", "2"), IsEmpty());
  EXPECT_THAT(Check(R"({"type": "integer"})", "2.0"), IsEmpty());  // JSON Schema: 2.0 is integral
  EXPECT_THAT(Check(R"({"type": "boolean"})", "false"), IsEmpty());
  EXPECT_THAT(Check(R"({"type": "null"})", "null"), IsEmpty());
  EXPECT_THAT(Check(R"({"type": "object"})", "{}"), IsEmpty());
  EXPECT_THAT(Check(R"({"type": "array"})", "[]"), IsEmpty());
}

TEST(JsonSchemaValidatorTest, TypeRejectsOtherKindsAndSaysWhatWasFound) {
  EXPECT_THAT(Check(R"({"type": "number"})", R"("12")"),
              ElementsAre(ViolationAt("", "expected a number but found the string \"12\"")));
  EXPECT_THAT(Check(R"({"type": "integer"})", "2.5"),
              ElementsAre(ViolationAt("", "expected an integer but found the number 2.5")));
  EXPECT_THAT(Check(R"({"type": "number"})", "true"),
              ElementsAre(ViolationAt("", "expected a number but found the boolean true")));
  EXPECT_THAT(Check(R"({"type": "string"})", "null"),
              ElementsAre(ViolationAt("", "expected a string but found null")));
  EXPECT_THAT(Check(R"({"type": "array"})", "{}"),
              ElementsAre(ViolationAt("", "expected an array but found an object")));
}

TEST(JsonSchemaValidatorTest, TypeArrayAcceptsAnyListedKind) {
  const std::string schema = R"({"type": ["number", "null"]})";
  EXPECT_THAT(Check(schema, "3"), IsEmpty());
  EXPECT_THAT(Check(schema, "null"), IsEmpty());
  EXPECT_THAT(Check(schema, R"("3")"),
              ElementsAre(ViolationAt("", "expected a number or null but found the string")));
}

// --- enum, const ---------------------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, EnumListsTheAllowedValues) {
  const std::string schema = R"({"enum": ["fixed", "uniform", "triangular"]})";
  EXPECT_THAT(Check(schema, R"("uniform")"), IsEmpty());
  EXPECT_THAT(Check(schema, R"("gamma")"),
              ElementsAre(ViolationAt("",
                                      "value \"gamma\" is not one of the allowed values: "
                                      "\"fixed\", \"uniform\", \"triangular\"")));
}

TEST(JsonSchemaValidatorTest, EnumComparesNumbersByValueButKeepsBooleansApart) {
  EXPECT_THAT(Check(R"({"enum": [1]})", "1.0"), IsEmpty());
  EXPECT_THAT(Check(R"({"enum": [1]})", "true"),
              ElementsAre(ViolationAt("", "value true is not one of the allowed values: 1")));
}

TEST(JsonSchemaValidatorTest, ConstRequiresAnEqualValue) {
  const std::string schema = R"({"const": {"a": [1, 2]}})";
  EXPECT_THAT(Check(schema, R"({"a": [1, 2.0]})"), IsEmpty());
  EXPECT_THAT(Check(schema, R"({"a": [1, 3]})"),
              ElementsAre(ViolationAt("", "value {\"a\":[1,3]} must be exactly {\"a\":[1,2]}")));
}

// --- objects -------------------------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, PropertiesValidateNestedValuesAtTheirPath) {
  const std::string schema =
      R"({"properties": {"route": {"properties": {"biomarker": {"type": "string"}}}}})";
  EXPECT_THAT(Check(schema, R"({"route": {"biomarker": "BE"}, "other": 1})"), IsEmpty());
  EXPECT_THAT(Check(schema, R"({"route": {"biomarker": 5}})"),
              ElementsAre(ViolationAt("/route/biomarker", "expected a string")));
}

TEST(JsonSchemaValidatorTest, RequiredIsReportedAtTheObjectThatLacksTheProperty) {
  const std::string schema = R"({"properties": {"dose": {"required": ["value", "status"]}}})";
  EXPECT_THAT(Check(schema, R"({"dose": {"value": 1, "status": "assumed"}})"), IsEmpty());
  EXPECT_THAT(Check(schema, R"({"dose": {"status": "assumed"}})"),
              ElementsAre(ViolationAt("/dose", "missing required property 'value'")));
}

TEST(JsonSchemaValidatorTest, AdditionalPropertiesFalseNamesTheIntruderAndTheAllowedNames) {
  const std::string schema =
      R"({"properties": {"value": {}, "status": {}}, "additionalProperties": false})";
  EXPECT_THAT(Check(schema, R"({"value": 1, "status": "verified"})"), IsEmpty());
  EXPECT_THAT(Check(schema, R"({"value": 1, "stauts": "verified"})"),
              ElementsAre(AllOf(ViolationAt("/stauts", "property 'stauts' is not allowed"),
                                ViolationAt("/stauts", "allowed: status, value"))));
}

TEST(JsonSchemaValidatorTest, AdditionalPropertiesSchemaAppliesToUnlistedProperties) {
  const std::string schema =
      R"({"properties": {"n": {"type": "number"}}, "additionalProperties": {"type": "string"}})";
  EXPECT_THAT(Check(schema, R"({"n": 1, "a": "x"})"), IsEmpty());
  EXPECT_THAT(Check(schema, R"({"n": 1, "a": "x", "b": 2})"),
              ElementsAre(ViolationAt("/b", "expected a string but found the number 2")));
}

TEST(JsonSchemaValidatorTest, PathTokensAreEscapedAsJsonPointer) {
  const std::string schema =
      R"({"properties": {"a/b": {"type": "string"}, "c~d": {"type": "string"}}})";
  EXPECT_THAT(Check(schema, R"({"a/b": 1, "c~d": 2})"),
              ElementsAre(ViolationAt("/a~1b", "expected a string"),
                          ViolationAt("/c~0d", "expected a string")));
}

// --- arrays --------------------------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, ItemsValidatesEveryItemAtItsIndex) {
  const std::string schema = R"({"items": {"type": "number"}})";
  EXPECT_THAT(Check(schema, "[1, 2, 3]"), IsEmpty());
  EXPECT_THAT(Check(schema, R"([1, "x", 3])"),
              ElementsAre(ViolationAt("/1", "expected a number but found the string \"x\"")));
}

TEST(JsonSchemaValidatorTest, MinItemsAndMaxItemsCountItems) {
  EXPECT_THAT(Check(R"({"minItems": 1})", "[0]"), IsEmpty());
  EXPECT_THAT(Check(R"({"minItems": 1})", "[]"),
              ElementsAre(ViolationAt("", "array has 0 items but needs at least 1")));
  EXPECT_THAT(Check(R"({"maxItems": 2})", "[0, 0]"), IsEmpty());
  EXPECT_THAT(Check(R"({"maxItems": 2})", "[0, 0, 0]"),
              ElementsAre(ViolationAt("", "array has 3 items but allows at most 2")));
}

TEST(JsonSchemaValidatorTest, UniqueItemsPointsAtTheRepeat) {
  const std::string schema = R"({"uniqueItems": true})";
  EXPECT_THAT(Check(schema, R"([1, "1", true, [1]])"), IsEmpty());
  EXPECT_THAT(Check(schema, R"(["a", 1, 1.0])"),
              ElementsAre(ViolationAt("/2", "item 1.0 repeats item 1; items must be unique")));
  EXPECT_THAT(Check(R"({"uniqueItems": false})", "[1, 1]"), IsEmpty());
}

// --- numbers -------------------------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, MinimumAndMaximumIncludeTheBound) {
  EXPECT_THAT(Check(R"({"minimum": 0})", "0"), IsEmpty());
  EXPECT_THAT(Check(R"({"minimum": 0})", "-2"),
              ElementsAre(ViolationAt("", "value -2 is below the minimum 0")));
  EXPECT_THAT(Check(R"({"maximum": 1})", "1"), IsEmpty());
  EXPECT_THAT(Check(R"({"maximum": 1})", "1.5"),
              ElementsAre(ViolationAt("", "value 1.5 is above the maximum 1")));
  EXPECT_THAT(Check(R"({"minimum": 0})", R"("-2")"), IsEmpty());  // only numbers are bounded
}

TEST(JsonSchemaValidatorTest, ExclusiveBoundsExcludeTheBound) {
  EXPECT_THAT(Check(R"({"exclusiveMinimum": 0})", "0.001"), IsEmpty());
  EXPECT_THAT(Check(R"({"exclusiveMinimum": 0})", "0"),
              ElementsAre(ViolationAt("", "value 0 must be greater than 0")));
  EXPECT_THAT(Check(R"({"exclusiveMaximum": 1})", "0.99"), IsEmpty());
  EXPECT_THAT(Check(R"({"exclusiveMaximum": 1})", "1"),
              ElementsAre(ViolationAt("", "value 1 must be less than 1")));
}

// --- strings -------------------------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, StringLengthsCountCharactersNotBytes) {
  const std::string cocaine = R"("可卡因")";  // 3 characters, 9 bytes in UTF-8
  EXPECT_THAT(Check(R"({"minLength": 3})", cocaine), IsEmpty());
  EXPECT_THAT(Check(R"({"minLength": 4})", cocaine),
              ElementsAre(ViolationAt("", "has 3 characters but needs at least 4")));
  EXPECT_THAT(Check(R"({"maxLength": 3})", cocaine), IsEmpty());
  EXPECT_THAT(Check(R"({"maxLength": 2})", cocaine),
              ElementsAre(ViolationAt("", "has 3 characters but allows at most 2")));
  EXPECT_THAT(Check(R"({"minLength": 1})", R"("")"),
              ElementsAre(ViolationAt("", "value \"\" has 0 characters but needs at least 1")));
}

TEST(JsonSchemaValidatorTest, PatternSearchesAnywhereUnlessAnchored) {
  EXPECT_THAT(Check(R"({"pattern": "b"})", R"("abc")"), IsEmpty());
  const std::string name_schema = R"({"pattern": "^[^\\s,;]+$"})";
  EXPECT_THAT(Check(name_schema, R"("THC-COOH")"), IsEmpty());
  EXPECT_THAT(Check(name_schema, R"("THC COOH")"),
              ElementsAre(ViolationAt(
                  "", "value \"THC COOH\" does not match the required pattern ^[^\\s,;]+$")));
}

TEST(JsonSchemaValidatorTest, DateFormatNeedsTheShapeAndARealDay) {
  const std::string schema = R"({"format": "date"})";
  EXPECT_THAT(Check(schema, R"("2024-02-29")"), IsEmpty());
  EXPECT_THAT(Check(schema, R"("2000-02-29")"), IsEmpty());
  EXPECT_THAT(Check(schema, R"("2023-02-29")"),
              ElementsAre(ViolationAt("", "value \"2023-02-29\" is not a real calendar date")));
  EXPECT_THAT(Check(schema, R"("1900-02-29")"),
              ElementsAre(ViolationAt("", "not a real calendar date")));
  EXPECT_THAT(Check(schema, R"("2024-04-31")"),
              ElementsAre(ViolationAt("", "not a real calendar date")));
  EXPECT_THAT(Check(schema, R"("2024-13-01")"),
              ElementsAre(ViolationAt("", "not a real calendar date")));
  EXPECT_THAT(Check(schema, R"("2024-1-05")"),
              ElementsAre(ViolationAt("", "is not a date in the form YYYY-MM-DD")));
  EXPECT_THAT(Check(schema, R"("20240105")"),
              ElementsAre(ViolationAt("", "is not a date in the form YYYY-MM-DD")));
  EXPECT_THAT(Check(schema, "20240105"), IsEmpty());  // formats only constrain strings
  EXPECT_THAT(Check(R"({"format": "email"})", R"("not an email")"), IsEmpty());  // unknown format
}

// --- combinators ---------------------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, AllOfReportsTheProblemsOfEverySubschema) {
  const std::string schema = R"({"allOf": [{"required": ["a"]}, {"required": ["b"]}]})";
  EXPECT_THAT(Check(schema, R"({"a": 1, "b": 2})"), IsEmpty());
  EXPECT_THAT(Check(schema, "{}"), ElementsAre(ViolationAt("", "missing required property 'a'"),
                                               ViolationAt("", "missing required property 'b'")));
}

TEST(JsonSchemaValidatorTest, AnyOfOfDifferentKindsGivesOneSummary) {
  const std::string schema = R"({"anyOf": [{"type": "string"}, {"type": "number"}]})";
  EXPECT_THAT(Check(schema, R"("x")"), IsEmpty());
  EXPECT_THAT(Check(schema, "3"), IsEmpty());
  EXPECT_THAT(Check(schema, "true"),
              ElementsAre(AllOf(ViolationAt("", "value matches none of the 2 allowed alternatives"),
                                Field(&SchemaViolation::message, Not(HasSubstr("closest"))))));
}

TEST(JsonSchemaValidatorTest, AnyOfAddsTheClosestAlternativesProblems) {
  // The object alternative is the one of the right kind, so its problem is the useful one.
  const std::string schema =
      R"({"anyOf": [{"type": "string"}, {"type": "object", "required": ["value"]}]})";
  EXPECT_THAT(Check(schema, "{}"),
              ElementsAre(ViolationAt("",
                                      "matches none of the 2 allowed alternatives (closest "
                                      "is alternative 2)"),
                          ViolationAt("", "missing required property 'value'")));

  const std::string nested = R"({
    "anyOf": [{"type": "null"}, {"$ref": "#/$defs/dose"}],
    "$defs": {"dose": {"type": "object", "properties": {"value": {"minimum": 0}}}}})";
  EXPECT_THAT(Check(nested, "null"), IsEmpty());
  EXPECT_THAT(Check(nested, R"({"value": -1})"),
              ElementsAre(ViolationAt("", "closest is alternative 2"),
                          ViolationAt("/value", "value -1 is below the minimum 0")));
}

TEST(JsonSchemaValidatorTest, AnyOfKeepsToTheSummaryWhenTheClosestHasManyProblems) {
  const std::string schema =
      R"({"anyOf": [{"required": ["a", "b", "c", "d"]}, {"required": ["e", "f", "g", "h"]}]})";
  EXPECT_THAT(Check(schema, "{}"),
              ElementsAre(ViolationAt("", "value matches none of the 2 allowed alternatives")));
}

TEST(JsonSchemaValidatorTest, OneOfNeedsExactlyOneMatch) {
  const std::string schema = R"({"oneOf": [{"type": "integer"}, {"minimum": 10}]})";
  EXPECT_THAT(Check(schema, "3"), IsEmpty());
  EXPECT_THAT(Check(schema, "10.5"), IsEmpty());
  EXPECT_THAT(Check(schema, "12"),
              ElementsAre(ViolationAt("",
                                      "value matches alternatives 1 and 2 but must match "
                                      "exactly one of them")));
  EXPECT_THAT(Check(schema, "2.5"),
              ElementsAre(ViolationAt("", "value matches none of the 2 allowed alternatives"),
                          ViolationAt("", "value 2.5 is below the minimum 10")));
}

TEST(JsonSchemaValidatorTest, NotRejectsWhatItsSchemaAccepts) {
  const std::string schema = R"({"properties": {"value": {"not": {"type": "null"}}}})";
  EXPECT_THAT(Check(schema, R"({"value": 3})"), IsEmpty());
  EXPECT_THAT(Check(schema, R"({"value": null})"),
              ElementsAre(ViolationAt("/value", "value null is not allowed here")));
}

// --- $ref ----------------------------------------------------------------------------------------

TEST(JsonSchemaValidatorTest, RefFollowsDefsDefinitionsAndAnyPointer) {
  const std::string schema = R"({
    "properties": {
      "a": {"$ref": "#/$defs/positive"},
      "b": {"$ref": "#/definitions/text"},
      "c": {"$ref": "#/properties/a"},
      "d": {"$ref": "#/$defs/per~1day"},
      "e": {"$ref": "#/$defs/daily%20dose"}
    },
    "$defs": {"positive": {"exclusiveMinimum": 0}, "per/day": {"type": "number"},
              "daily dose": {"type": "number"}},
    "definitions": {"text": {"type": "string"}}})";
  EXPECT_THAT(Check(schema, R"({"a": 1, "b": "x", "c": 2, "d": 3, "e": 4})"), IsEmpty());
  EXPECT_THAT(
      Check(schema, R"({"a": 0, "b": 1, "c": -1, "d": "x", "e": "y"})"),
      ElementsAre(ViolationAt("/a", "must be greater than 0"),
                  ViolationAt("/b", "expected a string"),
                  ViolationAt("/c", "must be greater than 0"),
                  ViolationAt("/d", "expected a number"), ViolationAt("/e", "expected a number")));
}

TEST(JsonSchemaValidatorTest, RefToTheRootValidatesRecursiveDocuments) {
  const std::string schema = R"({
    "type": "object",
    "properties": {"name": {"type": "string"}, "children": {"items": {"$ref": "#"}}}})";
  EXPECT_THAT(Check(schema, R"({"name": "plant", "children": [{"name": "a", "children": []}]})"),
              IsEmpty());
  EXPECT_THAT(Check(schema, R"({"children": [{"children": [{"name": "x"}, {"name": 5}]}]})"),
              ElementsAre(ViolationAt("/children/0/children/1/name", "expected a string")));
}

TEST(JsonSchemaValidatorTest, RefAppliesTogetherWithSiblingKeywords) {
  // JSON Schema 2020-12: keywords beside $ref still apply.
  const std::string schema =
      R"({"$ref": "#/$defs/n", "maximum": 5, "$defs": {"n": {"type": "number"}}})";
  EXPECT_THAT(Check(schema, "4"), IsEmpty());
  EXPECT_THAT(Check(schema, "7"), ElementsAre(ViolationAt("", "above the maximum 5")));
  EXPECT_THAT(Check(schema, R"("x")"), ElementsAre(ViolationAt("", "expected a number")));
}

// --- boolean schemas, unknown keywords, several problems -----------------------------------------

TEST(JsonSchemaValidatorTest, BooleanSchemas) {
  EXPECT_THAT(Check("true", R"({"anything": [1]})"), IsEmpty());
  EXPECT_THAT(Check("false", "1"), ElementsAre(ViolationAt("", "no value is allowed here")));
  EXPECT_THAT(Check(R"({"properties": {"x": false}})", R"({"x": 1})"),
              ElementsAre(ViolationAt("/x", "no value is allowed here")));
}

TEST(JsonSchemaValidatorTest, UnknownKeywordsAreIgnored) {
  EXPECT_THAT(Check(R"({"minProperties": 5, "x-wbe-note": "hi", "title": "t"})", "{}"), IsEmpty());
}

TEST(JsonSchemaValidatorTest, ReportsEveryProblemNotJustTheFirst) {
  const std::string schema = R"({
    "type": "object", "required": ["a"],
    "properties": {"b": {"type": "string"}, "c": {"maximum": 1}}})";
  EXPECT_THAT(Check(schema, R"({"b": 1, "c": 2})"),
              UnorderedElementsAre(ViolationAt("", "missing required property 'a'"),
                                   ViolationAt("/b", "expected a string"),
                                   ViolationAt("/c", "above the maximum 1")));
}

// --- malformed schemas and files -----------------------------------------------------------------

void ExpectSchemaRejected(const std::string& schema, const std::string& fragment) {
  EXPECT_THAT([&] { JsonSchemaValidator validator(json::parse(schema)); },
              ThrowsMessage<std::invalid_argument>(HasSubstr(fragment)))
      << schema;
}

TEST(JsonSchemaValidatorTest, MalformedSchemasAreRejectedAtConstruction) {
  ExpectSchemaRejected(R"({"items": {"$ref": "#/$defs/missing"}})", "points to nothing");
  ExpectSchemaRejected(R"({"items": {"$ref": "#/$defs/missing"}})", "#/items/$ref");
  ExpectSchemaRejected(R"({"$ref": "other.schema.json#/$defs/x"})", "only references within");
  ExpectSchemaRejected(R"({"properties": {"id": {"pattern": "[a-"}}})", "#/properties/id/pattern");
  ExpectSchemaRejected(R"({"minimum": "0"})", "must be a number");
  ExpectSchemaRejected(R"({"type": "float"})", "\"float\" is not a JSON Schema type");
  ExpectSchemaRejected(R"({"required": "a"})", "must be an array of property names");
  ExpectSchemaRejected(R"({"minLength": -1})", "must be a whole number");
  ExpectSchemaRejected(R"({"anyOf": []})", "must be a non-empty array of schemas");
  ExpectSchemaRejected(R"({"properties": {"a": 3}})", "a schema must be an object, true or false");
  // A cycle through allOf never reaches the document; a recursive $ref through items does.
  ExpectSchemaRejected(R"({
    "$ref": "#/$defs/a",
    "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}})",
                       "leads back to itself");
}

class JsonSchemaValidatorFileTest : public ::testing::Test {
 protected:
  std::filesystem::path TempPath(const std::string& name) const {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::filesystem::path(::testing::TempDir()) /
           ("wbe_" + std::string(test->name()) + "_" + std::to_string(getpid()) + "_" + name);
  }
  void TearDown() override {
    for (const auto& path : created_) std::filesystem::remove(path);
  }
  std::filesystem::path Create(const std::string& name, const std::string& text) {
    const std::filesystem::path path = TempPath(name);
    WriteFile(path, text);
    created_.push_back(path);
    return path;
  }

  std::vector<std::filesystem::path> created_;
};

TEST_F(JsonSchemaValidatorFileTest, LoadsASchemaFile) {
  const auto path = Create("ok.schema.json", R"({"type": "string"})");
  const JsonSchemaValidator validator = JsonSchemaValidator::FromFile(path.string());
  EXPECT_THAT(validator.Validate("x"), IsEmpty());
  EXPECT_THAT(validator.Validate(1), ElementsAre(ViolationAt("", "expected a string")));
}

TEST_F(JsonSchemaValidatorFileTest, MissingFileErrorNamesTheFile) {
  const std::string path = TempPath("does-not-exist.schema.json").string();
  EXPECT_THAT([&] { JsonSchemaValidator::FromFile(path); },
              ThrowsMessage<std::runtime_error>(AllOf(HasSubstr(path), HasSubstr("cannot open"))));
}

TEST_F(JsonSchemaValidatorFileTest, UnparsableFileErrorNamesTheFile) {
  const std::string path = Create("broken.schema.json", R"({"type": "string",})").string();
  EXPECT_THAT(
      [&] { JsonSchemaValidator::FromFile(path); },
      ThrowsMessage<std::runtime_error>(AllOf(HasSubstr(path), HasSubstr("not valid JSON"))));
}

TEST_F(JsonSchemaValidatorFileTest, MalformedSchemaFileErrorNamesTheFile) {
  const std::string path = Create("bad-ref.schema.json", R"({"$ref": "#/$defs/nope"})").string();
  EXPECT_THAT([&] { JsonSchemaValidator::FromFile(path); },
              ThrowsMessage<std::runtime_error>(AllOf(HasSubstr(path), HasSubstr("#/$defs/nope"))));
}

// --- the real drug catalogue ---------------------------------------------------------------------

class DrugCatalogueSchemaTest : public ::testing::Test {
 protected:
  DrugCatalogueSchemaTest()
      : validator_(JsonSchemaValidator::FromFile(
            (ProjectRoot() / "data-schemas/drug-catalogue.schema.json").string())),
        catalogue_(ReadJson(ProjectRoot() / "models/catalogue/drugs.json")) {}

  // Looked up by name so the test survives reordering of the catalogue.
  std::string DrugPath(const std::string& name) const {
    const json& drugs = catalogue_.at("drugs");
    for (size_t i = 0; i < drugs.size(); ++i) {
      if (drugs[i].at("name") == name) return "/drugs/" + std::to_string(i);
    }
    ADD_FAILURE() << "no drug named " << name << " in the catalogue";
    return "/drugs/missing";
  }

  json& At(const std::string& pointer) { return catalogue_.at(json::json_pointer(pointer)); }

  JsonSchemaValidator validator_;
  json catalogue_;
};

TEST_F(DrugCatalogueSchemaTest, ShippedCatalogueIsValid) {
  EXPECT_THAT(validator_.Validate(catalogue_), IsEmpty());
}

TEST_F(DrugCatalogueSchemaTest, MissingStatusIsRejected) {
  const std::string quantity = DrugPath("amphetamine") + "/molecular_weight_g_per_mol";
  At(quantity).erase("status");
  EXPECT_THAT(validator_.Validate(catalogue_),
              ElementsAre(ViolationAt(quantity, "missing required property 'status'")));
}

TEST_F(DrugCatalogueSchemaTest, NegativeMolecularWeightIsRejected) {
  const std::string value = DrugPath("amphetamine") + "/molecular_weight_g_per_mol/value";
  At(value) = -135.2;
  EXPECT_THAT(validator_.Validate(catalogue_),
              ElementsAre(ViolationAt(value, "value -135.2 must be greater than 0")));
}

TEST_F(DrugCatalogueSchemaTest, ExcretionFractionAboveOneIsRejected) {
  const std::string value = DrugPath("amphetamine") + "/routes/0/excretion_fraction/value";
  At(value) = 1.5;
  EXPECT_THAT(validator_.Validate(catalogue_),
              ElementsAre(ViolationAt(value, "value 1.5 is above the maximum 1")));
}

TEST_F(DrugCatalogueSchemaTest, UnknownDistributionKindIsRejected) {
  const std::string distribution = DrugPath("cocaine") + "/doses_per_user_per_day/distribution";
  At(distribution) = "gamma";
  EXPECT_THAT(validator_.Validate(catalogue_),
              ElementsAre(ViolationAt(distribution,
                                      "value \"gamma\" is not one of the allowed "
                                      "values: \"fixed\", \"uniform\"")));
}

TEST_F(DrugCatalogueSchemaTest, MisspeltPropertyIsRejected) {
  const std::string quantity = DrugPath("cocaine") + "/typical_dose_mg";
  At(quantity)["stauts"] = "verified";
  EXPECT_THAT(validator_.Validate(catalogue_),
              ElementsAre(ViolationAt(quantity + "/stauts", "property 'stauts' is not allowed")));
}

// --- cross-check with Python's jsonschema --------------------------------------------------------

// Prints "valid" or "invalid" per case. No single quotes: it goes through the shell inside '...'.
constexpr const char* kPythonCrossCheck = R"(
import json, sys
import jsonschema
cases = json.load(open(sys.argv[1], encoding="utf-8"))
for case in cases:
    validator = jsonschema.Draft202012Validator(
        case["schema"], format_checker=jsonschema.FormatChecker())
    print("valid" if validator.is_valid(case["instance"]) else "invalid")
)";

json CrossCheckCase(const std::string& name, const std::string& schema,
                    const std::string& instance) {
  return {{"name", name}, {"schema", json::parse(schema)}, {"instance", json::parse(instance)}};
}

TEST(JsonSchemaValidatorCrossCheckTest, AgreesWithPythonJsonschemaOnValidity) {
  const std::string python = "/usr/bin/python3";
  if (!std::filesystem::exists(python)) GTEST_SKIP() << python << " not found; cross-check skipped";
  if (std::system((python + " -c 'import jsonschema' >/dev/null 2>&1").c_str()) != 0) {
    GTEST_SKIP() << "Python module jsonschema missing (apt install python3-jsonschema); skipped";
  }

  json cases = json::array({
      CrossCheckCase("2.0 is an integer", R"({"type": "integer"})", "2.0"),
      CrossCheckCase("2.5 is not an integer", R"({"type": "integer"})", "2.5"),
      CrossCheckCase("true is not a number", R"({"type": "number"})", "true"),
      CrossCheckCase("enum 1 matches 1.0", R"({"enum": [1]})", "1.0"),
      CrossCheckCase("enum 1 does not match true", R"({"enum": [1]})", "true"),
      CrossCheckCase("1 and 1.0 repeat", R"({"uniqueItems": true})", "[1, 1.0]"),
      CrossCheckCase("1 and true differ", R"({"uniqueItems": true})", "[1, true]"),
      CrossCheckCase("const deep equality", R"({"const": {"a": [1, 2]}})", R"({"a": [1, 2.0]})"),
      CrossCheckCase("minLength in characters", R"({"minLength": 3})", R"("可卡因")"),
      CrossCheckCase("maxLength in characters", R"({"maxLength": 2})", R"("可卡因")"),
      CrossCheckCase("pattern searches", R"({"pattern": "b"})", R"("abc")"),
      CrossCheckCase("anchored pattern", R"({"pattern": "^[^\\s,;]+$"})", R"("a b")"),
      CrossCheckCase("leap day", R"({"format": "date"})", R"("2024-02-29")"),
      CrossCheckCase("no leap day", R"({"format": "date"})", R"("2023-02-29")"),
      CrossCheckCase("month 13", R"({"format": "date"})", R"("2024-13-01")"),
      CrossCheckCase("exclusiveMinimum bound", R"({"exclusiveMinimum": 0})", "0"),
      CrossCheckCase("maximum bound", R"({"maximum": 1})", "1"),
      CrossCheckCase("oneOf with two matches",
                     R"({"oneOf": [{"type": "integer"}, {"minimum": 10}]})", "12"),
      CrossCheckCase("anyOf with no match", R"({"anyOf": [{"type": "string"}, {"type": "null"}]})",
                     "1"),
      CrossCheckCase("not", R"({"not": {"type": "null"}})", "null"),
      CrossCheckCase("$ref with sibling keyword",
                     R"({"$ref": "#/$defs/n", "maximum": 5, "$defs": {"n": {"type": "number"}}})",
                     "7"),
      CrossCheckCase("additionalProperties schema",
                     R"({"additionalProperties": {"type": "string"}})", R"({"a": "x", "b": 2})"),
      CrossCheckCase("required", R"({"required": ["value"]})", R"({"status": "assumed"})"),
  });
  const json schema = ReadJson(ProjectRoot() / "data-schemas/drug-catalogue.schema.json");
  json catalogue = ReadJson(ProjectRoot() / "models/catalogue/drugs.json");
  cases.push_back({{"name", "shipped catalogue"}, {"schema", schema}, {"instance", catalogue}});
  catalogue["drugs"][0]["routes"][0]["excretion_fraction"]["value"] = 1.5;
  cases.push_back(
      {{"name", "catalogue with fraction 1.5"}, {"schema", schema}, {"instance", catalogue}});

  std::string cases_path =
      (std::filesystem::path(::testing::TempDir()) / "wbe_schema_cross_check_XXXXXX").string();
  const int fd = mkstemp(cases_path.data());
  ASSERT_NE(fd, -1) << "cannot create a temporary file from " << cases_path;
  close(fd);
  WriteFile(cases_path, cases.dump());

  const std::string command = python + " -c '" + kPythonCrossCheck + "' '" + cases_path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr) << "cannot run " << python;
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  std::filesystem::remove(cases_path);
  ASSERT_EQ(status, 0) << "Python cross-check failed:\n" << output;

  std::istringstream lines(output);
  std::vector<std::string> verdicts;
  for (std::string line; std::getline(lines, line);) verdicts.push_back(line);
  ASSERT_EQ(verdicts.size(), cases.size()) << output;

  int valid_count = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& c = cases[i];
    const bool ours = JsonSchemaValidator(c.at("schema")).Validate(c.at("instance")).empty();
    const bool theirs = verdicts[i] == "valid";
    EXPECT_EQ(ours, theirs) << "case '" << c.at("name").get<std::string>() << "': we say "
                            << (ours ? "valid" : "invalid") << ", Python's jsonschema says "
                            << verdicts[i];
    valid_count += theirs ? 1 : 0;
  }
  // Both outcomes must be exercised, or agreement would prove little.
  EXPECT_GT(valid_count, 0);
  EXPECT_LT(valid_count, static_cast<int>(cases.size()));
}

}  // namespace
}  // namespace wbe
