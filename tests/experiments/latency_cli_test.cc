// `sculpt latency` end to end on a tiny skeleton, and latency_lut_ms as a cost metric of an
// experiment: constraints on it reject candidates before evaluation, objectives may use it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>

#include "experiments/config/experiment.h"
#include "search/engine.h"
#include "spaces/nb201_latency.h"
#include "tests/experiments/run_sculpt.h"
#include "tests/experiments/test_table.h"
#include "tests/spaces/made_up_latency_table.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;
using testing::Sculpt;

class LatencyCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sculpt_latency_cli_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    testing::WriteSyntheticNb201Table(dir_ / "table.csv");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static fs::path WriteConfig(const std::string& file, const nlohmann::json& config) {
    std::ofstream(dir_ / file) << config.dump(2);
    return dir_ / file;
  }

  static nlohmann::json TinyConfig() {
    return {{"name", "tiny"},
            {"space",
             {{"type", "nb201"},
              {"channels", 2},
              {"cells_per_stage", 1},
              {"input_channels", 1},
              {"input_size", 8},
              {"classes", 3}}},
            {"storage", "runs/tiny.sqlite"}};
  }

  static fs::path dir_;
};

fs::path LatencyCliTest::dir_;

class RecordingSink final : public ResultSink {
 public:
  void Write(std::span<const CandidateRecord> records) override {
    all.insert(all.end(), records.begin(), records.end());
  }
  std::vector<CandidateRecord> all;
};

TEST_F(LatencyCliTest, BuildsTheTableAndComparesPredictedWithMeasured) {
  const fs::path config = WriteConfig("tiny.json", TinyConfig());
  const auto result = Sculpt("latency " + config.string() + " --samples 4 --runs 3 --seed 5");
  ASSERT_EQ(result.status, 0) << result.out;
  EXPECT_NE(result.out.find("stage 3 (8 channels, 2x2): skip_connect"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("Summary over 4 networks (1 thread):"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("table with overheads: mean |error| "), std::string::npos);
  EXPECT_NE(result.out.find("naive sum of parts:   mean |error| "), std::string::npos);
  EXPECT_NE(result.out.find("Kendall tau "), std::string::npos);
  // Four rows, one per sampled network, each with its architecture.
  std::size_t rows = 0;
  for (std::size_t at = 0; (at = result.out.find("|+|", at)) != std::string::npos; ++at) ++rows;
  EXPECT_EQ(rows, 8U);  // two '|+|' per architecture string
  // Written next to the storage by default, and readable by the space.
  const fs::path table = dir_ / "runs" / "tiny-latency.json";
  ASSERT_TRUE(fs::exists(table)) << result.out;
  EXPECT_EQ(nb201::LoadLatencyTable(table).skeleton.channels, 2);

  // --out and --samples 0: only the table.
  const auto only = Sculpt("latency " + config.string() + " --samples 0 --runs 2 --out " +
                           (dir_ / "elsewhere.json").string());
  ASSERT_EQ(only.status, 0) << only.out;
  EXPECT_TRUE(fs::exists(dir_ / "elsewhere.json"));
  EXPECT_EQ(only.out.find("Summary"), std::string::npos);
}

TEST_F(LatencyCliTest, UsageAndConfigErrorsExitWithTwo) {
  EXPECT_EQ(Sculpt("latency --help").status, 0);
  EXPECT_EQ(Sculpt("latency").status, 2);
  const fs::path config = WriteConfig("tiny2.json", TinyConfig());
  EXPECT_EQ(Sculpt("latency " + config.string() + " --samples -1").status, 2);
  EXPECT_EQ(Sculpt("latency " + config.string() + " --sample 3").status, 2);
  nlohmann::json bad = TinyConfig();
  bad["space"]["input_size"] = 10;
  bad["space"]["chanels"] = 3;
  const auto result = Sculpt("latency " + WriteConfig("bad.json", bad).string());
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.out.find("space.input_size"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("did you mean 'channels'"), std::string::npos) << result.out;
  EXPECT_EQ(Sculpt("latency " + (dir_ / "nowhere.json").string()).status, 2);
  // --out never replaces the config it reads.
  const auto read = [](const fs::path& path) {
    std::ostringstream text;
    text << std::ifstream(path).rdbuf();
    return text.str();
  };
  const std::string config_text = read(config);
  const auto over_config =
      Sculpt("latency " + config.string() + " --samples 0 --runs 2 --out " + config.string());
  EXPECT_EQ(over_config.status, 2) << over_config.out;
  EXPECT_NE(over_config.out.find("the file this command reads"), std::string::npos)
      << over_config.out;
  EXPECT_EQ(read(config), config_text);
  // Nor another config, even one that names a table (it holds "sculpt-latency-" as a file name):
  // only an earlier table is replaced.
  nlohmann::json naming = TinyConfig();
  naming["space"]["latency_table"] = "sculpt-latency-nb201.json";
  const fs::path other = WriteConfig("other.json", naming);
  const std::string other_text = read(other);
  const auto over_other =
      Sculpt("latency " + config.string() + " --samples 0 --runs 2 --out " + other.string());
  EXPECT_EQ(over_other.status, 2) << over_other.out;
  EXPECT_NE(over_other.out.find("is not an earlier latency table"), std::string::npos)
      << over_other.out;
  EXPECT_EQ(read(other), other_text);
  // A config holding its table itself (as a stored config does) has a new one written beside
  // its storage; one whose latency_table names a folder is told so.
  ASSERT_EQ(Sculpt("latency " + config.string() + " --samples 0 --runs 2 --out " +
                   (dir_ / "inline-source.json").string())
                .status,
            0);
  nlohmann::json inline_table = TinyConfig();
  inline_table["space"]["latency_table"] = nlohmann::json::parse(read(dir_ / "inline-source.json"));
  const auto inlined = Sculpt("latency " + WriteConfig("inline.json", inline_table).string() +
                              " --samples 0 --runs 2");
  EXPECT_EQ(inlined.status, 0) << inlined.out;
  nlohmann::json folder_table = TinyConfig();
  folder_table["space"]["latency_table"] = "runs";
  const auto named_folder =
      Sculpt("latency " + WriteConfig("folder.json", folder_table).string() + " --samples 0");
  EXPECT_EQ(named_folder.status, 2) << named_folder.out;
  EXPECT_NE(named_folder.out.find("space.latency_table: "), std::string::npos) << named_folder.out;
  EXPECT_NE(named_folder.out.find("is a folder"), std::string::npos) << named_folder.out;
  // A folder is named as one.
  const auto folder = Sculpt("latency " + config.string() + " --samples 0 --out " + dir_.string());
  EXPECT_EQ(folder.status, 2) << folder.out;
  EXPECT_NE(folder.out.find("is a folder; give the latency table a file name in it"),
            std::string::npos)
      << folder.out;
}

TEST_F(LatencyCliTest, ConstraintOnLatencyRejectsCandidatesBeforeEvaluation) {
  const nb201::Skeleton skeleton;  // the synthetic table's space
  const nb201::LatencyTable table = testing::MadeUpLatencyTable(skeleton);
  nb201::SaveLatencyTable(table, dir_ / "lut.json");
  // The median predicted latency: about half the space is over it.
  std::vector<double> all;
  for (const Architecture& arch : nb201::MakeSpace(skeleton)->Enumerate()) {
    all.push_back(nb201::PredictLatencyMs(table, arch));
  }
  std::nth_element(all.begin(), all.begin() + all.size() / 2, all.end());
  const double limit = all[all.size() / 2];

  const nlohmann::json config = {
      {"name", "lut"},
      {"seed", 2},
      {"space", {{"type", "nb201"}, {"latency_table", "lut.json"}}},  // relative to the config
      {"evaluator", {{"type", "table"}, {"path", "table.csv"}, {"objective", "cifar10_valid"}}},
      {"objectives", {{{"metric", "cifar10_valid"}, {"goal", "maximize"}}}},
      {"constraints", {{{"metric", "latency_lut_ms"}, {"max", limit}}}},
      {"strategy", {{"type", "random"}}},
      {"budget", {{"evaluations", 20}}},
      {"workers", 1}};
  Experiment e = BuildExperiment(config, dir_, {});
  // The stored config keeps the table itself (see the next test).
  EXPECT_EQ(e.canonical_config["space"]["latency_table"], nb201::LatencyTableToJson(table));
  Engine engine(*e.space, *e.evaluator, *e.strategy, e.objectives, e.constraints, e.engine);
  RecordingSink sink;
  const RunSummary summary = engine.Run(sink);
  EXPECT_GT(summary.progress.infeasible, 0);
  int infeasible = 0;
  for (const CandidateRecord& r : sink.all) {
    if (r.repeat_of >= 0) continue;
    ASSERT_EQ(r.metrics.count("latency_lut_ms"), 1U) << r.arch_text;
    const double predicted = r.metrics.at("latency_lut_ms");
    EXPECT_DOUBLE_EQ(predicted, nb201::PredictLatencyMs(table, r.arch));
    if (r.status == CandidateStatus::kInfeasible) {
      ++infeasible;
      EXPECT_GT(predicted, limit);
      EXPECT_NE(r.error.find("latency_lut_ms"), std::string::npos) << r.error;
      EXPECT_EQ(r.metrics.count("cifar10_valid"), 0U) << "evaluated although infeasible";
    } else {
      EXPECT_EQ(r.status, CandidateStatus::kOk) << r.error;
      EXPECT_LE(predicted, limit);
      EXPECT_EQ(r.metrics.count("cifar10_valid"), 1U);
    }
  }
  EXPECT_EQ(infeasible, summary.progress.infeasible);

  // A table for another skeleton is a config error naming both.
  nlohmann::json other = config;
  other["space"]["channels"] = 8;
  try {
    BuildExperiment(other, dir_, {});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("space.latency_table"), std::string::npos) << message;
    EXPECT_NE(message.find("channels=16"), std::string::npos) << message;
    EXPECT_NE(message.find("channels=8"), std::string::npos) << message;
  }

  // nsga2 may minimise it as an objective.
  nlohmann::json two = config;
  two.erase("constraints");
  two["objectives"] = {{{"metric", "cifar10_valid"}, {"goal", "maximize"}},
                       {{"metric", "latency_lut_ms"}, {"goal", "minimize"}}};
  two["strategy"] = {{"type", "nsga2"}, {"population", 6}};
  Experiment pareto = BuildExperiment(two, dir_, {});
  Engine engine2(*pareto.space, *pareto.evaluator, *pareto.strategy, pareto.objectives,
                 pareto.constraints, pareto.engine);
  RecordingSink sink2;
  const RunSummary summary2 = engine2.Run(sink2);
  EXPECT_EQ(summary2.progress.failed, 0);
  EXPECT_EQ(summary2.progress.evaluations, 20);

  // A bound below the fastest member's prediction is refused before anything runs: the table
  // need not follow the sizes, so the space's 15,625 members are scored to find the fastest.
  const std::unique_ptr<SearchSpace> members = nb201::MakeSpace(skeleton);
  double fastest = std::numeric_limits<double>::infinity();
  for (const Architecture& arch : members->Enumerate()) {
    if (members->IsValid(arch)) fastest = std::min(fastest, nb201::PredictLatencyMs(table, arch));
  }
  nlohmann::json impossible = config;
  impossible["constraints"] = {{{"metric", "latency_lut_ms"}, {"max", fastest * 0.99}}};
  try {
    BuildExperiment(impossible, dir_, {});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("excludes every member of the space: the cheapest, "),
              std::string::npos)
        << error.what();
  }
  impossible["constraints"][0]["max"] = fastest;
  EXPECT_EQ(BuildExperiment(impossible, dir_, {}).constraints.size(), 1U);
}

// A table measured again into the same file is another config: --resume does not mix its
// predictions with the old table's. And an experiment's later commands use the table its search
// used, so they work with the file gone.
TEST_F(LatencyCliTest, AnExperimentKeepsTheTableItsSearchUsed) {
  const nb201::Skeleton skeleton;
  nb201::LatencyTable table = testing::MadeUpLatencyTable(skeleton);
  const fs::path folder = dir_ / "kept";
  nb201::SaveLatencyTable(table, folder / "lut.json");
  std::ofstream(folder / "table.csv") << std::ifstream(dir_ / "table.csv").rdbuf();
  const nlohmann::json config = {
      {"name", "kept"},
      {"space", {{"type", "nb201"}, {"latency_table", "lut.json"}}},
      {"evaluator", {{"type", "table"}, {"path", "table.csv"}, {"objective", "cifar10_valid"}}},
      {"objectives", {{{"metric", "cifar10_valid"}, {"goal", "maximize"}}}},
      {"strategy", {{"type", "random"}}},
      {"budget", {{"evaluations", 10}}},
      {"workers", 1},
      {"storage", "kept.sqlite"}};
  std::ofstream(folder / "kept.json") << config.dump(2);
  const std::string run = "run " + (folder / "kept.json").string() + " --quiet";
  const fs::path db = folder / "kept.sqlite";
  ASSERT_EQ(Sculpt(run).status, 0);

  table.stem_ms *= 10;  // measured again, on a slower machine
  nb201::SaveLatencyTable(table, folder / "lut.json");
  const auto resumed = Sculpt(run + " --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("nothing to resume: experiment 1 of this name finished but had "
                             "another config (differs in: space.latency_table)"),
            std::string::npos)
      << resumed.out;

  fs::remove(folder / "lut.json");
  const auto exported =
      Sculpt("export " + db.string() + " --experiment 1 --best --out " + (folder / "out").string());
  ASSERT_EQ(exported.status, 0) << exported.out;
  std::ifstream in(folder / "out" / "architecture.json");
  const nlohmann::json document = nlohmann::json::parse(in);
  EXPECT_TRUE(document["metrics"].contains("latency_lut_ms")) << document.dump();
  const auto report = Sculpt("report " + db.string() + " --text");
  EXPECT_EQ(report.status, 0) << report.out;
}

}  // namespace
}  // namespace sculpt
