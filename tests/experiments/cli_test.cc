// End-to-end tests of the `sculpt` binary on a small synthetic table.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/experiments/run_sculpt.h"

#include "tests/experiments/test_table.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

using Result = testing::SculptResult;
using testing::Sculpt;

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sculpt_cli_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    testing::WriteSyntheticNb201Table(dir_ / "table.csv");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static nlohmann::json Config(const std::string& name) {
    return {{"name", name},
            {"seed", 1},
            {"space", {{"type", "nb201"}}},
            {"evaluator",
             {{"type", "table"}, {"path", "table.csv"}, {"objective", "cifar10_valid"},
              {"report", {"cifar10_test"}}}},
            {"objectives", {{{"metric", "cifar10_valid"}, {"goal", "maximize"}}}},
            {"constraints", {{{"metric", "params"}, {"max", 1000000}}}},
            {"strategy", {{"type", "regularized_evolution"}, {"population", 8}, {"sample", 3}}},
            {"budget", {{"evaluations", 40}}},
            {"batch", 2},
            {"workers", 2},
            {"storage", "runs/" + name + ".sqlite"}};
  }

  static fs::path WriteConfig(const std::string& file, const nlohmann::json& config) {
    std::ofstream(dir_ / file) << config.dump(2);
    return dir_ / file;
  }

  static fs::path dir_;
};

fs::path CliTest::dir_;

TEST_F(CliTest, RunQueryAndExport) {
  const fs::path config = WriteConfig("re.json", Config("re"));
  const Result run = Sculpt("run " + config.string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("Best candidate #"), std::string::npos) << run.out;
  const fs::path db = dir_ / "runs/re.sqlite";
  ASSERT_TRUE(fs::exists(db));

  const Result top = Sculpt("query " + db.string() + " --top 3 --format json");
  ASSERT_EQ(top.status, 0) << top.out;
  const nlohmann::json rows = nlohmann::json::parse(top.out);
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_GE(rows[0]["cifar10_valid"].get<double>(), rows[1]["cifar10_valid"].get<double>());
  EXPECT_TRUE(rows[0].contains("cifar10_test"));
  EXPECT_TRUE(rows[0].contains("params"));
  EXPECT_NE(rows[0]["arch"].get<std::string>().find("~0|"), std::string::npos);

  const Result sql = Sculpt("query " + db.string() +
                            " --format csv --sql \"SELECT count(*) AS n FROM candidates WHERE "
                            "repeat_of_step IS NULL AND status = 'ok'\"");
  ASSERT_EQ(sql.status, 0) << sql.out;
  EXPECT_EQ(sql.out, "n\n40\n");

  const Result exported = Sculpt("export " + db.string() + " --best --out " + (dir_ / "out").string());
  ASSERT_EQ(exported.status, 0) << exported.out;
  std::ifstream in(dir_ / "out" / "architecture.json");
  const nlohmann::json spec = nlohmann::json::parse(in);
  EXPECT_EQ(spec["arch"], rows[0]["arch"]);
  EXPECT_EQ(spec["encoding"]["vector"].size(), 30U);  // six 5-way one-hots
  EXPECT_EQ(spec["encoding"]["num_nodes"], 8);
}

TEST_F(CliTest, SameSeedSameResultsWhateverTheWorkers) {
  const fs::path config = WriteConfig("det.json", Config("det"));
  ASSERT_EQ(Sculpt("run " + config.string() + " --workers 1 --quiet").status, 0);
  ASSERT_EQ(Sculpt("run " + config.string() + " --workers 2 --quiet").status, 0);
  const std::string db = (dir_ / "runs/det.sqlite").string();
  const Result diff = Sculpt(
      "query " + db +
      " --format csv --sql \"SELECT count(*) AS differences FROM candidates a JOIN candidates b "
      "ON a.step = b.step AND a.experiment_id = 1 AND b.experiment_id = 2 WHERE a.arch <> b.arch "
      "OR a.status <> b.status OR a.objective IS NOT b.objective\"");
  ASSERT_EQ(diff.status, 0) << diff.out;
  EXPECT_EQ(diff.out, "differences\n0\n");
}

TEST_F(CliTest, BadConfigExitsWithTwoAndCreatesNothing) {
  nlohmann::json config = Config("bad");
  config["strategy"]["population"] = -3;
  config["budgt"] = config["budget"];
  const Result run = Sculpt("run " + WriteConfig("bad.json", config).string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("strategy.population: expected an integer in [2, 1000000], got -3"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("budgt: unknown key; did you mean 'budget'?"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(dir_ / "runs/bad.sqlite"));
}

TEST_F(CliTest, UsageErrorsAndHelp) {
  EXPECT_EQ(Sculpt("").status, 2);
  EXPECT_EQ(Sculpt("frobnicate").status, 2);
  EXPECT_EQ(Sculpt("run").status, 2);
  const Result typo = Sculpt("run x.json --sed 3");
  EXPECT_EQ(typo.status, 2);
  EXPECT_NE(typo.out.find("did you mean --seed?"), std::string::npos) << typo.out;
  for (const char* command : {"run", "query", "export", "list"}) {
    const Result help = Sculpt(std::string(command) + " --help");
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_NE(help.out.find("usage: sculpt " + std::string(command)), std::string::npos)
        << help.out;
  }
  EXPECT_EQ(Sculpt("query " + (dir_ / "no-such.sqlite").string()).status, 1);
  EXPECT_FALSE(fs::exists(dir_ / "no-such.sqlite"));
}

TEST_F(CliTest, CtrlCFinishesTheBatchWritesItAndStops) {
  nlohmann::json config = Config("interrupted");
  config["budget"] = {{"seconds", 60}, {"patience", 0}};  // would run for a minute
  const fs::path path = WriteConfig("interrupted.json", config);
  // Interrupt once the run has announced itself (its handler is installed by then).
  const std::string log = (dir_ / "interrupted.log").string();
  const Result run = Sculpt("run " + path.string() + " --quiet 2>" + log +
                            " & pid=$!; for i in $(seq 300); do grep -q 'results in' " + log +
                            " && break; sleep 0.1; done; sleep 0.5; kill -INT $pid; wait $pid");
  EXPECT_EQ(run.status, 130) << run.out;
  EXPECT_NE(run.out.find("Search stopped: interrupted"), std::string::npos) << run.out;
  const std::string db = (dir_ / "runs/interrupted.sqlite").string();
  const Result check = Sculpt(
      "query " + db + " --format csv --sql \"SELECT e.status, json_extract(e.summary, "
      "'$.proposals') = (SELECT count(*) FROM candidates c WHERE c.experiment_id = e.id) AS "
      "all_written FROM experiments e\"");
  EXPECT_EQ(check.out, "status,all_written\ninterrupted,1\n");
}

TEST_F(CliTest, ParetoListsExactlyTheNonDominatedCandidates) {
  nlohmann::json config = Config("pareto");
  config["objectives"] = {{{"metric", "cifar10_valid"}, {"goal", "maximize"}},
                          {{"metric", "flops"}, {"goal", "minimize"}}};
  config["strategy"] = {{"type", "nsga2"}, {"population", 8}};
  ASSERT_EQ(Sculpt("run " + WriteConfig("pareto.json", config).string() + " --quiet").status, 0);
  const std::string db = (dir_ / "runs/pareto.sqlite").string();
  const Result front = Sculpt("query " + db + " --pareto --format json");
  ASSERT_EQ(front.status, 0) << front.out;
  const nlohmann::json rows = nlohmann::json::parse(front.out);
  ASSERT_FALSE(rows.empty());
  const Result all = Sculpt("query " + db + " --top 1000 --format json");
  const nlohmann::json everyone = nlohmann::json::parse(all.out);
  auto dominates = [](const nlohmann::json& a, const nlohmann::json& b) {
    const double av = a["cifar10_valid"], bv = b["cifar10_valid"], af = a["flops"], bf = b["flops"];
    return av >= bv && af <= bf && (av > bv || af < bf);
  };
  std::set<std::int64_t> on_front;
  for (const auto& r : rows) on_front.insert(r["id"].get<std::int64_t>());
  for (const auto& c : everyone) {
    bool dominated = false;
    for (const auto& other : everyone) dominated = dominated || dominates(other, c);
    EXPECT_EQ(on_front.count(c["id"].get<std::int64_t>()) == 1, !dominated) << c.dump();
  }
  EXPECT_EQ(Sculpt("query " + db + " --pareto --top 3").status, 2);
}

TEST_F(CliTest, ListShowsRegisteredComponents) {
  const Result strategies = Sculpt("list strategies");
  ASSERT_EQ(strategies.status, 0);
  EXPECT_NE(strategies.out.find("regularized_evolution"), std::string::npos);
  EXPECT_NE(Sculpt("list spaces").out.find("nb201"), std::string::npos);
  EXPECT_NE(Sculpt("list evaluators").out.find("table"), std::string::npos);
  EXPECT_EQ(Sculpt("list nothing").status, 2);
}

}  // namespace
}  // namespace sculpt
