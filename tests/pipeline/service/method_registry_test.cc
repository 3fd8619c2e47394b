#include "pipeline/service/method_registry.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/core/data_paths.h"
#include "models/core/input_error.h"
#include "pipeline/archive/raw_archive.h"
#include "tests/pipeline/archive/archive_test_util.h"

namespace wbe {
namespace {

namespace fs = std::filesystem;
using testing_util::FileBytes;
using testing_util::ScratchDir;
using testing_util::WriteBytes;

class MethodRegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalogue_ = new DrugCatalogue(DrugCatalogue::LoadDefault());
    method_ =
        new std::string(FileBytes(DataPath("data-schemas/examples/wbe-demo-lab.method.json")));
  }
  static void TearDownTestSuite() {
    delete catalogue_;
    delete method_;
  }

  // The demo method under another version string: valid, different bytes.
  static std::string OtherMethod() {
    nlohmann::json document = nlohmann::json::parse(*method_);
    document["version"] = "2026-2";
    return document.dump(2);
  }

  fs::path MethodsDir() const { return dir_.path() / "config" / "methods"; }

  // Every file below the methods directory (temp files included).
  std::set<std::string> FilesOnDisk() const {
    std::set<std::string> files;
    if (!fs::exists(MethodsDir())) return files;
    for (const auto& entry : fs::directory_iterator(MethodsDir())) {
      files.insert(entry.path().filename().string());
    }
    return files;
  }

  static DrugCatalogue* catalogue_;
  static std::string* method_;
  ScratchDir dir_;
};

DrugCatalogue* MethodRegistryTest::catalogue_ = nullptr;
std::string* MethodRegistryTest::method_ = nullptr;

TEST(MethodRegistryNameTest, AcceptsOnlySafeNames) {
  for (const std::string& good : {std::string("lab1"), std::string("LAB-1_v2.3"), std::string("a"),
                                  std::string(64, 'x'), std::string("a..b")}) {
    EXPECT_TRUE(MethodRegistry::IsValidName(good)) << good;
  }
  for (const std::string& bad :
       {std::string(), std::string(".hidden"), std::string(".."), std::string("../etc"),
        std::string("a/b"), std::string("a\\b"), std::string("a b"), std::string(65, 'x'),
        std::string("caf\xC3\xA9"), std::string("a\0b", 3), std::string("a:b"),
        std::string("x\n")}) {
    EXPECT_FALSE(MethodRegistry::IsValidName(bad)) << bad;
  }
}

TEST_F(MethodRegistryTest, EmptyRegistryHasNothing) {
  const MethodRegistry registry(dir_.Str(), *catalogue_);
  EXPECT_TRUE(registry.List().empty());
  EXPECT_FALSE(registry.Get("lab1").has_value());
  EXPECT_FALSE(fs::exists(MethodsDir()));  // reading creates nothing
}

TEST_F(MethodRegistryTest, PutGetListRoundTrip) {
  MethodRegistry registry(dir_.Str(), *catalogue_);
  EXPECT_TRUE(registry.Put("lab1", *method_));
  EXPECT_TRUE(registry.Put("LAB-2.v1", OtherMethod()));
  ASSERT_TRUE(registry.Get("lab1").has_value());
  EXPECT_EQ(*registry.Get("lab1"), *method_);
  EXPECT_EQ(*registry.Get("LAB-2.v1"), OtherMethod());
  EXPECT_FALSE(registry.Get("lab3").has_value());

  const std::vector<RegisteredMethod> list = registry.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "LAB-2.v1");  // sorted by name
  EXPECT_EQ(list[0].sha256, Sha256Hex(OtherMethod()));
  EXPECT_EQ(list[1].name, "lab1");
  EXPECT_EQ(list[1].sha256, Sha256Hex(*method_));
  // Kept on disk, as NAME.method.json, byte for byte.
  EXPECT_EQ(FileBytes((MethodsDir() / "lab1.method.json").string()), *method_);

  // Another registry over the same directory (a restart) sees them.
  const MethodRegistry again(dir_.Str(), *catalogue_);
  EXPECT_EQ(again.List().size(), 2u);
  EXPECT_EQ(*again.Get("lab1"), *method_);
}

TEST_F(MethodRegistryTest, ReplacingReturnsFalseAndKeepsTheNewBytes) {
  MethodRegistry registry(dir_.Str(), *catalogue_);
  EXPECT_TRUE(registry.Put("lab1", *method_));
  EXPECT_FALSE(registry.Put("lab1", OtherMethod()));
  EXPECT_EQ(*registry.Get("lab1"), OtherMethod());
  ASSERT_EQ(registry.List().size(), 1u);
  EXPECT_EQ(registry.List()[0].sha256, Sha256Hex(OtherMethod()));
  EXPECT_EQ(FilesOnDisk(), std::set<std::string>{"lab1.method.json"});  // no temp files left
}

TEST_F(MethodRegistryTest, BadNamesAreRefused) {
  MethodRegistry registry(dir_.Str(), *catalogue_);
  for (const std::string& bad : {std::string(""), std::string("../escape"), std::string(".x"),
                                 std::string("a/b"), std::string(65, 'n')}) {
    try {
      registry.Put(bad, *method_);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "name") << e.what();
    }
    EXPECT_FALSE(registry.Get(bad).has_value()) << bad;
  }
  EXPECT_TRUE(registry.List().empty());
  EXPECT_TRUE(FilesOnDisk().empty());
  EXPECT_FALSE(fs::exists(dir_.path() / "escape.method.json"));
  EXPECT_FALSE(fs::exists(dir_.path() / "config" / "escape.method.json"));
}

TEST_F(MethodRegistryTest, GetRefusesPathsOutsideTheRegistry) {
  // A method file planted next to the registry cannot be reached by a crafted name.
  fs::create_directories(MethodsDir());
  WriteBytes((dir_.path() / "config" / "secret.method.json").string(), *method_);
  const MethodRegistry registry(dir_.Str(), *catalogue_);
  EXPECT_FALSE(registry.Get("../secret").has_value());
  EXPECT_TRUE(registry.List().empty());
}

TEST_F(MethodRegistryTest, InvalidMethodsAreRefusedAndNothingIsStored) {
  MethodRegistry registry(dir_.Str(), *catalogue_);
  nlohmann::json no_name = nlohmann::json::parse(*method_);
  no_name.erase("name");
  nlohmann::json bad_unit = nlohmann::json::parse(*method_);
  bad_unit["unit_to_ng_per_l"] = 3.5;
  bad_unit["concentration_unit"] = "ng/L";
  for (const std::string& bad :
       {std::string("not json"), std::string("{\"name\": "), std::string("[]"), std::string("{}"),
        no_name.dump(), bad_unit.dump()}) {
    try {
      registry.Put("lab1", bad);
      ADD_FAILURE() << "accepted " << bad.substr(0, 80);
    } catch (const InputError& e) {
      // Named by the method's name, so the client can tell which upload was wrong.
      EXPECT_NE(std::string(e.what()).find("lab1"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(registry.List().empty());
  EXPECT_FALSE(registry.Get("lab1").has_value());
  EXPECT_TRUE(FilesOnDisk().empty());

  // A bad replacement leaves the registered method as it was.
  ASSERT_TRUE(registry.Put("lab1", *method_));
  EXPECT_THROW(registry.Put("lab1", "{}"), InputError);
  EXPECT_EQ(*registry.Get("lab1"), *method_);
}

TEST_F(MethodRegistryTest, ListSkipsForeignFiles) {
  MethodRegistry registry(dir_.Str(), *catalogue_);
  ASSERT_TRUE(registry.Put("lab1", *method_));
  WriteBytes((MethodsDir() / "notes.txt").string(), "hello");
  WriteBytes((MethodsDir() / ".method.json").string(), *method_);
  WriteBytes((MethodsDir() / ".hidden.method.json").string(), *method_);
  WriteBytes((MethodsDir() / "a b.method.json").string(), *method_);
  const std::vector<RegisteredMethod> list = registry.List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "lab1");
}

TEST_F(MethodRegistryTest, ConcurrentPutsOfDistinctNamesAllLand) {
  MethodRegistry registry(dir_.Str(), *catalogue_);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      EXPECT_TRUE(registry.Put("m" + std::to_string(t), *method_));
      EXPECT_TRUE(registry.Get("m" + std::to_string(t)).has_value());
      registry.List();
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(registry.List().size(), 4u);
}

}  // namespace
}  // namespace wbe
