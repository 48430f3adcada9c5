// LatencyLookup: the sum of its terms, the JSON document, and files written beside and renamed.

#include "spaces/latency_lookup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "spaces/errors.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

// Distinct exact binary fractions: sums are exact and a mixed-up entry changes the result.
LatencyLookup MadeUpLookup() {
  LatencyLookup table;
  table.family = "transformer";
  table.skeleton = {{"layers", 2}, {"embed_dims", {8, 16}}, {"pooling", "mean"}};
  table.machine = "test machine";
  table.threads = 2;
  table.runs = 7;
  table.date = "2026-11-24T00:00:00Z";
  table.parts_ms = {{"embed/d8", 0.5}, {"attn/d8/h1", 0.25}, {"ffn/d8/f32", 0.125}};
  return table;
}

std::string MessageOf(const nlohmann::json& json) {
  try {
    LatencyLookupFromJson(json, "'t.json'");
  } catch (const UserError& error) {
    return error.what();
  }
  return "no error";
}

class LatencyLookupFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sculpt_latency_lookup_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(LatencyLookupTest, PredictionIsTheSumOfCountTimesEntry) {
  const LatencyLookup table = MadeUpLookup();
  EXPECT_EQ(PredictLatencyMs(table, {}), 0.0);
  EXPECT_EQ(PredictLatencyMs(table, {{"embed/d8", 1}}), 0.5);
  EXPECT_EQ(PredictLatencyMs(table, {{"embed/d8", 1}, {"attn/d8/h1", 3}, {"ffn/d8/f32", 2}}),
            0.5 + 0.75 + 0.25);
  // A key repeated is counted each time.
  EXPECT_EQ(PredictLatencyMs(table, {{"attn/d8/h1", 1}, {"attn/d8/h1", 1}}), 0.5);
}

TEST(LatencyLookupTest, AMissingKeyIsAUserErrorNamingIt) {
  try {
    PredictLatencyMs(MadeUpLookup(), {{"embed/d8", 1}, {"attn/d8/h4", 1}});
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_EQ(std::string(error.what()),
              "latency table (family 'transformer') has no entry 'attn/d8/h4'; measure a table "
              "for this skeleton with `sculpt latency CONFIG`");
  }
}

TEST(LatencyLookupTest, JsonRoundTrip) {
  const LatencyLookup table = MadeUpLookup();
  const nlohmann::json json = LatencyLookupJson(table);
  EXPECT_EQ(json["format"], "sculpt-latency-lookup");
  EXPECT_EQ(json["version"], 1);
  EXPECT_EQ(json["family"], "transformer");
  EXPECT_EQ(json["parts_ms"]["attn/d8/h1"], 0.25);
  const LatencyLookup back = LatencyLookupFromJson(json, "'t.json'");
  EXPECT_EQ(back.family, table.family);
  EXPECT_EQ(back.skeleton, table.skeleton);
  EXPECT_EQ(back.machine, table.machine);
  EXPECT_EQ(back.threads, 2);
  EXPECT_EQ(back.runs, 7);
  EXPECT_EQ(back.date, table.date);
  EXPECT_EQ(back.parts_ms, table.parts_ms);
  EXPECT_EQ(LatencyLookupJson(back), json);
}

TEST(LatencyLookupTest, BadDocumentsNameTheSourceAndTheField) {
  const nlohmann::json good = LatencyLookupJson(MadeUpLookup());
  nlohmann::json bad = good;
  bad.erase("machine");
  EXPECT_EQ(MessageOf(bad), "latency table 't.json': machine: missing");
  bad = good;
  bad["parts_ms"]["ffn/d8/f32"] = -1;
  EXPECT_EQ(MessageOf(bad),
            "latency table 't.json': parts_ms.ffn/d8/f32: expected a latency in ms >= 0, got -1");
  bad["parts_ms"]["ffn/d8/f32"] = "fast";
  EXPECT_EQ(MessageOf(bad),
            "latency table 't.json': parts_ms.ffn/d8/f32: expected a latency in ms >= 0, got "
            "\"fast\"");
  bad = good;
  bad["format"] = "sculpt-latency-table";  // an nb201 table: said so, not just "unexpected"
  EXPECT_EQ(MessageOf(bad),
            "latency table 't.json': format: an nb201 latency table; this space needs one `sculpt "
            "latency` measured on a config of its family (for the prune space: the transformer "
            "family, docs/SPACES.md)");
  bad["format"] = "csv";
  EXPECT_EQ(MessageOf(bad),
            "latency table 't.json': format: expected \"sculpt-latency-lookup\" (a table `sculpt "
            "latency` writes), got \"csv\"");
  bad = good;
  bad["version"] = 2;
  EXPECT_EQ(MessageOf(bad), "latency table 't.json': version: this Sculpt reads version 1, got 2");
  bad = good;
  bad["threads"] = 0;
  EXPECT_EQ(MessageOf(bad), "latency table 't.json': threads: expected an integer >= 1, got 0");
  bad = good;
  bad["skeleton"] = 3;
  EXPECT_EQ(MessageOf(bad),
            "latency table 't.json': skeleton: expected an object of the space's keys, got 3");
  bad = good;
  bad["parts_ms"] = nlohmann::json::array();
  EXPECT_EQ(MessageOf(bad), "latency table 't.json': parts_ms: expected an object, got []");
  bad = good;
  bad["family"] = "";
  EXPECT_EQ(MessageOf(bad), "latency table 't.json': family: expected a space name, got \"\"");
  EXPECT_EQ(MessageOf(nlohmann::json::array()),
            "latency table 't.json': expected a JSON object, got []");
}

TEST_F(LatencyLookupFileTest, SaveAndLoadRoundTripWithNothingLeftBeside) {
  const LatencyLookup table = MadeUpLookup();
  const fs::path path = dir_ / "sub" / "table.json";
  SaveLatencyLookup(table, path);
  EXPECT_EQ(LatencyLookupJson(LoadLatencyLookup(path)), LatencyLookupJson(table));
  // Saving again replaces the file; no partial file stays in the folder.
  LatencyLookup faster = table;
  faster.parts_ms["embed/d8"] = 0.0625;
  SaveLatencyLookup(faster, path);
  EXPECT_EQ(LoadLatencyLookup(path).parts_ms.at("embed/d8"), 0.0625);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "sub")) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "table.json");
  }
  EXPECT_EQ(files, 1);
}

TEST_F(LatencyLookupFileTest, FileErrorsNameTheFile) {
  const fs::path missing = dir_ / "missing.json";
  try {
    LoadLatencyLookup(missing);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_EQ(std::string(error.what()), "cannot read latency table '" + missing.string() + "'");
  }
  const fs::path garbage = dir_ / "garbage.json";
  std::ofstream(garbage) << "{\"format\": ";
  try {
    LoadLatencyLookup(garbage);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_EQ(std::string(error.what())
                  .rfind("latency table '" + garbage.string() + "' is not valid JSON: ", 0),
              0u)
        << error.what();
  }
  const fs::path incomplete = dir_ / "incomplete.json";
  nlohmann::json json = LatencyLookupJson(MadeUpLookup());
  json.erase("parts_ms");
  std::ofstream(incomplete) << json.dump();
  try {
    LoadLatencyLookup(incomplete);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_EQ(std::string(error.what()),
              "latency table '" + incomplete.string() + "': parts_ms: missing");
  }
  // A folder where the file should go cannot be replaced by it.
  fs::create_directories(dir_ / "taken.json" / "inside");
  EXPECT_THROW(SaveLatencyLookup(MadeUpLookup(), dir_ / "taken.json"), UserError);
  EXPECT_TRUE(fs::is_directory(dir_ / "taken.json" / "inside"));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos)
        << "left behind: " << entry.path();
  }
}

}  // namespace
}  // namespace sculpt
