// `sculpt query` and `sculpt export` at the level of their command functions, on small database
// files in a temporary folder; and the table formats they print.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/store/store.h"
#include "experiments/store/table_format.h"
#include "spaces/errors.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

CandidateRecord Record(std::int64_t step, double accuracy, double params) {
  CandidateRecord r;
  r.step = step;
  r.arch_text = "|op" + std::to_string(step) + "~0|+|skip, \"quoted\"~1|";
  r.hash = static_cast<std::uint64_t>(step) * 0x9E3779B97F4A7C15ULL;
  r.strategy = "evolution";
  r.origin = "mutation";
  r.metrics = {{"accuracy", accuracy}, {"params", params}};
  r.objective = accuracy;
  r.eval_seconds = 0.5;
  return r;
}

// The message of the UsageError `command` throws; "(no UsageError)" when it throws none.
template <class Command>
std::string UsageErrorOf(Command command) {
  try {
    command();
  } catch (const UsageError& error) {
    return error.what();
  }
  return "(no UsageError)";
}

constexpr const char* kRealCell =
    "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|";

// Two experiments: "search" (maximize accuracy; steps 0-3 evaluated, 4 repeats 2, 5 failed) and
// "compact" (minimize params).
class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sculpt_query_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "runs.sqlite").string();
    auto store = ResultStore::Open(db_);
    search_ = store->CreateExperiment("search", {{"name", "search"}, {"seed", 3}}, "nb201",
                                      "evolution", {"accuracy", Goal::kMaximize}, 3);
    std::vector<CandidateRecord> records = {Record(0, 70.0, 3e5), Record(1, 85.0, 9e5),
                                            Record(2, 91.0, 1.4e6), Record(3, 88.0, 2e5)};
    CandidateRecord repeat = records[2];
    repeat.step = 4;
    repeat.repeat_of = 2;
    repeat.metrics.clear();
    records.push_back(repeat);
    CandidateRecord failed = Record(5, 0.0, 1e6);
    failed.status = CandidateStatus::kFailed;
    failed.error = "evaluator crashed";
    failed.objective.reset();
    records.push_back(failed);
    store->Writer(search_)->Write(records);
    store->FinishExperiment(search_, "finished", {{"proposals", 6}});

    compact_ = store->CreateExperiment("compact", {{"name", "compact"}}, "nb201", "random",
                                       {"params", Goal::kMinimize}, 4);
    std::vector<CandidateRecord> compact = {Record(0, 70.0, 3e5), Record(1, 60.0, 1e5),
                                            Record(2, 80.0, 2e5)};
    for (CandidateRecord& r : compact) r.objective = r.metrics.at("params");
    store->Writer(compact_)->Write(compact);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs a command; returns its stdout.
  std::string Run(int (*command)(const std::vector<std::string>&, Streams),
                  std::vector<std::string> args, int expected_status = 0) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(command(args, Streams{out, err}), expected_status);
    return out.str();
  }

  std::int64_t CandidateId(std::int64_t experiment, std::int64_t step) {
    return ResultStore::OpenReadOnly(db_)->CandidateAtStep(experiment, step)->id;
  }

  // A fourth experiment, "cells", as "search" but with real nb201 cells (what export
  // validates): steps 0-3 evaluated, step 2 the best. Returns its id.
  std::int64_t WithRealCells() {
    auto store = ResultStore::Open(db_);
    const std::int64_t id = store->CreateExperiment(
        "cells", {{"name", "cells"}, {"seed", 3}, {"space", {{"type", "nb201"}}}}, "nb201",
        "evolution", {"accuracy", Goal::kMaximize}, 3);
    std::vector<CandidateRecord> records = {Record(0, 70.0, 3e5), Record(1, 85.0, 9e5),
                                            Record(2, 91.0, 1.4e6), Record(3, 88.0, 2e5)};
    const char* cells[] = {
        "|none~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|",
        "|nor_conv_1x1~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|", kRealCell,
        "|avg_pool_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|skip_connect~2|"};
    for (std::size_t i = 0; i < records.size(); ++i) records[i].arch_text = cells[i];
    store->Writer(id)->Write(records);
    store->FinishExperiment(id, "finished", {{"proposals", 4}});
    return id;
  }

  // A third experiment, "family", as a supernet search stores it (accuracy a fraction; two
  // objectives): two random candidates, then evolution with parent links, a repeat among
  // them; and a supernet training run of two epochs. Returns the training run's id.
  //   step 0 random               acc 0.60 params 3e5
  //   step 1 random               acc 0.70 params 1e5
  //   step 2 evolution, parent 1  acc 0.75 params 2e5
  //   step 3 evolution, parent 2  a repeat of step 2
  //   step 4 evolution, parent 3  acc 0.80 params 4e5
  //   step 5 evolution, parent 0  acc 0.65 params 5e4
  std::int64_t AddFamily() {
    auto store = ResultStore::Open(db_);
    const json config = json::parse(R"({"name": "family", "evaluator": {"type": "supernet"},
        "objectives": [{"metric": "accuracy", "goal": "maximize"},
                       {"metric": "params", "goal": "minimize"}]})");
    family_ = store->CreateExperiment("family", config, "nb201", "regularized_evolution",
                                      {"accuracy", Goal::kMaximize}, 5);
    const std::vector<std::tuple<double, double, std::int64_t>> values = {
        {0.60, 3e5, -1}, {0.70, 1e5, -1}, {0.75, 2e5, 1}, {0, 0, 2}, {0.80, 4e5, 3},
        {0.65, 5e4, 0}};
    std::vector<CandidateRecord> records;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto& [accuracy, params, parent] = values[i];
      CandidateRecord r = Record(static_cast<std::int64_t>(i), accuracy, params);
      r.parent = parent;
      r.strategy = parent < 0 ? "random" : "evolution";
      r.origin = parent < 0 ? "random" : "mutation";
      records.push_back(r);
    }
    records[3] = records[2];
    records[3].step = 3;
    records[3].parent = 2;
    records[3].repeat_of = 2;
    records[3].metrics.clear();
    store->Writer(family_)->Write(records);
    const std::int64_t run = store->BeginTrainingRun(family_, std::nullopt, "supernet", {});
    store->RecordEpoch(run, 1, {{"train_loss", 1.2}, {"train_accuracy", 0.5}, {"lr", 0.1},
                                {"seconds", 2.0}, {"arch_entropy", 1.5}});
    store->RecordEpoch(run, 2, {{"train_loss", 0.8}, {"train_accuracy", 0.7},
                                {"valid_accuracy", 0.65}, {"lr", 0.05}, {"seconds", 2.0}});
    store->FinishTrainingRun(run, "finished", {});
    return run;
  }

  // The steps of a JSON candidate list, in order.
  static std::vector<std::int64_t> Steps(const json& rows) {
    std::vector<std::int64_t> steps;
    for (const json& row : rows) steps.push_back(row["step"].get<std::int64_t>());
    return steps;
  }

  json FamilyJson(std::vector<std::string> options) {
    std::vector<std::string> args = {db_, "--experiment", "family", "--format", "json"};
    args.insert(args.end(), options.begin(), options.end());
    return json::parse(Run(QueryCommand, args));
  }

  fs::path dir_;
  std::string db_;
  std::int64_t search_ = 0;
  std::int64_t compact_ = 0;
  std::int64_t family_ = 0;
};

TEST_F(QueryTest, ListsExperiments) {
  const std::string text = Run(QueryCommand, {db_});
  EXPECT_NE(text.find("search"), std::string::npos) << text;
  EXPECT_NE(text.find("compact"), std::string::npos) << text;
  EXPECT_NE(text.find("max accuracy"), std::string::npos) << text;

  const json list = json::parse(Run(QueryCommand, {db_, "--format", "json"}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["id"], search_);
  EXPECT_EQ(list[0]["name"], "search");
  EXPECT_EQ(list[0]["status"], "finished");
  // Evaluations as a budget counts them (the failed one included, the repeat not) apart from
  // proposals.
  EXPECT_EQ(list[0]["evaluations"], 5);
  EXPECT_EQ(list[0]["proposals"], 6);
  EXPECT_FALSE(list[0].contains("candidates"));
  EXPECT_EQ(list[0]["best"], 91.0);
  EXPECT_EQ(list[1]["objective"], "min params");
  EXPECT_EQ(list[1]["best"], 1e5);
  EXPECT_EQ(list[1]["status"], "running");
  // A run with several objectives lists them all, the first (which "best" is of) first.
  AddFamily();
  const json three = json::parse(Run(QueryCommand, {db_, "--format", "json"}));
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[2]["objective"], "max accuracy, min params");

  const json one =
      json::parse(Run(QueryCommand, {db_, "--experiment", "compact", "--format=json"}));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]["id"], compact_);
}

TEST_F(QueryTest, TopAsJsonHasNumbersInObjectiveOrder) {
  const json top = json::parse(
      Run(QueryCommand, {db_, "--experiment", "search", "--top", "3", "--format", "json"}));
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0]["step"], 2);
  EXPECT_EQ(top[1]["step"], 3);
  EXPECT_EQ(top[2]["step"], 1);
  EXPECT_TRUE(top[0]["accuracy"].is_number());
  EXPECT_EQ(top[0]["accuracy"], 91.0);
  EXPECT_EQ(top[0]["params"], 1.4e6);
  EXPECT_EQ(top[0]["id"], CandidateId(search_, 2));
  EXPECT_EQ(top[0]["arch"], "|op2~0|+|skip, \"quoted\"~1|");
  EXPECT_EQ(top[0].size(), 5u);  // id, step, arch, accuracy, params

  // Default experiment: the newest ("compact", minimize params).
  const json newest = json::parse(Run(QueryCommand, {db_, "--top", "2", "--format", "json"}));
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0]["params"], 1e5);
  EXPECT_EQ(newest[1]["params"], 2e5);
}

TEST_F(QueryTest, TopAsTableAndCsv) {
  const std::string table = Run(QueryCommand, {db_, "--experiment", "1", "--top", "2"});
  std::istringstream lines(table);
  std::string header;
  std::string rule;
  std::getline(lines, header);
  std::getline(lines, rule);
  EXPECT_EQ(header.rfind("id", 0), 0u) << table;
  EXPECT_NE(header.find("accuracy"), std::string::npos);
  EXPECT_NE(header.find("params"), std::string::npos);
  EXPECT_EQ(rule.find_first_not_of("- "), std::string::npos) << rule;
  EXPECT_NE(table.find("1400000"), std::string::npos) << table;

  const std::string csv =
      Run(QueryCommand, {db_, "--experiment", "search", "--top", "1", "--format", "csv"});
  EXPECT_EQ(csv, "id,step,arch,accuracy,params\n" + std::to_string(CandidateId(search_, 2)) +
                     ",2,\"|op2~0|+|skip, \"\"quoted\"\"~1|\",91,1400000\n");
}

TEST_F(QueryTest, RunsUserSql) {
  const json rows = json::parse(
      Run(QueryCommand, {db_, "--sql",
                         "SELECT metric, count(*) AS n, max(value) AS top FROM candidate_metrics "
                         "WHERE experiment_id = " +
                             std::to_string(search_) + " GROUP BY metric ORDER BY metric",
                         "--format", "json"}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["metric"], "accuracy");
  EXPECT_EQ(rows[0]["n"], 5);  // four evaluations and the failed one, not the repeat
  EXPECT_EQ(rows[0]["top"], 91.0);

  // SQL that cannot run as given is bad input (exit status 2), as a bad --where is.
  const std::string bad_column = UsageErrorOf([&] {
    Run(QueryCommand, {db_, "--sql", "SELECT nope FROM candidates"});
  });
  EXPECT_NE(bad_column.find("no such column: nope"), std::string::npos) << bad_column;
  EXPECT_THROW(Run(QueryCommand, {db_, "--sql", "SELEC 1"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--sql", "SELECT 1; SELECT 2"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--sql", "DELETE FROM candidates"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--sql", "SELECT 1", "--timeout", "-1"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--sql", "SELECT 1", "--timeout", "abc"}), UsageError);
  EXPECT_EQ(ResultStore::OpenReadOnly(db_)->Stats(search_).candidates, 6);
}

TEST_F(QueryTest, RejectsBadUsage) {
  EXPECT_THROW(Run(QueryCommand, {db_, "--format", "xml"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--top", "0"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--sql", "SELECT 1", "--top", "3"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--experiment", "nothing", "--top", "3"}), UsageError);
  const std::string help = Run(QueryCommand, {"--help"});
  EXPECT_NE(help.find("usage: sculpt query DB"), std::string::npos);
}

// A path that holds no Sculpt database is the user's input (a typo, the config instead of its
// database), answered as `sculpt run` answers a storage path of another kind: exit status 2.
TEST_F(QueryTest, MissingDatabaseOrAnotherFileIsAUsageErrorAndNothingIsCreated) {
  const fs::path missing = dir_ / "missing.sqlite";
  try {
    Run(QueryCommand, {missing.string()});
    FAIL() << "expected a UsageError";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("no database at " + missing.string()),
              std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(missing));
  const fs::path text = dir_ / "notes.txt";
  std::ofstream(text) << std::string(4096, 'x');
  try {
    Run(QueryCommand, {text.string()});
    FAIL() << "expected a UsageError";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("is not a Sculpt database"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(fs::file_size(text), 4096u);
}

TEST_F(QueryTest, ExportBestWritesArchitectureJson) {
  const fs::path out = dir_ / "deploy" / "best";
  // The fixture's strings are not nb201 cells: export validates what it writes.
  try {
    Run(ExportCommand, {db_, "--best", "--experiment", "search", "--out", out.string()});
    FAIL() << "exported a string that is not a member of the space";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("not a member of experiment"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(out / "architecture.json"));

  const std::int64_t cells = WithRealCells();
  const std::string text =
      Run(ExportCommand, {db_, "--best", "--experiment", "cells", "--out", out.string()});
  EXPECT_NE(text.find("architecture.json"), std::string::npos);
  EXPECT_NE(text.find("has never been trained"), std::string::npos) << text;
  // Its experiment names no data set: `sculpt train` could not train it, so it is not offered.
  EXPECT_NE(text.find("names no data set to train on"), std::string::npos) << text;
  EXPECT_EQ(text.find("sculpt train"), std::string::npos) << text;
  std::ifstream file(out / "architecture.json");
  const json doc = json::parse(file);
  EXPECT_EQ(doc["space"], "nb201");
  EXPECT_EQ(doc["arch"], kRealCell);
  EXPECT_EQ(doc["hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(doc["metrics"]["accuracy"], 91.0);
  EXPECT_EQ(doc["metrics"]["params"], 1.4e6);
  EXPECT_EQ(doc["candidate"]["step"], 2);
  EXPECT_EQ(doc["experiment"]["id"], cells);
  EXPECT_EQ(doc["experiment"]["name"], "cells");
  EXPECT_EQ(doc["experiment"]["config"]["seed"], 3);
  EXPECT_EQ(doc["objective"]["goal"], "maximize");
  EXPECT_TRUE(doc["sculpt_version"].is_string());
  EXPECT_TRUE(doc.contains("encoding"));  // the space could be built: its encoding comes along
  EXPECT_FALSE(doc.contains("retrain"));  // never trained: no weights, no retraining block
  EXPECT_FALSE(fs::exists(out / "model.pt"));
  EXPECT_FALSE(fs::exists(out / "architecture.json.partial"));
}

TEST_F(QueryTest, ExportCandidateChecksOwnerAndStatus) {
  const fs::path out = dir_ / "one";
  // The evaluation that step 4 repeats; the repeat itself has no id of its own.
  EXPECT_EQ(CandidateId(search_, 4), 0);
  const std::int64_t cells = WithRealCells();
  const std::string evaluated_id = std::to_string(CandidateId(cells, 2));
  Run(ExportCommand, {db_, "--candidate", evaluated_id, "--out", out.string()});
  std::ifstream file(out / "architecture.json");
  const json doc = json::parse(file);
  EXPECT_EQ(doc["candidate"]["step"], 2);
  EXPECT_EQ(doc["candidate"]["repeat_of_step"], nullptr);
  EXPECT_EQ(doc["metrics"]["accuracy"], 91.0);

  const std::string failed_id = std::to_string(CandidateId(search_, 5));
  try {
    Run(ExportCommand, {db_, "--candidate", failed_id, "--out", out.string()});
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("evaluator crashed"), std::string::npos);
  }
  const std::string other_id = std::to_string(CandidateId(compact_, 0));
  try {
    Run(ExportCommand,
        {db_, "--candidate", other_id, "--experiment", "search", "--out", out.string()});
    FAIL() << "expected a UsageError";
  } catch (const UsageError& error) {  // the command line contradicts itself: exit 2
    EXPECT_NE(std::string(error.what()).find("belongs to experiment"), std::string::npos);
  }
  EXPECT_THROW(Run(ExportCommand, {db_, "--candidate", "99999", "--out", out.string()}),
               UsageError);
  EXPECT_THROW(
      Run(ExportCommand, {db_, "--best", "--experiment", "nothing", "--out", out.string()}),
      UsageError);
  EXPECT_THROW(Run(ExportCommand, {db_, "--best"}), UsageError);
  EXPECT_THROW(Run(ExportCommand, {db_, "--best", "--candidate", "1", "--out", "x"}), UsageError);
  EXPECT_THROW(Run(ExportCommand, {db_, "--out", "x"}), UsageError);
  EXPECT_NE(Run(ExportCommand, {"--help"}).find("usage: sculpt export"), std::string::npos);
}

TEST_F(QueryTest, SortsByAnyMetricInEitherDirection) {
  AddFamily();
  // params is a minimized objective: ascending unless told otherwise.
  EXPECT_EQ(Steps(FamilyJson({"--sort", "params"})), (std::vector<std::int64_t>{5, 1, 2, 0, 4}));
  EXPECT_EQ(Steps(FamilyJson({"--sort", "params:desc"})),
            (std::vector<std::int64_t>{4, 0, 2, 1, 5}));
  // accuracy is maximized: best first.
  EXPECT_EQ(Steps(FamilyJson({"--sort", "accuracy", "--top", "2"})),
            (std::vector<std::int64_t>{4, 2}));
  EXPECT_EQ(Steps(FamilyJson({"--sort", "step:asc"})), (std::vector<std::int64_t>{0, 1, 2, 4, 5}));
  const std::string typo = UsageErrorOf([&] { FamilyJson({"--sort", "acuracy"}); });
  EXPECT_NE(typo.find("did you mean 'accuracy'?"), std::string::npos) << typo;
  EXPECT_THROW(FamilyJson({"--sort", "params:up"}), UsageError);
}

TEST_F(QueryTest, WhereFiltersOnMetricsWithoutSql) {
  AddFamily();
  // Objective order (accuracy, best first) unless sorted otherwise.
  EXPECT_EQ(Steps(FamilyJson({"--where", "params < 2.5e5 and accuracy >= 0.7"})),
            (std::vector<std::int64_t>{2, 1}));
  // A percentage compares a fraction; the number may come first.
  EXPECT_EQ(Steps(FamilyJson({"--where", "70% <= accuracy && 2.5e5 > params"})),
            (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(Steps(FamilyJson({"--where", "step != 0, step<=2"})),
            (std::vector<std::int64_t>{2, 1}));
  EXPECT_TRUE(FamilyJson({"--where", "params > 1e9"}).empty());
  // An empty list has the columns of a full one.
  auto header = [&](const std::string& where) {
    const std::string csv =
        Run(QueryCommand, {db_, "--experiment", "family", "--format", "csv", "--where", where});
    return csv.substr(0, csv.find('\n'));
  };
  EXPECT_EQ(header("params > 1e9"), header("params > 0"));
  // The text is parsed, never pasted into SQL.
  for (const char* bad : {"params <", "params < 1e5 or accuracy > 0", "params ~ 3", "1 < 2",
                          "params < 1e5; DROP TABLE evaluations", "params < '1'", ""}) {
    EXPECT_THROW(FamilyJson({"--where", bad}), UsageError) << bad;
  }
  EXPECT_THROW(FamilyJson({"--where", "params < 50%"}), UsageError);  // params is no fraction
  // An accuracy is a fraction: compared with 77 it would match nothing, silently.
  const std::string percent = UsageErrorOf([&] { FamilyJson({"--where", "accuracy >= 77"}); });
  EXPECT_NE(percent.find("write 77% or 0.77"), std::string::npos) << percent;
  EXPECT_THROW(FamilyJson({"--where", "parms < 1e5"}), UsageError);
  // The percentage a table shows finds its row: 77.1% is the stored 0.771 (77.1 / 100 is not).
  {
    auto store = ResultStore::Open(db_);
    const std::int64_t shown =
        store->CreateExperiment("shown", json::parse(R"({"evaluator": {"type": "supernet"}})"),
                                "nb201", "random", {"accuracy", Goal::kMaximize}, 5);
    store->Writer(shown)->Write(
        std::vector<CandidateRecord>{Record(0, 0.771, 1e5), Record(1, 0.749, 1e5)});
  }
  auto shown = [&](const std::string& where) {
    return Steps(json::parse(
        Run(QueryCommand, {db_, "--experiment", "shown", "--format", "json", "--where", where})));
  };
  EXPECT_EQ(shown("accuracy = 77.1%"), std::vector<std::int64_t>{0});
  EXPECT_EQ(shown("accuracy >= 74.9%"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(shown("accuracy <= 7.49e1%"), std::vector<std::int64_t>{1});
  EXPECT_EQ(ResultStore::OpenReadOnly(db_)->Stats(family_).candidates, 6);
}

TEST_F(QueryTest, TopOfEachStrategy) {
  AddFamily();
  const json rows = FamilyJson({"--top", "1", "--by-strategy"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["strategy"], "evolution");  // the strategy of the best candidate first
  EXPECT_EQ(rows[0]["step"], 4);
  EXPECT_EQ(rows[1]["strategy"], "random");
  EXPECT_EQ(rows[1]["step"], 1);
  EXPECT_EQ(Steps(FamilyJson({"--top", "2", "--by-strategy", "--sort", "params"})),
            (std::vector<std::int64_t>{5, 2, 1, 0}));
  EXPECT_THROW(FamilyJson({"--by-strategy"}), UsageError);
  EXPECT_THROW(FamilyJson({"--by-strategy", "--top", "1", "--pareto"}), UsageError);
}

TEST_F(QueryTest, ParetoAmongFilteredCandidates) {
  AddFamily();
  EXPECT_EQ(Steps(FamilyJson({"--pareto"})), (std::vector<std::int64_t>{4, 2, 1, 5}));
  EXPECT_EQ(Steps(FamilyJson({"--pareto", "--where", "params < 3e5", "--sort", "params"})),
            (std::vector<std::int64_t>{5, 1, 2}));
}

TEST_F(QueryTest, LineageFollowsParentsThroughRepeats) {
  AddFamily();
  const std::string id = std::to_string(CandidateId(family_, 4));
  const json rows = json::parse(Run(QueryCommand, {db_, "--lineage", id, "--format", "json"}));
  EXPECT_EQ(Steps(rows), (std::vector<std::int64_t>{1, 2, 3, 4}));  // oldest first
  EXPECT_TRUE(rows[0]["parent_step"].is_null());
  EXPECT_EQ(rows[0]["origin"], "random");
  EXPECT_EQ(rows[3]["parent_step"], 3);
  EXPECT_EQ(rows[3]["id"], CandidateId(family_, 4));
  // The repeat has no id of its own and shows its evaluation's metrics.
  EXPECT_TRUE(rows[2]["id"].is_null());
  EXPECT_EQ(rows[2]["repeat_of_step"], 2);
  EXPECT_EQ(rows[2]["accuracy"], 0.75);
  // A candidate without parents is its own lineage.
  EXPECT_EQ(json::parse(Run(QueryCommand, {db_, "--lineage", std::to_string(CandidateId(family_, 0)),
                                           "--format", "json"}))
                .size(),
            1u);
  EXPECT_THROW(Run(QueryCommand, {db_, "--lineage", "99999"}), UserError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--lineage", "x"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--lineage", id, "--top", "3"}), UsageError);
}

TEST_F(QueryTest, CurvesOfATrainingRun) {
  const std::int64_t run = AddFamily();
  const json rows =
      json::parse(Run(QueryCommand, {db_, "--curves", std::to_string(run), "--format", "json"}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["epoch"], 1);  // epochs are 1-based
  EXPECT_EQ(rows[1]["epoch"], 2);
  EXPECT_EQ(rows[1]["train_accuracy"], 0.7);
  EXPECT_TRUE(rows[0]["valid_accuracy"].is_null());
  EXPECT_EQ(rows[0]["arch_entropy"], 1.5);
  EXPECT_FALSE(rows[0].contains("valid_loss"));  // no epoch has it
  const std::string table = Run(QueryCommand, {db_, "--curves", std::to_string(run)});
  EXPECT_NE(table.find("70.00%"), std::string::npos) << table;
  try {
    Run(QueryCommand, {db_, "--curves", "99"});
    FAIL() << "expected a UsageError";
  } catch (const UsageError& error) {  // an id the database lacks: bad input, as a candidate's
    EXPECT_NE(std::string(error.what()).find(std::to_string(run) + " (supernet)"),
              std::string::npos)
        << error.what();
  }
}

TEST_F(QueryTest, FractionsShowAsPercentagesTablesKeepTheirUnits) {
  AddFamily();
  const std::string table = Run(QueryCommand, {db_, "--experiment", "family", "--top", "2"});
  EXPECT_NE(table.find("80.00%"), std::string::npos) << table;
  EXPECT_NE(table.find("75.00%"), std::string::npos) << table;
  EXPECT_EQ(table.find("0.8"), std::string::npos) << table;
  // Programs get the stored fraction.
  EXPECT_EQ(FamilyJson({"--top", "1"})[0]["accuracy"], 0.8);
  const std::string csv =
      Run(QueryCommand, {db_, "--experiment", "family", "--top", "1", "--format", "csv"});
  EXPECT_NE(csv.find(",0.8,"), std::string::npos) << csv;
  // The experiments list shows each best in its own metric's unit.
  const std::string list = Run(QueryCommand, {db_});
  EXPECT_NE(list.find("80.00%"), std::string::npos) << list;
  EXPECT_NE(list.find("91"), std::string::npos) << list;
}

TEST_F(QueryTest, JsonColumnsAreNestedObjects) {
  const json rows = json::parse(Run(
      QueryCommand, {db_, "--format", "json", "--sql",
                     "SELECT step, metrics FROM candidates WHERE experiment_id = " +
                         std::to_string(search_) + " ORDER BY step"}));
  ASSERT_EQ(rows.size(), 6u);
  ASSERT_TRUE(rows[0]["metrics"].is_object()) << rows[0].dump();
  EXPECT_EQ(rows[0]["metrics"]["accuracy"], 70.0);
  EXPECT_TRUE(rows[4]["metrics"].is_null());  // a repeat has no metrics of its own
  const json config = json::parse(
      Run(QueryCommand, {db_, "--format", "json", "--sql", "SELECT config, name FROM experiments"}));
  EXPECT_EQ(config[0]["config"]["seed"], 3);
  // Text that merely shares a JSON column's name stays text; CSV keeps the JSON text.
  const json text = json::parse(Run(
      QueryCommand, {db_, "--format", "json", "--sql", "SELECT 'not json' AS metrics"}));
  EXPECT_EQ(text[0]["metrics"], "not json");
  const std::string csv = Run(QueryCommand, {db_, "--format", "csv", "--sql",
                                             "SELECT metrics FROM evaluations WHERE step = 0 "
                                             "AND experiment_id = " + std::to_string(search_)});
  EXPECT_NE(csv.find("\"{\"\"accuracy\"\":70"), std::string::npos) << csv;
}

TEST_F(QueryTest, FlagsGivenTwiceAndShortFlags) {
  EXPECT_THROW(Run(QueryCommand, {db_, "--top", "3", "--top", "4"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--top", "3", "-n", "4"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--pareto", "--pareto"}), UsageError);
  const json top = json::parse(Run(QueryCommand, {db_, "-e", "search", "-n", "2", "-fjson"}));
  EXPECT_EQ(Steps(top), (std::vector<std::int64_t>{2, 3}));
  EXPECT_THROW(Run(QueryCommand, {db_, "-x"}), UsageError);
  const std::string help = Run(QueryCommand, {"--help"});
  EXPECT_NE(help.find("-n, --top K"), std::string::npos) << help;
  EXPECT_NE(help.find("-h, --help"), std::string::npos) << help;
}

TEST(TableFormatTest, CsvQuotesOnlyWhatNeedsQuoting) {
  Table table{{"a", "b,c"},
              {{std::int64_t{1}, std::string("plain")},
               {0.1, std::string("say \"hi\"\nnow")},
               {Cell(), std::string(" padded")}}};
  std::ostringstream out;
  WriteTable(table, TableFormat::kCsv, out);
  EXPECT_EQ(out.str(), "a,\"b,c\"\n1,plain\n0.1,\"say \"\"hi\"\"\nnow\"\n,\" padded\"\n");
}

TEST(TableFormatTest, AlignedColumnsRightAlignNumbers) {
  Table table{{"name", "value"},
              {{std::string("a"), 12.5}, {std::string("longer"), std::int64_t{3}}}};
  std::ostringstream out;
  WriteTable(table, TableFormat::kTable, out);
  EXPECT_EQ(out.str(),
            "name    value\n"
            "------  -----\n"
            "a        12.5\n"
            "longer      3\n");
}

TEST(TableFormatTest, NumbersAreFormattedPerColumn) {
  // Two integral REALs, one large: both written as integers, not 1.5327297e+08 beside 86426250.
  Table flops{{"flops"}, {{1.5327297e8}, {86426250.0}}};
  std::ostringstream out;
  WriteTable(flops, TableFormat::kTable, out);
  EXPECT_EQ(out.str(), "flops\n---------\n153272970\n 86426250\n");
  // One number of decimals for the column, so the points line up.
  Table mixed{{"loss"}, {{0.5}, {12.25}, {3.0}}};
  std::ostringstream fixed;
  WriteTable(mixed, TableFormat::kTable, fixed);
  EXPECT_EQ(fixed.str(), "loss\n-----\n 0.50\n12.25\n 3.00\n");
  // Too wide or too fine for fixed notation: the whole column is scientific.
  Table wide{{"x"}, {{1e20}, {3.0}, {Cell()}}};
  std::ostringstream scientific;
  WriteTable(wide, TableFormat::kTable, scientific);
  EXPECT_EQ(scientific.str(), "x\n-----\n1e+20\n3e+00\n\n");
}

TEST(TableFormatTest, FractionsArePercentagesForPeopleOnly) {
  Table table{{"accuracy"}, {{Fraction{0.773}}, {Fraction{0.5}}}};
  std::ostringstream text;
  WriteTable(table, TableFormat::kTable, text);
  EXPECT_EQ(text.str(), "accuracy\n--------\n  77.30%\n  50.00%\n");
  std::ostringstream csv;
  WriteTable(table, TableFormat::kCsv, csv);
  EXPECT_EQ(csv.str(), "accuracy\n0.773\n0.5\n");
  std::ostringstream json_text;
  WriteTable(table, TableFormat::kJson, json_text);
  EXPECT_EQ(json::parse(json_text.str())[0]["accuracy"], 0.773);
}

TEST(TableFormatTest, JsonTextIsNestedInJsonOnly) {
  Table table{{"metrics"}, {{JsonText{R"({"params":1e5})"}}, {JsonText{"[1,"}}}};
  std::ostringstream json_text;
  WriteTable(table, TableFormat::kJson, json_text);
  const json rows = json::parse(json_text.str());
  EXPECT_EQ(rows[0]["metrics"]["params"], 1e5);
  EXPECT_EQ(rows[1]["metrics"], "[1,");  // not JSON after all: kept as text
  std::ostringstream text;
  WriteTable(table, TableFormat::kTable, text);
  EXPECT_NE(text.str().find(R"({"params":1e5})"), std::string::npos) << text.str();
}

TEST(TableFormatTest, JsonKeepsTypesAndNulls) {
  Table table{
      {"id", "x", "id", "s"},
      {{std::int64_t{7}, std::numeric_limits<double>::infinity(), Cell(), std::string("t")}}};
  std::ostringstream out;
  WriteTable(table, TableFormat::kJson, out);
  const json rows = json::parse(out.str());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["id"], 7);
  EXPECT_TRUE(rows[0]["x"].is_null());
  EXPECT_TRUE(rows[0]["id_2"].is_null());
  EXPECT_EQ(rows[0]["s"], "t");

  std::ostringstream empty;
  WriteTable(Table{{"a"}, {}}, TableFormat::kJson, empty);
  EXPECT_EQ(json::parse(empty.str()), json::array());
  EXPECT_EQ(ParseTableFormat("csv"), TableFormat::kCsv);
  EXPECT_FALSE(ParseTableFormat("CSV "));
  EXPECT_EQ(FormatNumber(0.1), "0.1");
  EXPECT_EQ(FormatNumber(3.0), "3");
  EXPECT_EQ(FormatNumber(20000.0), "20000");  // not "2e+04", the shortest form
  EXPECT_EQ(FormatNumber(-0.00012), "-0.00012");
  EXPECT_EQ(FormatNumber(123456.789), "123456.789");
  EXPECT_EQ(FormatNumber(1e20), "1e+20");
  EXPECT_EQ(FormatNumber(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatNumber(0.0), "0");
}

}  // namespace
}  // namespace sculpt
