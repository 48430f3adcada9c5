// End-to-end tests of the `sculpt` binary on a small synthetic table.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "experiments/cli/progress_display.h"
#include "experiments/cli/training_display.h"
#include "experiments/store/sqlite_statement.h"
#include "experiments/store/store.h"
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
  // A filter nothing passes says so under the empty list.
  const Result none = Sculpt("query " + db.string() + " --where \"params < 0\"");
  EXPECT_EQ(none.status, 0) << none.out;
  EXPECT_NE(none.out.find("no candidate of experiment 1 ('re') satisfies --where params < 0"),
            std::string::npos)
      << none.out;

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
  EXPECT_EQ(Sculpt("query " + (dir_ / "no-such.sqlite").string()).status, 2);  // a typo: bad input
  EXPECT_FALSE(fs::exists(dir_ / "no-such.sqlite"));
  // A database that is no file: an empty name (SQLite's throw-away database) or a device.
  const std::string config = WriteConfig("db.json", Config("db")).string();
  EXPECT_EQ(Sculpt("run " + config + " --db ''").status, 2);
  const Result device = Sculpt("run " + config + " --db /dev/null");
  EXPECT_EQ(device.status, 2);
  EXPECT_NE(device.out.find("is not a regular file"), std::string::npos) << device.out;
}

TEST_F(CliTest, HelpTopicsDidYouMeanShortFlagsAndRepeatedFlags) {
  const Result help_run = Sculpt("help run");
  EXPECT_EQ(help_run.status, 0);
  EXPECT_EQ(help_run.out.rfind("usage: sculpt run CONFIG", 0), 0u) << help_run.out;
  EXPECT_NE(help_run.out.find("-q, --quiet"), std::string::npos) << help_run.out;
  const Result help_query = Sculpt("help query");
  EXPECT_EQ(help_query.status, 0);
  EXPECT_EQ(help_query.out.rfind("usage: sculpt query DB", 0), 0u) << help_query.out;
  EXPECT_EQ(Sculpt("help").status, 0);
  const Result help_typo = Sculpt("help rnu");
  EXPECT_EQ(help_typo.status, 2);
  EXPECT_NE(help_typo.out.find("did you mean 'run'?"), std::string::npos) << help_typo.out;

  const Result typo = Sculpt("quer x.sqlite");
  EXPECT_EQ(typo.status, 2);
  EXPECT_NE(typo.out.find("unknown command 'quer'; did you mean 'query'?"), std::string::npos)
      << typo.out;
  const Result list = Sculpt("list space");
  EXPECT_EQ(list.status, 2);
  EXPECT_NE(list.out.find("did you mean 'spaces'?"), std::string::npos) << list.out;
  EXPECT_NE(Sculpt("list strategy").out.find("did you mean 'strategies'?"), std::string::npos);

  const fs::path config = WriteConfig("short.json", Config("short"));
  const Result twice = Sculpt("run " + config.string() + " --seed 1 --seed 2");
  EXPECT_EQ(twice.status, 2);
  EXPECT_NE(twice.out.find("--seed given twice"), std::string::npos) << twice.out;
  EXPECT_FALSE(fs::exists(dir_ / "runs/short.sqlite"));
  // -q is --quiet, -w --workers; then -n is --top, -f --format, -e --experiment.
  const Result run = Sculpt("run " + config.string() + " -q -w 1");
  ASSERT_EQ(run.status, 0) << run.out;
  const std::string db = (dir_ / "runs/short.sqlite").string();
  const Result top = Sculpt("query " + db + " -e short -n 2 -f json");
  ASSERT_EQ(top.status, 0) << top.out;
  EXPECT_EQ(nlohmann::json::parse(top.out).size(), 2U);
  EXPECT_EQ(Sculpt("query " + db + " --top 3 --top 4").status, 2);
  EXPECT_EQ(Sculpt("query " + db + " -n 3 --top 4").status, 2);
  EXPECT_EQ(Sculpt("query " + db + " -z").status, 2);
}

TEST_F(CliTest, SqlJsonNestsMetricsAsObjects) {
  const fs::path config = WriteConfig("nested.json", Config("nested"));
  ASSERT_EQ(Sculpt("run " + config.string() + " --quiet").status, 0);
  const std::string db = (dir_ / "runs/nested.sqlite").string();
  const Result rows = Sculpt("query " + db +
                             " --format json --sql \"SELECT id, metrics FROM candidates WHERE "
                             "repeat_of_step IS NULL AND status = 'ok' LIMIT 2\"");
  ASSERT_EQ(rows.status, 0) << rows.out;
  const nlohmann::json parsed = nlohmann::json::parse(rows.out);
  ASSERT_EQ(parsed.size(), 2U);
  ASSERT_TRUE(parsed[0]["metrics"].is_object()) << rows.out;
  EXPECT_TRUE(parsed[0]["metrics"]["cifar10_valid"].is_number());
  // The experiments list tells evaluations (the budget's 40) from proposals.
  const nlohmann::json list = nlohmann::json::parse(Sculpt("query " + db + " -f json").out);
  EXPECT_EQ(list[0]["evaluations"], 40);
  EXPECT_GE(list[0]["proposals"].get<int>(), 40);
}

TEST_F(CliTest, SqlThatWouldRunForeverOrFillMemoryIsStopped) {
  const fs::path config = WriteConfig("endless.json", Config("endless"));
  ASSERT_EQ(Sculpt("run " + config.string() + " --quiet").status, 0);
  const std::string db = (dir_ / "runs/endless.sqlite").string();
  const Result endless = Sculpt("query " + db + " --timeout 1 --sql \"WITH RECURSIVE r(x) AS "
                                "(SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r\"");
  EXPECT_EQ(endless.status, 1) << endless.out;
  EXPECT_NE(endless.out.find("stopped after 1 s, its time limit"), std::string::npos) << endless.out;
  const Result huge = Sculpt("query " + db + " --sql \"SELECT zeroblob(1e9)\"");
  EXPECT_EQ(huge.status, 2) << huge.out;  // SQL that cannot run as given: bad input
  EXPECT_NE(huge.out.find("string or blob too big"), std::string::npos) << huge.out;
  EXPECT_EQ(Sculpt("query " + db + " --timeout 5").status, 2);  // only with --sql
}

// A search that evaluates nothing successfully has failed (exit 1), says why, and offers no
// export of a best candidate it has not got.
TEST_F(CliTest, ASearchWhoseEveryEvaluationFailedExitsWith1AndSaysWhy) {
  const std::string good =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
      "nor_conv_3x3~1|nor_conv_3x3~2|";
  const std::string bad1 =
      "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
      "nor_conv_3x3~1|nor_conv_3x3~2|";
  const std::string bad2 =
      "|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
      "nor_conv_3x3~1|nor_conv_3x3~2|";
  std::ofstream(dir_ / "crashing.csv") << "arch,score\n"
                                       << good << ",5\n"
                                       << bad1 << ",crashed\n"
                                       << bad2 << ",N/A\n";
  std::ofstream(dir_ / "crashing-list.csv") << "arch\n" << bad1 << "\n" << bad2 << "\n";
  nlohmann::json config = Config("crashing");
  config["evaluator"] = {{"type", "table"}, {"path", "crashing.csv"}, {"objective", "score"}};
  config["objectives"] = {{{"metric", "score"}, {"goal", "maximize"}}};
  config["strategy"] = {{"type", "listed"}, {"path", "crashing-list.csv"}};
  // The config's constraint (params <= 1,000,000) leaves both cells out.
  const Result outside = Sculpt("run " + WriteConfig("crashing.json", config).string());
  EXPECT_EQ(outside.status, 1) << outside.out;
  EXPECT_NE(outside.out.find("No candidate was evaluated successfully: all 2 proposals fell "
                             "outside the constraints"),
            std::string::npos)
      << outside.out;
  // A goal-seeking strategy whose start breaks the constraint: no "best candidate above".
  nlohmann::json astar = config;
  astar["strategy"] = {{"type", "astar"}, {"target", {{"metric", "params"}, {"max", 50000}}}};
  astar["storage"] = "runs/crashing-astar.sqlite";
  const Result no_start = Sculpt("run " + WriteConfig("crashing-astar.json", astar).string());
  EXPECT_EQ(no_start.status, 1) << no_start.out;
  EXPECT_NE(no_start.out.find("No answer: astar stopped without reaching its goal (its start "
                              "broke the constraints, so it had nothing to search from).\n"),
            std::string::npos)
      << no_start.out;
  config["constraints"] = nlohmann::json::array();
  config["storage"] = "runs/crashing-2.sqlite";
  const Result run = Sculpt("run " + WriteConfig("crashing.json", config).string());
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_NE(run.out.find("No candidate was evaluated successfully: 2 evaluations failed"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("evaluated no candidate successfully"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("--best --out DIR"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("sculpt query"), std::string::npos) << run.out;
  // Its candidate list is empty, and says why rather than print a bare header.
  const std::string db = (dir_ / "runs/crashing-2.sqlite").string();
  const Result top = Sculpt("query " + db + " --top 3");
  EXPECT_EQ(top.status, 0) << top.out;
  EXPECT_NE(top.out.find("experiment 1 ('crashing', finished) has no successfully evaluated "
                         "candidate"),
            std::string::npos)
      << top.out;
}

// A database whose folder cannot be made is a failure to write (exit 1) that names the
// setting the path came from.
TEST_F(CliTest, ADatabaseFolderThatCannotBeMadeNamesWhereItCameFrom) {
  std::ofstream(dir_ / "a-file") << "not a folder\n";
  const fs::path config = WriteConfig("folder.json", Config("folder"));
  const Result run =
      Sculpt("run " + config.string() + " --db " + (dir_ / "a-file" / "x.sqlite").string());
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_NE(run.out.find("cannot create " + (dir_ / "a-file").string() +
                         ", the folder of the database (--db)"),
            std::string::npos)
      << run.out;
  nlohmann::json stored = Config("folder");
  stored["storage"] = "a-file/x.sqlite";
  const Result from_config = Sculpt("run " + WriteConfig("folder.json", stored).string());
  EXPECT_EQ(from_config.status, 1) << from_config.out;
  EXPECT_NE(from_config.out.find("(the config's \"storage\")"), std::string::npos)
      << from_config.out;
}

// SQL that SQLite compiles but cannot run as given is bad input (exit 2), as SQL it cannot
// compile is; the database it read is not at fault.
TEST_F(CliTest, SqlThatFailsWhileRunningIsBadInput) {
  const fs::path config = WriteConfig("failing.json", Config("failing"));
  ASSERT_EQ(Sculpt("run " + config.string() + " --quiet").status, 0);
  const std::string db = (dir_ / "runs/failing.sqlite").string();
  for (const auto& [sql, message] : std::vector<std::pair<std::string, std::string>>{
           {"SELECT load_extension('x')", "not authorized"},
           {"SELECT json_extract(arch || '{', '$.a') FROM candidates", "malformed JSON"},
           {"SELECT abs(-9223372036854775807 - 1)", "integer overflow"},
           {"SELECT nosuchfunction(1)", "no such function"},
           {"ATTACH 'other.sqlite' AS other", "attaches or detaches a database"}}) {
    const Result failed = Sculpt("query " + db + " --sql \"" + sql + "\"");
    EXPECT_EQ(failed.status, 2) << sql << "\n" << failed.out;
    EXPECT_NE(failed.out.find(message), std::string::npos) << sql << "\n" << failed.out;
  }
  EXPECT_FALSE(fs::exists("other.sqlite"));
  // The connection reads as before afterwards.
  EXPECT_EQ(Sculpt("query " + db + " --sql \"SELECT 1\"").status, 0);
}

// A damaged database is refused before anything is written to it (SQLite alone notices damage
// only on the pages it reads, and would let a run append to the file).
TEST_F(CliTest, ADamagedDatabaseIsRefusedAndLeftAsItWas) {
  const fs::path config = WriteConfig("damaged.json", Config("damaged"));
  ASSERT_EQ(Sculpt("run " + config.string() + " --quiet").status, 0);
  const fs::path good = dir_ / "runs/damaged.sqlite";
  // The run's connection, the last one, folded the write-ahead log into the file on closing.
  ASSERT_FALSE(fs::exists(good.string() + "-wal"));
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 16384U);
  const std::size_t page = 4096;
  // Garbage over a page in the middle, a page of zeros, a file cut short.
  std::string garbage = bytes;
  for (std::size_t i = 2 * page; i < 3 * page; ++i) garbage[i] = static_cast<char>(i * 131 % 251);
  std::string zeros = bytes;
  std::fill(zeros.begin() + static_cast<long>(bytes.size() / page / 2 * page),
            zeros.begin() + static_cast<long>(bytes.size() / page / 2 * page + page), '\0');
  std::string cut = bytes.substr(0, bytes.size() / page / 2 * page);
  int variant = 0;
  for (const std::string* damaged : {&garbage, &zeros, &cut}) {
    SCOPED_TRACE("variant " + std::to_string(++variant));
    const fs::path db = dir_ / ("damaged-" + std::to_string(variant) + ".sqlite");
    std::ofstream(db, std::ios::binary) << *damaged;
    const Result run = Sculpt("run " + config.string() + " --db " + db.string() + " --quiet");
    EXPECT_EQ(run.status, 2) << run.out;
    EXPECT_NE(run.out.find("is damaged, so nothing was written to it"), std::string::npos)
        << run.out;
    std::ifstream in(db, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), *damaged);
  }
  // Sound pages but a view dropped by hand: the run would have searched and then failed on
  // its first write.
  const fs::path dropped = dir_ / "dropped-view.sqlite";
  fs::copy_file(good, dropped, fs::copy_options::overwrite_existing);
  {
    sqlite::Database file(dropped.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec("DROP VIEW candidates");
  }
  const Result no_view = Sculpt("run " + config.string() + " --db " + dropped.string());
  EXPECT_EQ(no_view.status, 2) << no_view.out;
  EXPECT_NE(no_view.out.find("is damaged, so nothing was written to it (SQLite's check: missing "
                             "view candidates)"),
            std::string::npos)
      << no_view.out;
  const Result read_no_view = Sculpt("query " + dropped.string());
  EXPECT_EQ(read_no_view.status, 1) << read_no_view.out;
  EXPECT_NE(read_no_view.out.find("is damaged (SQLite's check: missing view candidates)"),
            std::string::npos)
      << read_no_view.out;
  // Reading the right file that turns out damaged is a failure (exit 1), not bad input, and the
  // message does not talk of writing. (Opening finds the file cut short; the other variants show
  // their damage only on the pages a query reads.)
  const fs::path cut_db = dir_ / "damaged-3.sqlite";
  const Result read = Sculpt("query " + cut_db.string());
  EXPECT_EQ(read.status, 1) << read.out;
  EXPECT_NE(read.out.find("is damaged (SQLite's check"), std::string::npos) << read.out;
  EXPECT_NE(read.out.find(".recover"), std::string::npos) << read.out;
  EXPECT_EQ(read.out.find("nothing was written"), std::string::npos) << read.out;
}

// A database of a newer schema is bad input to every command, which changes nothing in it.
TEST_F(CliTest, ADatabaseOfANewerSculptIsBadInputToEveryCommand) {
  const fs::path config = WriteConfig("future.json", Config("future"));
  ASSERT_EQ(Sculpt("run " + config.string() + " --quiet").status, 0);
  const fs::path db = dir_ / "runs/future.sqlite";
  {
    sqlite::Database file(db.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec("UPDATE meta SET value = '" + std::to_string(kStoreSchemaVersion + 1) +
              "' WHERE key = 'schema_version'");
  }
  const auto size = fs::file_size(db);
  for (const std::string& command :
       {"run " + config.string() + " --quiet", "query " + db.string(),
        "report " + db.string() + " --text", "export " + db.string() + " --best --out " +
        (dir_ / "future-export").string(), "train " + db.string() + " --candidate 1"}) {
    const Result result = Sculpt(command);
    EXPECT_EQ(result.status, 2) << command << "\n" << result.out;
    EXPECT_NE(result.out.find("written by a newer Sculpt"), std::string::npos)
        << command << "\n" << result.out;
  }
  EXPECT_EQ(fs::file_size(db), size);
  EXPECT_FALSE(fs::exists(dir_ / "future-export"));
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
  const Result run = Sculpt("run " + WriteConfig("pareto.json", config).string() + " --quiet");
  ASSERT_EQ(run.status, 0) << run.out;
  // Several objectives: the run ends with its front, not with one "best" candidate.
  EXPECT_NE(run.out.find("Pareto front: "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("none beaten on all of max cifar10_valid, min flops"), std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("Best candidate"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("--pareto"), std::string::npos) << run.out;
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

TEST(DisplayTest, FractionObjectivesShowAsPercentages) {
  Budget budget;
  budget.evaluations = 10;
  EngineProgress progress;
  progress.evaluations = 5;
  progress.proposals = 8;
  progress.best_objective = 0.4912;
  progress.elapsed_seconds = 1.0;
  std::ostringstream sink;
  const ProgressDisplay fraction(sink, false, budget, "accuracy", true);
  EXPECT_NE(fraction.Line(progress).find("best accuracy 49.12%"), std::string::npos)
      << fraction.Line(progress);
  progress.best_objective = 84.89;  // a table's column, in the CSV's unit
  const ProgressDisplay table(sink, false, budget, "cifar10_valid", false);
  EXPECT_NE(table.Line(progress).find("best cifar10_valid 84.89"), std::string::npos)
      << table.Line(progress);

  std::ostringstream out;
  TrainingDisplay training(out, false, true);
  training.Begin("supernet", 1, 2, 10);
  training.EpochDone(1, {{"train_accuracy", 0.2945},
                         {"train_loss", 1.5},
                         {"choices_alive", 15580},
                         {"lr", 0.0001234}});
  EXPECT_NE(out.str().find("train_accuracy 29.45%"), std::string::npos) << out.str();
  // A count in full, never 1.558e+04; other numbers to 4 digits.
  EXPECT_NE(out.str().find("choices_alive 15580"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("lr 0.0001234"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("epoch 1/2"), std::string::npos) << out.str();

  // A step's accuracy is shown when measured; distillation measures none (NaN).
  TrainingDisplay bar(out, false, false);
  bar.Begin("block layers1-2", 1, 2, 10);
  TrainingStep step{1, 2, 3, 10, 0.25, 0.5, 100};
  EXPECT_NE(bar.Line(step).find("| loss 0.2500 | acc 50.00% | 100 img/s"), std::string::npos)
      << bar.Line(step);
  step.accuracy = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(bar.Line(step).find("| loss 0.2500 | 100 img/s"), std::string::npos)
      << bar.Line(step);
}

// The exhaustive strategy scores every valid cell within the constraint, so its best is the
// table's best among those cells; cells of one canonical class and the same costs (dead-end
// convs count) are evaluated once.
TEST_F(CliTest, ExhaustiveSearchFindsTheTablesBestWithinTheConstraint) {
  constexpr double kMaxParams = 800000;
  nlohmann::json config = Config("exhaustive");
  config["strategy"] = {{"type", "exhaustive"}};
  config["constraints"] = {{{"metric", "params"}, {"max", kMaxParams}}};
  config["budget"] = {{"evaluations", 100000}};
  config["batch"] = 64;
  const Result run = Sculpt("run " + WriteConfig("exhaustive.json", config).string() + " -q");
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("strategy finished"), std::string::npos) << run.out;

  auto space = nb201::MakeSpace(nb201::Skeleton{});
  std::ifstream table(dir_ / "table.csv");
  std::string line;
  std::getline(table, line);  // header: index,arch,cifar10_valid,cifar10_test
  double best = -1;
  std::set<std::string> classes;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string index, arch_text, valid;
    std::getline(fields, index, ',');
    std::getline(fields, arch_text, ',');
    std::getline(fields, valid, ',');
    const Architecture arch = space->Parse(arch_text);
    if (!space->IsValid(arch) || space->Cost(arch).at("params") > kMaxParams) continue;
    const Metrics costs = space->Cost(arch);
    classes.insert(space->CanonicalForm(arch) + " " + std::to_string(costs.at("params")) + " " +
                   std::to_string(costs.at("flops")));
    best = std::max(best, std::stod(valid));
  }
  ASSERT_GT(classes.size(), 100U);
  const std::string db = (dir_ / "runs/exhaustive.sqlite").string();
  const Result found = Sculpt("query " + db +
                              " --format csv --sql \"SELECT count(*) AS n, max(objective) AS best "
                              "FROM candidates WHERE repeat_of_step IS NULL AND status = 'ok'\"");
  ASSERT_EQ(found.status, 0) << found.out;
  std::istringstream rows(found.out);
  std::getline(rows, line);
  ASSERT_TRUE(std::getline(rows, line)) << found.out;
  EXPECT_EQ(std::stoul(line.substr(0, line.find(','))), classes.size()) << found.out;
  EXPECT_NEAR(std::stod(line.substr(line.find(',') + 1)), best, 1e-9) << found.out;
  const Result infeasible = Sculpt("query " + db +
                                   " --format csv --sql \"SELECT count(*) AS n FROM candidates "
                                   "WHERE status <> 'ok'\"");
  EXPECT_EQ(infeasible.out, "n\n0\n");  // nothing outside the constraint is ever proposed
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
