// `sculpt rank` and the `listed` strategy end to end: a search that scores exactly the
// architectures of a file, then its ranking against a hand-made ground truth whose Kendall tau,
// Spearman rho and top ranks are worked out by hand.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/experiments/run_sculpt.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

using testing::Sculpt;

// NAS-Bench-201 cells that differ in one op, none isomorphic to another.
std::string Cell(const std::string& first, const std::string& last) {
  return "|" + first + "~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|" +
         last + "~2|";
}

class RankCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sculpt_rank_cli_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // The evaluator's scores: the truth's order with the 2nd and 3rd swapped.
    // Two more columns, not objectives: a latency in the score's order, and a number whose
    // name does not say which way is better.
    std::ofstream(dir_ / "scores.csv") << "arch,score,latency_ms,odd\n"
                                       << Cell("nor_conv_3x3", "nor_conv_3x3") << ",50,5,1\n"
                                       << Cell("nor_conv_1x1", "nor_conv_3x3") << ",30,3,2\n"
                                       << Cell("avg_pool_3x3", "nor_conv_3x3") << ",40,4,3\n"
                                       << Cell("skip_connect", "nor_conv_3x3") << ",20,2,4\n"
                                       << Cell("nor_conv_3x3", "nor_conv_1x1") << ",10,1,5\n";
    // The truth: one more architecture, better than all five, and one row without a number.
    std::ofstream(dir_ / "truth.csv")
        << "arch,accuracy\n"
        << Cell("nor_conv_3x3", "avg_pool_3x3") << ",6\n"
        << Cell("nor_conv_3x3", "nor_conv_3x3") << ",5\n"
        << Cell("nor_conv_1x1", "nor_conv_3x3") << ",4\n"
        << Cell("avg_pool_3x3", "nor_conv_3x3") << ",3\n"
        << Cell("skip_connect", "nor_conv_3x3") << ",2\n"
        << Cell("nor_conv_3x3", "nor_conv_1x1") << ",1\n"
        << Cell("nor_conv_3x3", "skip_connect") << ",N/A\n";
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static nlohmann::json Config(const std::string& name, nlohmann::json strategy) {
    return {{"name", name},
            {"seed", 3},
            {"space", {{"type", "nb201"}}},
            {"evaluator",
             {{"type", "table"},
              {"path", "scores.csv"},
              {"objective", "score"},
              {"report", {"latency_ms", "odd"}}}},
            {"objectives", {{{"metric", "score"}, {"goal", "maximize"}}}},
            {"strategy", std::move(strategy)},
            {"budget", {{"proposals", 1000}}},
            {"storage", name + ".sqlite"}};
  }

  static testing::SculptResult Run(const std::string& name, const nlohmann::json& strategy) {
    const fs::path config = dir_ / (name + ".json");
    std::ofstream(config) << Config(name, strategy).dump(2);
    fs::remove(dir_ / (name + ".sqlite"));
    return Sculpt("run " + config.string() + " --quiet");
  }

  static std::string Db(const std::string& name) { return (dir_ / (name + ".sqlite")).string(); }

  static fs::path dir_;
};

fs::path RankCliTest::dir_;

TEST_F(RankCliTest, ListedScoresEveryRowInOrderAndRankMatchesTheHandWorkedScores) {
  const auto run = Run("all", {{"type", "listed"}, {"path", "scores.csv"}});
  ASSERT_EQ(run.status, 0) << run.out;
  const auto proposed = Sculpt("query " + Db("all") + " --format csv --sql \"SELECT step, origin, "
                               "objective FROM candidates ORDER BY step\"");
  EXPECT_EQ(proposed.out,
            "step,origin,objective\n0,listed,50\n1,listed,30\n2,listed,40\n3,listed,20\n"
            "4,listed,10\n");
  const auto stopped = Sculpt("query " + Db("all") + " --format csv --sql \"SELECT "
                              "json_extract(summary, '$.stop_reason') FROM experiments\"");
  EXPECT_NE(stopped.out.find("strategy"), std::string::npos) << stopped.out;

  const std::string rank = "rank " + Db("all") + " --truth " + (dir_ / "truth.csv").string() +
                           " --column accuracy --format json";
  const auto ranked = Sculpt(rank);
  ASSERT_EQ(ranked.status, 0) << ranked.out;
  std::map<std::string, nlohmann::json> measures;
  for (const auto& row : nlohmann::json::parse(ranked.out)) measures[row["measure"]] = row["value"];
  EXPECT_EQ(measures["candidates matched"], 5);
  EXPECT_EQ(measures["table rows"], 7);
  EXPECT_DOUBLE_EQ(measures["kendall_tau"].get<double>(), 0.8);  // (9 - 1) / 10 pairs
  EXPECT_NEAR(measures["spearman_rho"].get<double>(), 0.9, 1e-12);  // 1 - 6 * 2 / (5 * 24)
  EXPECT_EQ(measures["top_10pct_size"], 1);
  EXPECT_DOUBLE_EQ(measures["top_10pct_precision"].get<double>(), 1.0);
  EXPECT_EQ(measures["top1_arch"], Cell("nor_conv_3x3", "nor_conv_3x3"));
  EXPECT_EQ(measures["top1_truth_rank"], 1);
  EXPECT_EQ(measures["top1_truth_rank_in_table"], 2);  // the unevaluated 6 is better
  EXPECT_EQ(measures["top5_truth_ranks"], "1, 3, 2, 4, 5");

  // Lower is better in the truth: the same ranking is now almost exactly wrong.
  const auto reversed = Sculpt(rank + " --truth-goal minimize");
  ASSERT_EQ(reversed.status, 0) << reversed.out;
  for (const auto& row : nlohmann::json::parse(reversed.out)) {
    if (row["measure"] == "kendall_tau") {
      EXPECT_DOUBLE_EQ(row["value"].get<double>(), -0.8);
    }
  }
  // A score whose lower values are better: a latency is taken as one (the scores' order is now
  // the truth's reversed), and --metric-goal says so of any metric.
  auto tau = [](const testing::SculptResult& result) {
    for (const auto& row : nlohmann::json::parse(result.out)) {
      if (row["measure"] == "kendall_tau") return row["value"].get<double>();
    }
    return std::nan("");
  };
  const auto latency = Sculpt(rank + " --metric latency_ms");
  ASSERT_EQ(latency.status, 0) << latency.out;
  EXPECT_DOUBLE_EQ(tau(latency), -0.8);
  EXPECT_NE(latency.out.find("latency_ms (lower is better)"), std::string::npos) << latency.out;
  EXPECT_DOUBLE_EQ(tau(Sculpt(rank + " --metric latency_ms --metric-goal maximize")), 0.8);
  EXPECT_DOUBLE_EQ(tau(Sculpt(rank + " --metric score --metric-goal minimize")), -0.8);
  const auto odd = Sculpt(rank + " --metric odd");
  EXPECT_EQ(odd.status, 2) << odd.out;
  EXPECT_NE(odd.out.find("add --metric-goal maximize or --metric-goal minimize"), std::string::npos)
      << odd.out;
  EXPECT_DOUBLE_EQ(tau(Sculpt(rank + " --metric odd --metric-goal minimize")), 1.0);
  // A candidate whose row has no number is named as such, not as missing from the table.
  std::ofstream(dir_ / "truth-gaps.csv") << "arch,accuracy\n"
                                         << Cell("nor_conv_3x3", "nor_conv_3x3") << ",5\n"
                                         << Cell("nor_conv_1x1", "nor_conv_3x3") << ",4\n"
                                         << Cell("avg_pool_3x3", "nor_conv_3x3") << ",\n"
                                         << Cell("skip_connect", "nor_conv_3x3") << ",nan\n";
  const auto gaps = Sculpt("rank " + Db("all") + " --truth " + (dir_ / "truth-gaps.csv").string() +
                           " --column accuracy --format json");
  ASSERT_EQ(gaps.status, 0) << gaps.out;
  measures.clear();
  for (const auto& row : nlohmann::json::parse(gaps.out)) measures[row["measure"]] = row["value"];
  EXPECT_EQ(measures["candidates matched"], 2);
  EXPECT_EQ(measures["candidates in the table without a number"], 2);
  EXPECT_EQ(measures["candidates not in the table"], 1);
  EXPECT_EQ(measures["table rows without a number (left out)"], 2);
  // A truth with one value for all: no order to compare, which a tau of 0 would hide.
  std::ofstream(dir_ / "truth-flat.csv") << "arch,accuracy\n"
                                         << Cell("nor_conv_3x3", "nor_conv_3x3") << ",5\n"
                                         << Cell("nor_conv_1x1", "nor_conv_3x3") << ",5\n";
  const auto flat = Sculpt("rank " + Db("all") + " --truth " + (dir_ / "truth-flat.csv").string() +
                           " --column accuracy --format json");
  ASSERT_EQ(flat.status, 0) << flat.out;
  EXPECT_NE(flat.out.find("undefined: every truth is the same"), std::string::npos) << flat.out;
  // Every score the same: no top either (it would be the file's order).
  std::ofstream(dir_ / "flat-scores.csv") << "arch,score,latency_ms,odd\n"
                                          << Cell("nor_conv_3x3", "nor_conv_3x3") << ",7,1,1\n"
                                          << Cell("nor_conv_1x1", "nor_conv_3x3") << ",7,1,1\n";
  nlohmann::json tied = Config("tied", {{"type", "listed"}, {"path", "flat-scores.csv"}});
  tied["evaluator"]["path"] = "flat-scores.csv";
  std::ofstream(dir_ / "tied.json") << tied.dump(2);
  ASSERT_EQ(Sculpt("run " + (dir_ / "tied.json").string() + " --quiet").status, 0);
  const auto tied_rank = Sculpt("rank " + Db("tied") + " --truth " + (dir_ / "truth.csv").string() +
                                " --column accuracy --format json");
  ASSERT_EQ(tied_rank.status, 0) << tied_rank.out;
  measures.clear();
  for (const auto& row : nlohmann::json::parse(tied_rank.out))
    measures[row["measure"]] = row["value"];
  EXPECT_EQ(measures["kendall_tau"], "undefined: every score is the same");
  EXPECT_EQ(measures["top1_truth_rank"], "undefined: every score is the same");
  // The table form, for people.
  const auto table = Sculpt("rank " + Db("all") + " --truth " + (dir_ / "truth.csv").string() +
                            " --column accuracy");
  EXPECT_EQ(table.status, 0) << table.out;
  EXPECT_NE(table.out.find("kendall_tau"), std::string::npos) << table.out;
}

// A listed file edited between a run and its --resume is another config: the resume names what
// differs instead of replaying other rows (or a table evaluator going on with other values).
TEST_F(RankCliTest, AListedFileEditedSinceTheRunIsAnotherConfig) {
  std::ofstream(dir_ / "edited.csv") << std::ifstream(dir_ / "scores.csv").rdbuf();
  ASSERT_EQ(Run("edited", {{"type", "listed"}, {"path", "edited.csv"}}).status, 0);
  std::ofstream(dir_ / "edited.csv", std::ios::app) << Cell("none", "nor_conv_3x3") << ",1,1,1\n";
  const auto resumed = Sculpt("run " + (dir_ / "edited.json").string() + " --quiet --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("nothing to resume: experiment 1 of this name finished but had "
                             "another config (differs in: strategy.path_contents)"),
            std::string::npos)
      << resumed.out;
  // The same config moved to another folder names the same files another way: the same config.
  nlohmann::json moved = Config("edited", {{"type", "listed"}, {"path", "../edited.csv"}});
  moved["evaluator"]["path"] = "../scores.csv";
  moved["storage"] = "../edited.sqlite";
  fs::create_directories(dir_ / "moved");
  std::ofstream(dir_ / "moved" / "edited.json") << moved.dump(2);
  const auto again =
      Sculpt("run " + (dir_ / "moved" / "edited.json").string() + " --quiet --resume");
  EXPECT_NE(again.out.find("nothing to resume: experiment 2 of this config finished"),
            std::string::npos)
      << again.out;
}

TEST_F(RankCliTest, ListedSampleIsSeededAndBadInputIsAClearError) {
  const nlohmann::json sample = {{"type", "listed"}, {"path", "scores.csv"}, {"sample", 3}};
  ASSERT_EQ(Run("sample", sample).status, 0);
  const std::string steps = " --format csv --sql \"SELECT arch FROM candidates ORDER BY step\"";
  const std::string first = Sculpt("query " + Db("sample") + steps).out;
  EXPECT_EQ(std::count(first.begin(), first.end(), '\n'), 4) << first;  // header + 3
  ASSERT_EQ(Run("sample", sample).status, 0);
  EXPECT_EQ(Sculpt("query " + Db("sample") + steps).out, first);

  struct Case {
    nlohmann::json strategy;
    std::string message;
  };
  std::ofstream(dir_ / "bad-row.csv") << "arch\n" << Cell("nor_conv_3x3", "nor_conv_3x3")
                                      << "\n|not_an_op~0|\n";
  std::ofstream(dir_ / "header-only.csv") << "arch\n";
  for (const Case& c : std::vector<Case>{
           {{{"type", "listed"}, {"path", "scores.csv"}, {"sample", 6}}, "more than the 5 rows"},
           {{{"type", "listed"}, {"path", "scores.csv"}, {"key", "archh"}}, "did you mean 'arch'"},
           {{{"type", "listed"}, {"path", "bad-row.csv"}}, "bad-row.csv row 3"},
           {{{"type", "listed"}, {"path", "header-only.csv"}}, "lists no architecture"},
           {{{"type", "listed"}, {"path", "missing.csv"}}, "missing.csv"},
           {{{"type", "listed"}}, "path"}}) {
    const auto result = Run("bad", c.strategy);
    EXPECT_EQ(result.status, 2) << c.strategy.dump() << "\n" << result.out;
    EXPECT_NE(result.out.find(c.message), std::string::npos) << result.out;
  }

  ASSERT_EQ(Run("all", {{"type", "listed"}, {"path", "scores.csv"}}).status, 0);
  const std::string truth = " --truth " + (dir_ / "truth.csv").string();
  std::ofstream(dir_ / "not-a-table.json")
      << "{\n  \"name\": \"x\", \"seed\": 1, \"other\": 2\n}\n";
  for (const auto& [args, status, message] : std::vector<std::tuple<std::string, int, std::string>>{
           {truth, 2, "--column COLUMN is required"},
           {truth + " --column accuracyy", 2, "did you mean 'accuracy'"},
           {truth + " --column accuracy --truth-goal up", 2, "maximize or minimize"},
           {truth + " --column accuracy --metric nope", 2, "no evaluated candidate"},
           {truth + " --column accuracy --metric scor", 2,
            "did you mean 'score'? (its candidates have flops, latency_ms, odd, params, score)"},
           {truth + " --column accuracy --metric-goal up", 2, "maximize or minimize"},
           {" --truth " + (dir_ / "bad-row.csv").string() + " --column arch", 2,
            "not an architecture of the experiment's space"},
           {" --truth " + (dir_ / "no-such.csv").string() + " --column accuracy", 2,
            "--truth: no file at "},
           {" --truth " + (dir_ / "not-a-table.json").string() + " --column accuracy", 2,
            "--truth: "},
           {" --truth " + (dir_ / "scores.csv").string() + " --column score --experiment 9", 2,
            "no experiment '9'"}}) {
    const auto result = Sculpt("rank " + Db("all") + args);
    EXPECT_EQ(result.status, status) << args << "\n" << result.out;
    EXPECT_NE(result.out.find(message), std::string::npos) << args << "\n" << result.out;
  }
  // A truth that shares fewer than two architectures with the experiment says what to do.
  std::ofstream(dir_ / "other.csv") << "arch,accuracy\n"
                                    << Cell("nor_conv_3x3", "avg_pool_3x3") << ",6\n";
  const auto unmatched = Sculpt("rank " + Db("all") + " --truth " + (dir_ / "other.csv").string() +
                                " --column accuracy");
  EXPECT_EQ(unmatched.status, 1) << unmatched.out;
  EXPECT_NE(unmatched.out.find("`listed` strategy"), std::string::npos) << unmatched.out;
}

}  // namespace
}  // namespace sculpt
