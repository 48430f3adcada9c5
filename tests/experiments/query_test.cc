// `sculpt query` and `sculpt export` at the level of their command functions, on small database
// files in a temporary folder; and the table formats they print.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "experiments/cli.h"
#include "experiments/command_line.h"
#include "experiments/store.h"
#include "experiments/table_format.h"
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

  fs::path dir_;
  std::string db_;
  std::int64_t search_ = 0;
  std::int64_t compact_ = 0;
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
  EXPECT_EQ(list[0]["candidates"], 6);
  EXPECT_EQ(list[0]["best"], 91.0);
  EXPECT_EQ(list[1]["objective"], "min params");
  EXPECT_EQ(list[1]["best"], 1e5);
  EXPECT_EQ(list[1]["status"], "running");

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

  try {
    Run(QueryCommand, {db_, "--sql", "SELECT nope FROM candidates"});
    FAIL() << "expected a UserError";
  } catch (const UsageError&) {
    FAIL() << "a bad query is a runtime error, not a usage error";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("no such column: nope"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(Run(QueryCommand, {db_, "--sql", "DELETE FROM candidates"}), UserError);
  EXPECT_EQ(ResultStore::OpenReadOnly(db_)->Stats(search_).candidates, 6);
}

TEST_F(QueryTest, RejectsBadUsage) {
  EXPECT_THROW(Run(QueryCommand, {db_, "--format", "xml"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--top", "0"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--sql", "SELECT 1", "--top", "3"}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {}), UsageError);
  EXPECT_THROW(Run(QueryCommand, {db_, "--experiment", "nothing", "--top", "3"}), UserError);
  const std::string help = Run(QueryCommand, {"--help"});
  EXPECT_NE(help.find("usage: sculpt query DB"), std::string::npos);
}

TEST_F(QueryTest, MissingDatabaseIsAnErrorAndNotCreated) {
  const fs::path missing = dir_ / "missing.sqlite";
  try {
    Run(QueryCommand, {missing.string()});
    FAIL() << "expected a UserError";
  } catch (const UsageError&) {
    FAIL() << "a missing database is a runtime error";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find(missing.string()), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(missing));
}

TEST_F(QueryTest, ExportBestWritesArchitectureJson) {
  const fs::path out = dir_ / "deploy" / "best";
  const std::string text =
      Run(ExportCommand, {db_, "--best", "--experiment", "search", "--out", out.string()});
  EXPECT_NE(text.find("architecture.json"), std::string::npos);
  std::ifstream file(out / "architecture.json");
  const json doc = json::parse(file);
  EXPECT_EQ(doc["space"], "nb201");
  EXPECT_EQ(doc["arch"], "|op2~0|+|skip, \"quoted\"~1|");
  EXPECT_EQ(doc["hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(doc["metrics"]["accuracy"], 91.0);
  EXPECT_EQ(doc["metrics"]["params"], 1.4e6);
  EXPECT_EQ(doc["candidate"]["id"], CandidateId(search_, 2));
  EXPECT_EQ(doc["candidate"]["step"], 2);
  EXPECT_EQ(doc["experiment"]["id"], search_);
  EXPECT_EQ(doc["experiment"]["name"], "search");
  EXPECT_EQ(doc["experiment"]["config"]["seed"], 3);
  EXPECT_EQ(doc["objective"]["goal"], "maximize");
  EXPECT_TRUE(doc["sculpt_version"].is_string());
  EXPECT_FALSE(doc.contains("encoding"));
  EXPECT_FALSE(fs::exists(out / "architecture.json.partial"));
}

TEST_F(QueryTest, ExportCandidateChecksOwnerAndStatus) {
  const fs::path out = dir_ / "one";
  // The evaluation that step 4 repeats; the repeat itself has no id of its own.
  EXPECT_EQ(CandidateId(search_, 4), 0);
  const std::string evaluated_id = std::to_string(CandidateId(search_, 2));
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
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("belongs to experiment"), std::string::npos);
  }
  EXPECT_THROW(Run(ExportCommand, {db_, "--candidate", "99999", "--out", out.string()}), UserError);
  EXPECT_THROW(Run(ExportCommand, {db_, "--best"}), UsageError);
  EXPECT_THROW(Run(ExportCommand, {db_, "--best", "--candidate", "1", "--out", "x"}), UsageError);
  EXPECT_THROW(Run(ExportCommand, {db_, "--out", "x"}), UsageError);
  EXPECT_NE(Run(ExportCommand, {"--help"}).find("usage: sculpt export"), std::string::npos);
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
}

}  // namespace
}  // namespace sculpt
