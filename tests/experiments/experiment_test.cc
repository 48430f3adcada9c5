#include "experiments/config/experiment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "experiments/store/table_format.h"
#include "spaces/cost_bounds.h"
#include "tests/experiments/test_table.h"
#include "tests/supernet/test_data.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

class ExperimentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sculpt_experiment_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    testing::WriteSyntheticNb201Table(dir_ / "table.csv");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static nlohmann::json ValidConfig() {
    return nlohmann::json::parse(R"({
      "name": "t", "seed": 3,
      "space": {"type": "nb201"},
      "evaluator": {"type": "table", "path": "table.csv", "objective": "cifar10_valid",
                    "report": ["cifar10_test"]},
      "objectives": [{"metric": "cifar10_valid", "goal": "maximize"}],
      "constraints": [{"metric": "params", "max": 1000000}],
      "strategy": {"type": "regularized_evolution", "population": 10, "sample": 3},
      "budget": {"evaluations": 20}, "batch": 2, "workers": 2,
      "storage": "runs/t.sqlite"})");
  }

  // The error messages of building `config`, or an empty list if it is valid.
  static std::vector<std::string> Errors(const nlohmann::json& config) {
    try {
      BuildExperiment(config, dir_, {});
    } catch (const ConfigError& error) {
      return error.Messages();
    }
    return {};
  }

  static void ExpectError(const nlohmann::json& config, const std::string& expected) {
    const std::vector<std::string> errors = Errors(config);
    bool found = false;
    for (const std::string& e : errors) found = found || e.find(expected) != std::string::npos;
    EXPECT_TRUE(found) << "expected an error containing: " << expected << "\ngot:\n"
                       << ::testing::PrintToString(errors);
  }

  static fs::path dir_;
};

fs::path ExperimentTest::dir_;

TEST_F(ExperimentTest, BuildsAValidConfigWithDefaultsFilledIn) {
  Experiment e = BuildExperiment(ValidConfig(), dir_, {});
  EXPECT_EQ(e.name, "t");
  EXPECT_EQ(e.seed, 3U);
  EXPECT_EQ(e.space_type, "nb201");
  EXPECT_EQ(e.engine.batch, 2);
  EXPECT_EQ(e.engine.workers, 2);
  EXPECT_EQ(*e.engine.budget.evaluations, 20);
  EXPECT_EQ(e.storage, dir_ / "runs/t.sqlite");
  ASSERT_EQ(e.constraints.size(), 1U);
  // Defaults appear in the canonical config.
  EXPECT_EQ(e.canonical_config["space"]["channels"], 16);
  EXPECT_EQ(e.canonical_config["budget"]["patience"], 100000);
  EXPECT_EQ(e.canonical_config["evaluator"]["key"], "arch");
}

TEST_F(ExperimentTest, OverridesReplaceConfigValues) {
  Overrides overrides;
  overrides.seed = 99;
  overrides.workers = 1;
  overrides.storage = "/tmp/elsewhere.sqlite";
  Experiment e = BuildExperiment(ValidConfig(), dir_, overrides);
  EXPECT_EQ(e.seed, 99U);
  EXPECT_EQ(e.engine.workers, 1);
  EXPECT_EQ(e.storage, "/tmp/elsewhere.sqlite");
  EXPECT_EQ(e.canonical_config["seed"], 99);
}

TEST_F(ExperimentTest, ReportsEveryErrorAtOnce) {
  nlohmann::json c = ValidConfig();
  c["strategy"]["population"] = -3;
  c["batch"] = 0;
  c["budget"]["evaluations"] = "many";
  const std::vector<std::string> errors = Errors(c);
  ASSERT_EQ(errors.size(), 3U) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0], "batch: expected an integer in [1, 1000000], got 0");
  EXPECT_EQ(errors[1], "strategy.population: expected an integer in [2, 1000000], got -3");
  EXPECT_EQ(errors[2], "budget.evaluations: expected an integer >= 1, got the string \"many\"");
}

TEST_F(ExperimentTest, UnknownKeysGetADidYouMean) {
  nlohmann::json c = ValidConfig();
  c["stratgy"] = c["strategy"];
  c["strategy"]["populaton"] = 5;
  ExpectError(c, "stratgy: unknown key; did you mean 'strategy'?");
  ExpectError(c, "strategy.populaton: unknown key; did you mean 'population'?");
}

TEST_F(ExperimentTest, UnknownComponentsListWhatIsRegistered) {
  nlohmann::json c = ValidConfig();
  c["space"]["type"] = "nb210";
  c["strategy"]["type"] = "evolution";
  c["evaluator"]["type"] = "tabel";
  ExpectError(c, "space.type: expected one of 'nb201', 'transformer', 'prune', got 'nb210'");
  ExpectError(c, "evaluator.type: expected one of 'table', 'cost'");
  ExpectError(c, "got 'tabel'; did you mean 'table'?");
  ExpectError(c, "strategy.type: expected one of 'random', 'regularized_evolution'");
}

TEST_F(ExperimentTest, ComparatorBlocksAreValidatedWithTheirPaths) {
  nlohmann::json c = ValidConfig();
  c["strategy"] = {{"type", "ctnas"},
                   {"comparator", {{"type", "nac"}, {"hiden", 32}, {"steps", 0}}}};
  ExpectError(c, "strategy.comparator.hiden: unknown key; did you mean 'hidden'?");
  ExpectError(c, "strategy.comparator.steps: expected an integer in [1, 1000000], got 0");
  c["strategy"]["comparator"] = {{"type", "nacc"}};
  ExpectError(c, "strategy.comparator.type: expected one of 'nac', got 'nacc'");

  // A valid block is kept, defaults filled in, in the canonical config.
  c["strategy"]["comparator"] = {{"hidden", 32}};
  Experiment e = BuildExperiment(c, dir_, {});
  ASSERT_NE(e.strategy, nullptr);
  const nlohmann::json& comparator = e.canonical_config["strategy"]["comparator"];
  EXPECT_EQ(comparator["hidden"], 32);
  EXPECT_EQ(comparator["type"], "nac");
  EXPECT_EQ(comparator["steps"], 100);
}

TEST_F(ExperimentTest, MissingBlocksAreReported) {
  nlohmann::json c = ValidConfig();
  c.erase("name");
  c.erase("objectives");
  c.erase("budget");
  c["space"].erase("type");
  ExpectError(c, "name: missing");
  ExpectError(c, "objectives: missing");
  ExpectError(c, "budget: set at least one of evaluations, proposals, seconds");
  ExpectError(c, "space.type: missing; expected one of 'nb201'");
}

TEST_F(ExperimentTest, ObjectivesMustBeVisibleMetrics) {
  nlohmann::json c = ValidConfig();
  c["objectives"] = {{{"metric", "cifar10_test"}}, {{"metric", "cifar10_vlaid"}, {"goal", "max"}}};
  ExpectError(c, "objectives[0].metric: 'cifar10_test' is report-only");
  ExpectError(c, "objectives[1].metric: unknown metric 'cifar10_vlaid'; did you mean 'cifar10_valid'?");
  ExpectError(c, "objectives[1].goal: expected one of 'maximize', 'minimize', got 'max'");
}

TEST_F(ExperimentTest, ConstraintsMustUseCostMetricsAndBounds) {
  nlohmann::json c = ValidConfig();
  c["constraints"] = {{{"metric", "cifar10_valid"}, {"max", 3}},
                      {{"metric", "params"}},
                      {{"metric", "flops"}, {"min", 5}, {"max", 1}}};
  ExpectError(c, "constraints[0].metric: 'cifar10_valid' is not known before evaluation; "
                 "constraints may use the space's cost metrics: params, flops");
  ExpectError(c, "constraints[1]: expected \"min\", \"max\" or both");
  ExpectError(c, "constraints[2].min: is greater than max");
}

// A latency table that does not load adds no latency_lut_ms: its error says so, alone.
TEST_F(ExperimentTest, ALatencyTableThatDoesNotLoadIsOneErrorBesideItsConstraint) {
  nlohmann::json c = ValidConfig();
  c["space"]["latency_table"] = "no-such-table.json";
  c["constraints"] = {{{"metric", "latency_lut_ms"}, {"max", 3}}};
  const std::vector<std::string> errors = Errors(c);
  ASSERT_EQ(errors.size(), 1U) << ::testing::PrintToString(errors);
  EXPECT_NE(errors.front().find("space.latency_table"), std::string::npos) << errors.front();
}

// An error that follows from another is not reported beside it.
TEST_F(ExperimentTest, ABudgetThatIsNotAnObjectIsOneError) {
  nlohmann::json c = ValidConfig();
  c["budget"] = 20;
  EXPECT_EQ(Errors(c), std::vector<std::string>{"budget: expected an object, got 20"});
  c["budget"] = nlohmann::json::object();
  EXPECT_EQ(Errors(c), std::vector<std::string>{
                           "budget: set at least one of evaluations, proposals, seconds"});
}

// A constraint no member of the space meets is refused before anything is trained for it; one
// that only the cheapest (or dearest) member meets is not.
TEST_F(ExperimentTest, AConstraintNoMemberMeetsIsAConfigError) {
  nlohmann::json c = ValidConfig();
  const Experiment valid = BuildExperiment(c, dir_, {});
  const std::optional<CostBounds> bounds = ReductionCostBounds(*valid.space);
  ASSERT_TRUE(bounds.has_value());
  const double cheapest = bounds->lowest.at("params");
  const double dearest = bounds->highest.at("flops");
  c["constraints"] = {{{"metric", "params"}, {"max", cheapest}},
                      {{"metric", "flops"}, {"min", dearest}}};
  EXPECT_EQ(BuildExperiment(c, dir_, {}).constraints.size(), 2U);
  c["constraints"] = {{{"metric", "params"}, {"max", cheapest - 1}},
                      {{"metric", "flops"}, {"min", dearest + 1}}};
  ExpectError(c, "constraints[0].max: params <= " + FormatNumber(cheapest - 1) +
                     " excludes every member of the space: the smallest, "
                     "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|, has " +
                     FormatNumber(cheapest));
  ExpectError(c, "constraints[1].min: flops >= " + FormatNumber(dearest + 1) +
                     " excludes every member of the space: the largest, ");
}

TEST_F(ExperimentTest, AMetricIsOneObjectiveOnly) {
  nlohmann::json c = ValidConfig();
  c["objectives"] = {{{"metric", "cifar10_valid"}, {"goal", "maximize"}},
                     {{"metric", "params"}, {"goal", "minimize"}},
                     {{"metric", "params"}, {"goal", "maximize"}}};
  c["strategy"] = {{"type", "nsga2"}};
  ExpectError(c,
              "objectives[2].metric: 'params' is already an objective; each metric may be one "
              "objective only");
}

TEST_F(ExperimentTest, TableProblemsAreConfigErrors) {
  nlohmann::json c = ValidConfig();
  c["evaluator"]["path"] = "missing.csv";
  ExpectError(c, "evaluator.path: cannot open table");
  // A relative path is the config's folder's: the error says where that led.
  ExpectError(c, "(read from the config's folder: /");
  c = ValidConfig();
  c["evaluator"]["objective"] = "accuracy";
  ExpectError(c, "evaluator.objective: no column 'accuracy'");
}

TEST_F(ExperimentTest, FinalIsAnAllowedKeyAndTyposOfItGetASuggestion) {
  nlohmann::json c = ValidConfig();
  c["fnal"] = {{"epochs", 1}};
  ExpectError(c, "fnal: unknown key; did you mean 'final'?");
  ExpectError(c, "final, name");  // listed among the allowed keys, absent or not
}

TEST_F(ExperimentTest, AliasesUsersTypeGetASuggestion) {
  nlohmann::json c = ValidConfig();
  c["objectives"][0]["goal"] = "min";
  ExpectError(c, "objectives[0].goal: expected one of 'maximize', 'minimize', got 'min'; "
                 "did you mean 'minimize'?");
  c = ValidConfig();
  c["strategy"]["pop"] = 10;
  ExpectError(c, "strategy.pop: unknown key; did you mean 'population'?");
}

TEST_F(ExperimentTest, AnEvaluatorErrorIsNotReportedAgainAsMissingObjectives) {
  nlohmann::json c = ValidConfig();
  c["evaluator"]["path"] = "missing.csv";
  c["strategy"] = {{"type", "nsga2"}, {"population", 8}};
  std::vector<std::string> errors = Errors(c);
  ASSERT_EQ(errors.size(), 1U) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("evaluator.path: cannot open table"), std::string::npos) << errors[0];
  // No objectives at all: said once, by the objectives, not again by the strategy.
  c = ValidConfig();
  c.erase("objectives");
  c["strategy"] = {{"type", "nsga2"}, {"population", 1}};
  errors = Errors(c);
  ASSERT_EQ(errors.size(), 2U) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0].rfind("objectives: missing", 0), 0U) << errors[0];
  EXPECT_EQ(errors[1].rfind("strategy.population:", 0), 0U) << errors[1];
}

TEST_F(ExperimentTest, AMissingLatencyMetricIsReportedAtOnceWithItsReason) {
  testing::WriteIdxDataset(dir_ / "data", 64, 16, 8, 4);
  nlohmann::json c = ValidConfig();
  c.erase("name");  // another error: the metric's must still be reported
  c["space"] = {{"type", "nb201"},       {"channels", 4},   {"cells_per_stage", 1},
                {"input_channels", 1},   {"input_size", 8}, {"classes", 4}};
  c["evaluator"] = {{"type", "train"},
                    {"dataset", {{"path", "data"}, {"validation_size", 16}}},
                    {"training", {{"epochs", 1}, {"batch_size", 16}}}};
  c["objectives"] = {{{"metric", "valid_accuracy"}, {"goal", "maximize"}},
                     {{"metric", "latency_ms"}, {"goal", "minimize"}}};
  const std::vector<std::string> errors = Errors(c);
  ASSERT_EQ(errors.size(), 2U) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0], "name: missing");
  EXPECT_NE(errors[1].find("objectives[1].metric: unknown metric 'latency_ms'"),
            std::string::npos)
      << errors[1];
  EXPECT_NE(errors[1].find("evaluator.latency_runs is 0"), std::string::npos) << errors[1];
  // With latency timed, the same objectives are valid.
  c["name"] = "timed";
  c["evaluator"]["latency_runs"] = 2;
  EXPECT_EQ(Errors(c), std::vector<std::string>());
  c["evaluator"]["training"]["lr"] = 0.1;
  ExpectError(c, "evaluator.training.lr: unknown key; did you mean 'learning_rate'?");
}

// head_drop drops attention heads: a family without them, or a chance outside [0, 0.95], is
// an error of the key that set it, in the train evaluator's training block and in "final".
TEST_F(ExperimentTest, HeadDropNeedsHeadsAndAChanceBelowOne) {
  testing::WriteIdxDataset(dir_ / "data", 64, 16, 8, 4);
  nlohmann::json c = ValidConfig();
  c["space"] = {{"type", "nb201"},       {"channels", 4},   {"cells_per_stage", 1},
                {"input_channels", 1},   {"input_size", 8}, {"classes", 4}};
  c["evaluator"] = {{"type", "train"},
                    {"dataset", {{"path", "data"}, {"validation_size", 16}}},
                    {"training", {{"epochs", 1}, {"batch_size", 16}, {"head_drop", 0.2}}}};
  c["objectives"] = {{{"metric", "valid_accuracy"}, {"goal", "maximize"}}};
  c.erase("constraints");
  ExpectError(c, "evaluator.training.head_drop: the nb201 family's networks have no attention "
                 "heads to drop");
  c["evaluator"]["training"].erase("head_drop");
  EXPECT_EQ(Errors(c), std::vector<std::string>());
  c["final"] = {{"epochs", 1}, {"batch_size", 16}, {"head_drop", 0.2}};
  ExpectError(c, "final.head_drop: the nb201 family's networks have no attention heads");

  c["space"] = {{"type", "transformer"}, {"input_channels", 1}, {"input_size", 8},
                {"patch_size", 4},       {"layers", 2},       {"embed_dims", {8}},
                {"heads", {1, 2}},       {"head_dim", 4},     {"ffn_dims", {8}},
                {"classes", 4}};
  EXPECT_EQ(Errors(c), std::vector<std::string>());
  c["final"]["head_drop"] = 1.5;
  ExpectError(c, "final.head_drop:");
  c["final"]["head_drop"] = 0.3;
  c["evaluator"]["training"]["head_drop"] = -0.1;
  ExpectError(c, "evaluator.training.head_drop:");
}

TEST_F(ExperimentTest, ABinaryTableGivesAShortPrintableError) {
  std::string bytes = "\x7f" "ELF\x02\x01";
  bytes += std::string(1, '\0');
  // One long header line of every byte value but the CSV's own separators and quotes.
  for (int i = 0; i < 5000; ++i) {
    const int b = (i * 37) % 256;
    bytes += static_cast<char>(b == '\n' || b == '\r' || b == ',' || b == '"' ? 0 : b);
  }
  std::ofstream(dir_ / "binary.csv", std::ios::binary) << bytes;
  nlohmann::json c = ValidConfig();
  c["evaluator"]["path"] = "binary.csv";
  const std::vector<std::string> errors = Errors(c);
  ASSERT_FALSE(errors.empty());
  for (const std::string& error : errors) {
    EXPECT_EQ(error.find('\0'), std::string::npos);
    EXPECT_LT(error.size(), 600U) << error;
    for (const char ch : error) {
      EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) << error;
    }
  }
  ExpectError(c, "evaluator.");
  ExpectError(c, "\\x00");  // the bytes are escaped, not dropped
  // what() is a C string: the whole message survives it, the last error included.
  try {
    BuildExperiment(c, dir_, {});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    const std::string what = error.what();
    ASSERT_GE(what.size(), errors.back().size());
    EXPECT_EQ(what.substr(what.size() - errors.back().size()), errors.back()) << what;
  }
}

TEST_F(ExperimentTest, WrongTypesAreReported) {
  nlohmann::json c = ValidConfig();
  c["space"] = "nb201";
  c["constraints"] = {{"metric", "params"}};
  c["workers"] = 1.5;
  ExpectError(c, "space: expected an object, got the string \"nb201\"");
  ExpectError(c, "workers: expected an integer in [1, 1024], got 1.5");
}

TEST_F(ExperimentTest, ThreadsTimesWorkersMayNotExceedTheCores) {
  nlohmann::json c = ValidConfig();
  c["workers"] = 2;
  c["threads_per_worker"] = 1024;
  ExpectError(c, "threads_per_worker: 2 workers x 1024 threads exceed the");
}

TEST_F(ExperimentTest, LoadReportsUnreadableAndInvalidFiles) {
  EXPECT_THROW(LoadExperiment(dir_ / "nope.json", {}), ConfigError);
  std::ofstream(dir_ / "bad.json") << "{\n  \"name\": \"x\",\n  oops\n}\n";
  try {
    LoadExperiment(dir_ / "bad.json", {});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("bad.json:3: not valid JSON"), std::string::npos)
        << error.what();
  }
}

// A key written twice (a copy-paste slip) would silently keep the last value; each is named by
// its path, also inside lists, and the same key in two objects is fine.
TEST_F(ExperimentTest, AKeyWrittenTwiceInOneObjectIsNamed) {
  std::ofstream(dir_ / "twice.json")
      << R"({"name": "x", "seed": 0, "seed": 5, "space": {"type": "nb201"},
             "objectives": [{"metric": "params", "goal": "minimize"},
                            {"metric": "flops", "goal": "maximize", "goal": "minimize"}],
             "constraints": [{"metric": "params", "max": 3}]})";
  try {
    LoadExperiment(dir_ / "twice.json", {});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_EQ(error.Messages(),
              (std::vector<std::string>{
                  "seed: written more than once in one object (JSON keeps only the last); keep one",
                  "objectives[].goal: written more than once in one object (JSON keeps only the "
                  "last); keep one"}));
  }
}

// Inputs that crashed, hung or ran wrongly (issue 10): each a clear config error now.
TEST_F(ExperimentTest, FilesThatAreNoConfigAreRefusedBeforeReading) {
  auto expect_load_error = [](const fs::path& path, const std::string& expected) {
    try {
      LoadExperiment(path, {});
      ADD_FAILURE() << path << " was accepted";
    } catch (const ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  };
  // A device would be read forever.
  expect_load_error("/dev/zero", "is not a regular file");
  // Nested 100,000 deep: printing or freeing it overflowed the stack.
  std::ofstream(dir_ / "deep.json") << std::string(100000, '[') << std::string(100000, ']');
  expect_load_error(dir_ / "deep.json", "nested more than 64 levels deep");
  // A number no double holds: the file and the line.
  std::ofstream(dir_ / "overflow.json") << "{\n  \"name\": \"x\",\n  \"seed\": 1e999999\n}\n";
  expect_load_error(dir_ / "overflow.json", "overflow.json:3: not valid JSON");
}

TEST_F(ExperimentTest, EmptyMetricNamesAndHugeUnknownKeysAreClearErrors) {
  nlohmann::json c = ValidConfig();
  c["objectives"] = {{{"metric", ""}, {"goal", "maximize"}}};
  ExpectError(c, "objectives[0].metric: must not be empty");
  // No goal by default: a search that maximises params by omission runs the wrong way.
  c["objectives"] = {{{"metric", "params"}}};
  ExpectError(c,
              "objectives[0].goal: missing; \"maximize\" or \"minimize\" (is more params "
              "better or worse?)");
  c = ValidConfig();
  c["constraints"] = {{{"metric", ""}, {"max", 3}}};
  ExpectError(c, "constraints[0].metric: must not be empty");
  c = ValidConfig();
  c["storage"] = "";  // SQLite would keep the results in a temporary file, lost at the end
  ExpectError(c, "storage: must not be empty (the default: runs/<name>.sqlite)");
  c = ValidConfig();
  c[std::string(1'000'000, 'k')] = 1;
  const std::vector<std::string> errors = Errors(c);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors.front().find("unknown key of 1000000 characters"), std::string::npos);
  EXPECT_LT(errors.front().size(), 1000U);
}

TEST_F(ExperimentTest, ABudgetThatCannotEndIsRefused) {
  nlohmann::json c = ValidConfig();
  c["budget"] = {{"evaluations", nullptr}};
  ExpectError(c, "budget.evaluations: null is no limit");
  ExpectError(c, "budget: set at least one of evaluations, proposals, seconds");
  // Without patience only proposals or seconds end a search that keeps finding what it saw.
  c["budget"] = {{"evaluations", 100}, {"patience", 0}};
  ExpectError(c, "budget.patience: 0 (never stop for want of new architectures) needs a budget "
                 "of proposals or seconds too");
  c["budget"]["proposals"] = 1000000;
  EXPECT_TRUE(Errors(c).empty());
}

TEST_F(ExperimentTest, ATableWithoutPathOrRowsIsRefused) {
  nlohmann::json c = ValidConfig();
  c["evaluator"]["path"] = "";
  ExpectError(c, "evaluator.path: must not be empty");
  std::ofstream(dir_ / "header-only.csv") << "arch,cifar10_valid,cifar10_test\n";
  c["evaluator"]["path"] = "header-only.csv";
  ExpectError(c, "header-only.csv has a header but no rows");
}

TEST_F(ExperimentTest, PathsResolveAgainstTheConfigFile) {
  fs::create_directories(dir_ / "sub");
  nlohmann::json c = ValidConfig();
  c["evaluator"]["path"] = "../table.csv";
  std::ofstream(dir_ / "sub" / "c.json") << c.dump();
  Experiment e = LoadExperiment(dir_ / "sub" / "c.json", {});
  EXPECT_EQ(e.storage, dir_ / "sub" / "runs/t.sqlite");
}

}  // namespace
}  // namespace sculpt
