#include "spaces/nb201_latency.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "spaces/nb201.h"
#include "spaces/options.h"
#include "tests/spaces/made_up_latency_table.h"

namespace sculpt::nb201 {
namespace {

namespace fs = std::filesystem;

Skeleton Tiny() {
  Skeleton s;
  s.channels = 4;
  s.cells_per_stage = 2;
  s.input_channels = 1;
  s.input_size = 8;
  s.classes = 3;
  return s;
}

class Nb201LatencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sculpt_nb201_latency_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(CellWorkTest, CountsSumsAndZerosAsTheCellRunsThem) {
  // conv3x3 0->1, skip 1->2, avg_pool 0->3, conv1x1 2->3: node 3 sums two inputs.
  const CellWork full = CountCellWork(Architecture{{3, 0, 1, 4, 0, 2}});
  EXPECT_EQ(full.adds, 1);
  EXPECT_EQ(full.zeros, 0);
  // Only skip 1->2: node 1 has no input (a zero tensor is read), and the output none (another).
  const CellWork dead = CountCellWork(Architecture{{0, 0, 1, 0, 0, 0}});
  EXPECT_EQ(dead.adds, 0);
  EXPECT_EQ(dead.zeros, 2);
  // Every edge live: nodes 2 and 3 sum 2 and 3 inputs.
  const CellWork dense = CountCellWork(Architecture{{1, 1, 1, 1, 1, 1}});
  EXPECT_EQ(dense.adds, 3);
  EXPECT_EQ(dense.zeros, 0);
  EXPECT_EQ(CountCellWork(Architecture{{0, 0, 0, 0, 0, 0}}).zeros, 1);
  EXPECT_THROW(CountCellWork(Architecture{{0, 0, 5, 0, 0, 0}}), UserError);
}

TEST(PredictLatencyTest, IsTheSumOfTheEntries) {
  const LatencyTable t = testing::MadeUpLatencyTable(Tiny());
  const Architecture arch{{kConv3x3, kNone, kSkipConnect, kAvgPool3x3, kNone, kConv1x1}};
  double naive = t.stem_ms + t.reduction_ms[0] + t.reduction_ms[1] + t.head_ms;
  double full = naive + t.network_overhead_ms;
  for (const StageLatency& s : t.stages) {
    const double ops =
        s.op_ms[kConv3x3] + s.op_ms[kSkipConnect] + s.op_ms[kAvgPool3x3] + s.op_ms[kConv1x1];
    naive += 2 * ops;  // two cells per stage
    full += 2 * (ops + s.cell_overhead_ms + 1 * s.add_ms + 0 * s.zeros_ms);
  }
  EXPECT_DOUBLE_EQ(PredictLatencyMs(t, arch, false), naive);
  EXPECT_DOUBLE_EQ(PredictLatencyMs(t, arch, true), full);
  // By hand from the made-up entries: fixed 1.25 (+ 0.0625); stage s ops 4(s+1) + 1.25.
  EXPECT_DOUBLE_EQ(naive, 1.25 + 2 * (4 * 6 + 3 * 1.25));

  // A none edge costs only the zeros it causes.
  const Architecture lonely{{kNone, kNone, kSkipConnect, kNone, kNone, kNone}};
  double expected = 1.25 + 0.0625;
  for (const StageLatency& s : t.stages) {
    expected += 2 * (s.op_ms[kSkipConnect] + s.cell_overhead_ms + 2 * s.zeros_ms);
  }
  EXPECT_DOUBLE_EQ(PredictLatencyMs(t, lonely), expected);
}

TEST_F(Nb201LatencyTest, RoundTripsThroughJsonAndFiles) {
  const LatencyTable t = testing::MadeUpLatencyTable(Tiny());
  const nlohmann::json json = LatencyTableToJson(t);
  EXPECT_EQ(json["skeleton"]["channels"], 4);
  EXPECT_EQ(json["stages"][2]["channels"], 16);
  EXPECT_EQ(json["stages"][2]["size"], 2);
  EXPECT_FALSE(json["stages"][0]["ops_ms"].contains("none"));
  SaveLatencyTable(t, dir_ / "sub" / "table.json");
  const LatencyTable back = LoadLatencyTable(dir_ / "sub" / "table.json");
  EXPECT_EQ(LatencyTableToJson(back), json);
  EXPECT_EQ(back.machine, "test machine");
  EXPECT_EQ(back.runs, 7);
  EXPECT_EQ(back.stages[1].op_ms, t.stages[1].op_ms);
  for (const Architecture& arch : MakeSpace(Tiny())->Enumerate()) {
    ASSERT_EQ(PredictLatencyMs(back, arch), PredictLatencyMs(t, arch));
  }
}

TEST(LatencyTableJsonTest, BadTablesNameTheField) {
  const nlohmann::json good = LatencyTableToJson(testing::MadeUpLatencyTable(Tiny()));
  auto message = [](const nlohmann::json& json) {
    try {
      LatencyTableFromJson(json, "'t.json'");
    } catch (const UserError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  nlohmann::json bad = good;
  bad["fixed_ms"].erase("head");
  EXPECT_EQ(message(bad), "latency table 't.json': fixed_ms.head: missing");
  bad = good;
  bad["stages"][1]["ops_ms"]["nor_conv_3x3"] = -1;
  EXPECT_EQ(message(bad),
            "latency table 't.json': stages[1].ops_ms.nor_conv_3x3: expected a latency in ms >= "
            "0, got -1");
  bad = good;
  bad["stages"][0]["ops_ms"]["avg_pool3x3"] = 1;
  EXPECT_NE(message(bad).find("unknown op 'avg_pool3x3'; did you mean 'avg_pool_3x3'?"),
            std::string::npos);
  bad = good;
  bad["stages"][0]["size"] = 9;
  EXPECT_NE(message(bad).find("stages[0]: expected channels 4 and size 8"), std::string::npos);
  bad = good;
  bad["format"] = "csv";
  EXPECT_NE(message(bad).find("format: expected \"sculpt-latency-table\""), std::string::npos);
  bad["format"] = "sculpt-latency-lookup";  // a transformer table
  bad["family"] = "transformer";
  EXPECT_NE(message(bad).find("format: a latency table of the transformer family; the nb201 "
                              "space needs one `sculpt latency` measured on an nb201 config"),
            std::string::npos)
      << message(bad);
  EXPECT_NE(message(nlohmann::json::array()).find("expected an object"), std::string::npos);
}

TEST_F(Nb201LatencyTest, SpaceWithATableHasTheLatencyCost) {
  auto table = std::make_shared<LatencyTable>(testing::MadeUpLatencyTable(Tiny()));
  const auto space = MakeSpace(Tiny(), table);
  EXPECT_EQ(space->CostMetricNames(),
            std::vector<std::string>({"params", "flops", "latency_lut_ms"}));
  const Architecture arch{{kConv3x3, kNone, kSkipConnect, kAvgPool3x3, kNone, kConv1x1}};
  const Metrics cost = space->Cost(arch);
  EXPECT_EQ(cost.at("latency_lut_ms"), PredictLatencyMs(*table, arch));
  EXPECT_EQ(cost.at("params"), CountParams(arch, Tiny()));
  // Without a table, the metric does not exist.
  EXPECT_EQ(MakeSpace(Tiny())->CostMetricNames(), std::vector<std::string>({"params", "flops"}));
  EXPECT_EQ(MakeSpace(Tiny())->Cost(arch).count("latency_lut_ms"), 0U);
}

TEST_F(Nb201LatencyTest, ATableForAnotherSkeletonIsRejectedNamingBoth) {
  auto table = std::make_shared<LatencyTable>(testing::MadeUpLatencyTable(Tiny()));
  Skeleton other = Tiny();
  other.channels = 8;
  try {
    MakeSpace(other, table);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("built for the skeleton channels=4 cells_per_stage=2"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("the space's skeleton is channels=8 cells_per_stage=2"),
              std::string::npos)
        << message;
  }

  // Through the space's options, as a config builds it: an error of the block, with the path.
  SaveLatencyTable(*table, dir_ / "tiny.json");
  ConfigErrors errors;
  nlohmann::json block = {{"channels", 8},       {"cells_per_stage", 2},
                          {"input_channels", 1}, {"input_size", 8},
                          {"classes", 3},        {"latency_table", (dir_ / "tiny.json").string()}};
  Options options(block, "space", errors, nullptr);
  const auto space = MakeSpaceFromOptions(options);
  options.Finish();
  ASSERT_EQ(errors.Messages().size(), 1U);
  EXPECT_EQ(errors.Messages()[0].rfind("space.latency_table: latency table '", 0), 0U)
      << errors.Messages()[0];
  EXPECT_NE(errors.Messages()[0].find("channels=8"), std::string::npos);

  // The matching skeleton reads it; a missing file is an error naming it.
  block["channels"] = 4;
  ConfigErrors fine;
  Options good(block, "space", fine, nullptr);
  EXPECT_EQ(MakeSpaceFromOptions(good)->CostMetricNames().back(), "latency_lut_ms");
  good.Finish();
  EXPECT_TRUE(fine.Empty());
  block["latency_table"] = (dir_ / "missing.json").string();
  ConfigErrors missing;
  Options absent(block, "space", missing, nullptr);
  MakeSpaceFromOptions(absent);
  ASSERT_EQ(missing.Messages().size(), 1U);
  EXPECT_NE(missing.Messages()[0].find("cannot read latency table"), std::string::npos);
}

}  // namespace
}  // namespace sculpt::nb201
