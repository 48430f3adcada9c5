// Resuming through the real `sculpt` binary: runs killed with SIGKILL at several moments (before
// the database holds anything, during the search, during supernet training and retraining),
// continued with `sculpt run CONFIG --resume`, end exactly as the uninterrupted run of the same
// config: the same candidates, steps and scores, and the same retrained network.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "experiments/store/sqlite_statement.h"
#include "tests/experiments/run_sculpt.h"
#include "tests/experiments/test_table.h"
#include "tests/experiments/tiny_main_job.h"
#include "tests/supernet/test_data.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

using Result = testing::SculptResult;
using testing::Sculpt;

class ResumeCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sculpt_resume_cli_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    testing::WriteSyntheticNb201Table(dir_ / "table.csv");
    testing::WriteIdxDataset(dir_ / "data", 320, 64, 8, 4);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // A search of a few seconds on the synthetic table: long enough to be killed in the middle.
  static nlohmann::json TableConfig() {
    return {{"name", "long"},
            {"seed", 5},
            {"space", {{"type", "nb201"}}},
            {"evaluator",
             {{"type", "table"}, {"path", "table.csv"}, {"objective", "cifar10_valid"}}},
            {"objectives", {{{"metric", "cifar10_valid"}, {"goal", "maximize"}}}},
            {"constraints", {{{"metric", "params"}, {"max", 1000000}}}},
            {"strategy", {{"type", "regularized_evolution"}, {"population", 20}, {"sample", 5}}},
            // Most proposals of a long search are repeats: a quarter-million-proposal budget takes a
            // seconds (an evaluation here is a table lookup).
            {"budget", {{"proposals", 250000}}},
            // Repeats past the first 100,000 are counted, not stored one each: kills land on
            // both sides of that change.
            {"stored_repeats", 100000},
            {"batch", 3},
            {"workers", 2}};
  }

  // The main job's shape (supernet, search, retraining) on tiny data, with enough epochs that
  // a kill lands in any of its phases.
  static nlohmann::json SupernetConfig() {
    nlohmann::json config = testing::TinyMainJobConfig("main-job");
    config["evaluator"]["training"]["epochs"] = 8;
    config["evaluator"]["latency_runs"] = 0;  // timing is never the same twice; not needed here
    config.erase("constraints");
    config["budget"]["evaluations"] = 16;
    config["final"]["epochs"] = 8;
    return config;
  }

  static fs::path Write(const std::string& file, nlohmann::json config, const fs::path& db) {
    config["storage"] = db.string();
    std::ofstream(dir_ / file) << config.dump(2);
    return dir_ / file;
  }

  // `sculpt run --resume` of TableConfig() with another seed, written to `file`, into `db`.
  static Result ResumeWithSeed(const std::string& file, const fs::path& db, int seed) {
    nlohmann::json other = TableConfig();
    other["seed"] = seed;
    return Sculpt("run " + Write(file, other, db).string() + " --quiet --resume");
  }

  // Everything of the experiment that must not depend on interruptions, as CSV.
  static std::string Candidates(const fs::path& db) {
    const Result result = Sculpt(
        "query " + db.string() +
        " --format csv --sql \"SELECT step, arch, hash, origin, parent_step, status, error, "
        "repeat_of_step, objective, json_extract(metrics, '$.accuracy'), "
        "json_extract(metrics, '$.cifar10_valid'), json_extract(metrics, '$.params') "
        "FROM candidates WHERE experiment_id = 1 ORDER BY step\"");
    EXPECT_EQ(result.status, 0) << result.out;
    const Result counted = Sculpt(
        "query " + db.string() +
        " --format csv --sql \"SELECT arch_id, strategy, origin, count, repeat_of_step, "
        "first_step, last_step FROM repeat_counts WHERE experiment_id = 1 ORDER BY arch_id, origin\"");
    EXPECT_EQ(counted.status, 0) << counted.out;
    return result.out + counted.out;
  }

  // Success when `got` equals `want`; otherwise the first line where they differ, with its
  // neighbours. gtest's own report of two unequal strings diffs them line by line in time and
  // memory quadratic in their length: for these hundred-thousand-line outputs that ran a CI
  // machine out of memory instead of saying where a resume went wrong.
  static ::testing::AssertionResult SameLines(const std::string& got, const std::string& want) {
    if (got == want) return ::testing::AssertionSuccess();
    std::istringstream got_lines(got), want_lines(want);
    std::string got_line, want_line, before;
    for (int line = 1;; ++line) {
      const bool has_got = static_cast<bool>(std::getline(got_lines, got_line));
      const bool has_want = static_cast<bool>(std::getline(want_lines, want_line));
      if (has_got && has_want && got_line == want_line) {
        before = got_line;
        continue;
      }
      return ::testing::AssertionFailure()
             << "outputs of " << std::count(got.begin(), got.end(), '\n') << " and "
             << std::count(want.begin(), want.end(), '\n') << " lines first differ at line "
             << line << " (after \"" << before << "\"):\n  got:  "
             << (has_got ? got_line : "(end)") << "\n  want: " << (has_want ? want_line : "(end)");
    }
  }

  static std::string Query(const fs::path& db, const std::string& sql) {
    const Result result = Sculpt("query " + db.string() + " --format csv --sql \"" + sql + "\"");
    EXPECT_EQ(result.status, 0) << result.out;
    return result.out;
  }

  // Runs `config` in the background and kills it with SIGKILL as soon as `when` holds: "file"
  // (its database file exists, maybe empty) or an SQL condition on the database (polled every
  // 10 ms).
  // `signal`: kill's option, -9 (a crash) or -INT (Ctrl-C).
  static void Kill(const fs::path& config, const fs::path& db, const std::string& when,
                   const std::string& signal = "-9") {
    const std::string ready =
        when == "file" ? "[ -e " + db.string() + " ]"
                       : std::string(SCULPT_BINARY) + " query " + db.string() +
                             " --format csv --sql \"SELECT " + when + "\" 2>/dev/null | grep -qx 1";
    const Result killed = Sculpt("run " + config.string() + " --quiet >/dev/null 2>&1 & pid=$!; " +
                                 "for i in $(seq 6000); do " + ready +
                                 " && break; kill -0 $pid 2>/dev/null || break; sleep 0.01; done; "
                                 "{ kill " +
                                 signal + " $pid; wait $pid; } 2>/dev/null; true");
    EXPECT_EQ(killed.status, 0) << killed.out;
    // Where the kill struck, for the log: proposals stored, and the training runs.
    std::cout << "  killed (" << when << ") with "
              << Sculpt("query " + db.string() + " --format csv --sql \"SELECT (SELECT sum(candidates) "
                        "FROM experiment_summary) || ' proposals stored; training runs: ' || "
                        "ifnull((SELECT group_concat(kind || ' ' || status, ', ') FROM "
                        "training_runs), 'none')\" 2>&1 | tail -1")
                     .out;
  }

  // Kill, then resumes until the run finishes. Returns how many resumes that took.
  static int KillAndResume(const fs::path& config, const fs::path& db, const std::string& when) {
    Kill(config, db, when);
    for (int resumes = 1; resumes <= 3; ++resumes) {
      const Result resumed = Sculpt("run " + config.string() + " --quiet --resume");
      if (resumed.status == 0) return resumes;
      ADD_FAILURE() << "resume " << resumes << " exited " << resumed.status << ":\n" << resumed.out;
    }
    return -1;
  }

  static fs::path dir_;
};

fs::path ResumeCliTest::dir_;

TEST_F(ResumeCliTest, SearchKilledAtAnyMomentResumesToTheUninterruptedRun) {
  const fs::path whole_db = dir_ / "whole.sqlite";
  const Result whole = Sculpt("run " + Write("whole.json", TableConfig(), whole_db).string() +
                              " --quiet");
  ASSERT_EQ(whole.status, 0) << whole.out;
  const std::string expected = Candidates(whole_db);
  // Every evaluation and the stored repeats, one line each, then the counted ones.
  ASSERT_GT(std::count(expected.begin(), expected.end(), '\n'), 100000) << expected.substr(0, 500);
  ASSERT_NE(expected.find("arch_id,strategy,origin,count"), std::string::npos);
  EXPECT_EQ(Query(whole_db, "SELECT candidates FROM experiment_summary"), "candidates\n250000\n");

  // As soon as the file exists (it may hold nothing yet), then early, midway and late in the
  // search (by proposals stored).
  int cut = 0;
  for (const std::string when :
       {"file", "count(*) >= 1 FROM evaluations", "candidates >= 50000 FROM experiment_summary",
        "count(*) >= 1 FROM repeat_counts"}) {
    SCOPED_TRACE("killed when " + when);
    const fs::path db = dir_ / ("cut" + std::to_string(++cut) + ".sqlite");
    ASSERT_GE(KillAndResume(Write("cut.json", TableConfig(), db), db, when), 1);
    EXPECT_TRUE(SameLines(Candidates(db), expected));
    EXPECT_EQ(Query(db, "SELECT count(*), min(status) FROM experiments"),
              "count(*),min(status)\n1,finished\n");
    EXPECT_EQ(Query(db, "SELECT json_extract(summary, '$.stop_reason'), "
                        "json_extract(summary, '$.proposals') FROM experiments"),
              Query(whole_db, "SELECT json_extract(summary, '$.stop_reason'), "
                              "json_extract(summary, '$.proposals') FROM experiments"));
  }
}

TEST_F(ResumeCliTest, MainJobKilledInTrainingSearchOrRetrainingResumesToTheSameNetwork) {
  const fs::path whole_db = dir_ / "main-whole.sqlite";
  const Result whole =
      Sculpt("run " + Write("main-whole.json", SupernetConfig(), whole_db).string() + " --quiet");
  ASSERT_EQ(whole.status, 0) << whole.out;
  const std::string retrained =
      "SELECT json_extract(result, '$.test_accuracy'), json_extract(result, '$.valid_loss') "
      "FROM training_runs WHERE kind = 'retrain' AND status = 'finished'";
  const std::string expected = Candidates(whole_db);
  const std::string expected_final = Query(whole_db, retrained);
  int cut = 0;
  for (const std::string when :
       {"count(*) >= 2 FROM training_epochs", "count(*) >= 4 FROM evaluations",
        "count(*) >= 1 FROM training_runs WHERE kind = 'retrain'"}) {
    SCOPED_TRACE("killed when " + when);
    const fs::path db = dir_ / ("main" + std::to_string(++cut) + ".sqlite");
    ASSERT_GE(KillAndResume(Write("main.json", SupernetConfig(), db), db, when), 1);
    EXPECT_TRUE(SameLines(Candidates(db), expected));
    EXPECT_EQ(Query(db, retrained), expected_final);
  }

  // Ctrl-C in the retraining: the report names the retraining interrupted, nothing exported.
  const fs::path db = dir_ / "main-ctrl-c.sqlite";
  Kill(Write("main.json", SupernetConfig(), db), db,
       "count(*) >= 1 FROM training_epochs e JOIN training_runs r ON r.id = e.run_id WHERE "
       "r.kind = 'retrain'",
       "-INT");
  const Result report = Sculpt("report " + db.string() + " --text");
  EXPECT_NE(report.out.find("whose retraining was interrupted (--resume finishes it)"),
            std::string::npos)
      << report.out;
  EXPECT_NE(report.out.find("  retraining interrupted: "), std::string::npos) << report.out;
  EXPECT_EQ(report.out.find("exported"), std::string::npos) << report.out;
  // Killed there instead (no summary written): the report still says where it stopped.
  const fs::path killed = dir_ / "main-killed.sqlite";
  Kill(Write("main.json", SupernetConfig(), killed), killed,
       "count(*) >= 1 FROM training_epochs e JOIN training_runs r ON r.id = e.run_id WHERE "
       "r.kind = 'retrain'");
  const Result killed_report = Sculpt("report " + killed.string() + " --text");
  EXPECT_NE(killed_report.out.find("whose final retraining was stopped (--resume finishes it)"),
            std::string::npos)
      << killed_report.out;
}

// The zoo trains nothing twice: a budget whose model another budget (or the final retraining)
// already trained takes that network, recorded as a run of its own. A run killed in its zoo,
// after the final retraining and the first trial finished, resumes taking every finished
// training as it is (none is trained again, no run is logged twice) and ends with the runs,
// results and models of the uninterrupted run.
TEST_F(ResumeCliTest, ZooTrainsNothingTwiceAndResumesWithoutTrainingAgain) {
  nlohmann::json config = SupernetConfig();
  config["final"]["epochs"] = 2;
  // Every candidate fits both budgets: 2 trials, then the same model for both budgets. Trials
  // long enough for the kill to land in the second one.
  config["zoo"] = {{"metric", "params"}, {"budgets", {1e12, 2e12}}, {"top", 2},
                   {"trial_epochs", 6}};
  const fs::path whole_db = dir_ / "zoo-whole.sqlite";
  const Result whole = Sculpt("run " + Write("zoo-whole.json", config, whole_db).string());
  ASSERT_EQ(whole.status, 0) << whole.out;
  const std::string runs =
      "SELECT id, ifnull(json_extract(config, '$.zoo.stage'), 'final'), "
      "json_extract(config, '$.zoo.budget'), json_extract(config, '$.same_training_as'), "
      "candidate_id, status, json_extract(result, '$.test_accuracy'), "
      "json_extract(result, '$.valid_loss') FROM training_runs WHERE kind = 'retrain' ORDER BY id";
  const std::string expected = Query(whole_db, runs);
  ASSERT_EQ(std::count(expected.begin(), expected.end(), '\n'), 1 + 5) << expected;
  // The second budget's model is the first's (or the final's) network, not trained again.
  EXPECT_EQ(Query(whole_db, "SELECT count(*) FROM training_runs r WHERE json_extract(r.config, "
                            "'$.zoo.budget') = 2e12 AND json_extract(r.config, "
                            "'$.same_training_as') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                            "training_epochs e WHERE e.run_id = r.id)"),
            "count(*)\n1\n")
      << expected;
  EXPECT_NE(whole.out.find("its network is taken"), std::string::npos) << whole.out;
  // The report shows the curves of each network trained, not an empty chart for the copy.
  const Result report = Sculpt("report " + whole_db.string() + " --text");
  ASSERT_EQ(report.status, 0) << report.out;
  EXPECT_EQ(report.out.find(": 0 epochs"), std::string::npos) << report.out;
  for (const char* budget : {"1000000000000", "2000000000000"}) {
    EXPECT_TRUE(fs::exists(dir_ / ("zoo-whole-best-params-" + std::string(budget)) / "model.pt"));
  }

  const fs::path db = dir_ / "zoo-killed.sqlite";
  const fs::path killed_config = Write("zoo.json", config, db);
  Kill(killed_config, db,
       "count(*) >= 1 FROM training_runs WHERE json_extract(config, '$.zoo.stage') = 'trial' "
       "AND status = 'finished'");
  const std::string before = Query(db, "SELECT count(*) FROM training_runs WHERE kind = 'retrain' "
                                       "AND status = 'finished'");
  const Result resumed = Sculpt("run " + killed_config.string() + " --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  if (before == "count(*)\n2\n") {  // the kill struck where it was meant to
    EXPECT_NE(resumed.out.find("finished before the stop: its network is taken as it is"),
              std::string::npos)
        << resumed.out;
  }
  EXPECT_EQ(Query(db, runs), expected);
  EXPECT_TRUE(fs::exists(dir_ / "zoo-killed-best-params-2000000000000" / "model.pt"));
}

TEST_F(ResumeCliTest, QueryShowsAKilledRunAsGoneAndRunSaysHowToResume) {
  const fs::path db = dir_ / "gone.sqlite";
  const fs::path config = Write("gone.json", TableConfig(), db);
  Kill(config, db, "count(*) >= 1 FROM evaluations");
  const Result listed = Sculpt("query " + db.string());
  EXPECT_EQ(listed.status, 0) << listed.out;
  EXPECT_NE(listed.out.find(" gone "), std::string::npos) << listed.out;
  // The command that continues it carries the seed and workers it ran with: the file's own
  // could differ (a --seed override), and --resume matches them.
  auto value = [&](const std::string& key) {
    std::string csv = Query(db, "SELECT json_extract(config, '$." + key + "') FROM experiments");
    csv = csv.substr(csv.find('\n') + 1);  // past the header
    return csv.substr(0, csv.find('\n'));
  };
  EXPECT_NE(listed.out.find("sculpt run CONFIG --db " + db.string() + " --seed " + value("seed") +
                            " --workers " + value("workers") + " --resume   # experiment 1 ("),
            std::string::npos)
      << listed.out;
  // The report says so too, not "running".
  const Result report = Sculpt("report " + db.string() + " --text");
  EXPECT_NE(report.out.find("' (gone)"), std::string::npos) << report.out;
  EXPECT_EQ(report.out.find("(running)"), std::string::npos) << report.out;
  // Without --resume, a new experiment starts, and the run says how to continue the old one.
  const Result again = Sculpt("run " + config.string() + " --quiet");
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("experiment 1 of this config stopped unfinished (its process is "
                           "gone); add --resume"),
            std::string::npos)
      << again.out;
  // With another config, --resume finds nothing to continue and says why.
  const Result other_run = ResumeWithSeed("gone-other.json", db, 6);
  EXPECT_EQ(other_run.status, 0) << other_run.out;
  EXPECT_NE(other_run.out.find("nothing to resume: experiment 1 of this name stopped "
                               "unfinished but had another config (differs in: seed)"),
            std::string::npos)
      << other_run.out;
  // Experiment 2, of the same config, finished since: --resume still continues experiment 1,
  // as its messages above offered, with the database named as `query` printed it or relative to
  // another folder (its stored path is the config's).
  const Result resumed =
      testing::RunCommand("cd " + dir_.string() + " && " + std::string(SCULPT_BINARY) + " run " +
                          config.string() + " --db ./" + db.filename().string() + " --seed " +
                          value("seed") + " --workers " + value("workers") + " --quiet --resume");
  EXPECT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resuming experiment 1 ("), std::string::npos) << resumed.out;
  const Result nothing_left = Sculpt("run " + config.string() + " --quiet --resume");
  EXPECT_NE(nothing_left.out.find("nothing to resume: experiment 2 of this config finished"),
            std::string::npos)
      << nothing_left.out;
}

// An experiment stopped by an earlier Sculpt, which recorded no contents of the files a config
// reads, is still resumed after an upgrade where those files are unchanged.
TEST_F(ResumeCliTest, AnUpgradeDoesNotStrandAStoppedRun) {
  const fs::path db = dir_ / "upgraded.sqlite";
  const fs::path config = Write("upgraded.json", TableConfig(), db);
  Kill(config, db, "count(*) >= 1 FROM evaluations");
  {
    sqlite::Database file(db.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec("UPDATE experiments SET config = json_remove(config, '$.evaluator.path_contents')");
  }
  const Result resumed = Sculpt("run " + config.string() + " --quiet --resume");
  EXPECT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resuming experiment 1 ("), std::string::npos) << resumed.out;
}

// A run whose output pipe closes (`sculpt run ... | head`) stops as after Ctrl-C: marked
// interrupted, resumable, rather than killed by SIGPIPE at its next write and left "running".
TEST_F(ResumeCliTest, AClosedOutputPipeStopsTheRunCleanly) {
  const fs::path db = dir_ / "piped.sqlite";
  const fs::path config = Write("piped.json", TableConfig(), db);
  const fs::path status = dir_ / "piped.status";
  const Result piped =
      testing::RunCommand("{ " + std::string(SCULPT_BINARY) + " run " + config.string() +
                          "; echo $? > " + status.string() + "; } 2>&1 | true");
  EXPECT_EQ(piped.status, 0) << piped.out;
  EXPECT_EQ(Query(db, "SELECT status FROM experiments"), "status\ninterrupted\n");
  // Its exit status is Ctrl-C's, 130: its last lines (the summary) go nowhere, without a kill.
  EXPECT_EQ(testing::ReadText(status), "130\n");
  const Result resumed = Sculpt("run " + config.string() + " --quiet --resume");
  EXPECT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resuming experiment 1 (interrupted)"), std::string::npos)
      << resumed.out;
}

TEST_F(ResumeCliTest, NothingToResumeNamesAFinishedExperimentOfAnotherConfig) {
  const fs::path db = dir_ / "finished.sqlite";
  ASSERT_EQ(Sculpt("run " + Write("finished.json", TableConfig(), db).string() + " --quiet").status,
            0);
  const Result other_run = ResumeWithSeed("finished-other.json", db, 7);
  EXPECT_EQ(other_run.status, 0) << other_run.out;
  EXPECT_NE(other_run.out.find("nothing to resume: experiment 1 of this name finished but had "
                               "another config (differs in: seed)"),
            std::string::npos)
      << other_run.out;
  // Of several, the nearest config is named: experiment 2 (seed 7) is the newer, but
  // experiment 1 differs from this one in one key only.
  nlohmann::json near = TableConfig();
  near["batch"] = 4;
  const Result nearest =
      Sculpt("run " + Write("finished-near.json", near, db).string() + " --quiet --resume");
  EXPECT_EQ(nearest.status, 0) << nearest.out;
  EXPECT_NE(nearest.out.find("nothing to resume: experiment 1 of this name finished but had "
                             "another config (differs in: batch)"),
            std::string::npos)
      << nearest.out;
}

}  // namespace
}  // namespace sculpt
