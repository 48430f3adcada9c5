#include "experiments/store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

#include "experiments/store/sqlite_statement.h"
#include "experiments/store/store_schema.h"
#include "experiments/store/store_writer.h"
#include "experiments/store/strategy_answer.h"
#include "spaces/errors.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("sculpt_store_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& Path() const { return path_; }

 private:
  fs::path path_;
};

CandidateRecord Evaluated(std::int64_t step, double accuracy, double params) {
  CandidateRecord r;
  r.step = step;
  r.arch_text = "arch-" + std::to_string(step);
  r.hash = 0x1000 + static_cast<std::uint64_t>(step);
  r.strategy = "random";
  r.origin = "random";
  r.metrics = {{"accuracy", accuracy}, {"params", params}};
  r.objective = accuracy;
  r.eval_seconds = 0.25;
  r.finished_at = 1.5 + static_cast<double>(step);
  return r;
}

CandidateRecord Repeat(std::int64_t step, const CandidateRecord& of) {
  CandidateRecord r = of;
  r.step = step;
  r.repeat_of = of.step;
  r.parent = of.step;
  r.origin = "mutation";
  r.metrics.clear();
  r.eval_seconds = 0.0;
  return r;
}

CandidateRecord Failed(std::int64_t step, CandidateStatus status, std::string error) {
  CandidateRecord r;
  r.step = step;
  r.arch_text = "broken-" + std::to_string(step);
  r.hash = 0xdeadbeef00000000ULL + static_cast<std::uint64_t>(step);
  r.strategy = "random";
  r.origin = "random";
  r.status = status;
  r.error = std::move(error);
  r.metrics = {{"params", 5e6}};
  return r;
}

std::int64_t NewExperiment(ResultStore& store, const std::string& name, Goal goal,
                           const std::string& metric = "accuracy") {
  return store.CreateExperiment(name, {{"name", name}, {"budget", 10}}, "nb201", "random",
                                {metric, goal}, 7);
}

// A database path is a file's, whatever it looks like: SQLite would read "file:..." as a URI
// (mode=memory: every result lost) and an empty name as a private temporary database.
TEST(StoreTest, APathThatLooksLikeAnSqliteUriIsAFile) {
  TempDir dir;
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.Path());
  fs::create_directories("file:odd");
  {
    sqlite::Database db("file:odd/m.sqlite?mode=memory", sqlite::Database::Mode::kReadWrite);
    db.Exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  }
  const bool written = fs::exists(dir.Path() / "file:odd" / "m.sqlite?mode=memory");
  EXPECT_THROW(sqlite::Database("", sqlite::Database::Mode::kReadWrite), UserError);
  fs::current_path(cwd);
  EXPECT_TRUE(written);
}

// A full disk is the machine's failure, not a wrong file: a SystemFailure (the CLI's exit 1, also
// where it answers other errors of opening a database as bad input), from a statement run
// directly and from a prepared one. SQLite's page limit gives the same SQLITE_FULL as a disk.
TEST(StoreTest, AFullDatabaseIsASystemFailureNotBadInput) {
  sqlite::Database db(":memory:", sqlite::Database::Mode::kReadWrite);
  db.Exec("CREATE TABLE t (x)");
  db.Exec("PRAGMA max_page_count = " + std::to_string(2));
  auto fill = [&] {
    sqlite::Statement insert(db, "INSERT INTO t VALUES (randomblob(100000))");
    insert.Run();
  };
  EXPECT_THROW(fill(), SystemFailure);
  EXPECT_THROW(db.Exec("CREATE TABLE u (x); CREATE TABLE v (x); CREATE TABLE w (x)"),
               SystemFailure);
  // A statement's own fault stays a plain error.
  try {
    db.Exec("CREATE TABLE t (x)");
    ADD_FAILURE() << "a second table t was made";
  } catch (const SystemFailure&) {
    ADD_FAILURE() << "a statement's fault taken for the machine's";
  } catch (const UserError&) {
  }
}

TEST(StoreTest, NewDatabaseHasNoExperiments) {
  auto store = ResultStore::Open(":memory:");
  EXPECT_TRUE(store->Experiments().empty());
  EXPECT_FALSE(store->NewestExperiment());
  EXPECT_FALSE(store->FindExperiment("1"));
}

TEST(StoreTest, ExperimentRoundTrip) {
  auto store = ResultStore::Open(":memory:");
  const std::uint64_t big_seed = std::numeric_limits<std::uint64_t>::max() - 3;
  const nlohmann::json config = {{"name", "first"}, {"space", {{"type", "nb201"}}}};
  const std::int64_t id = store->CreateExperiment("first", config, "nb201", "evolution",
                                                  {"loss", Goal::kMinimize}, big_seed);
  std::optional<ExperimentInfo> e = store->FindExperiment(std::to_string(id));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->id, id);
  EXPECT_EQ(e->name, "first");
  EXPECT_EQ(e->config, config);
  EXPECT_EQ(e->space, "nb201");
  EXPECT_EQ(e->strategy, "evolution");
  EXPECT_EQ(e->objective.metric, "loss");
  EXPECT_EQ(e->objective.goal, Goal::kMinimize);
  EXPECT_EQ(e->seed, big_seed);
  EXPECT_EQ(e->status, "running");
  EXPECT_FALSE(e->sculpt_version.empty());
  ASSERT_EQ(e->created_at.size(), 20u);  // 2024-05-01T12:00:00Z
  EXPECT_EQ(e->created_at[10], 'T');
  EXPECT_EQ(e->created_at.back(), 'Z');
  EXPECT_TRUE(e->finished_at.empty());
  EXPECT_TRUE(e->summary.is_null());

  store->FinishExperiment(id, "interrupted", {{"proposals", 12}});
  e = store->FindExperiment("first");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, "interrupted");
  EXPECT_EQ(e->summary["proposals"], 12);
  EXPECT_FALSE(e->finished_at.empty());

  EXPECT_FALSE(store->StrategyState(id));
  store->SaveStrategyState(id, {{"population", {1, 2, 3}}});
  EXPECT_EQ(*store->StrategyState(id), (nlohmann::json{{"population", {1, 2, 3}}}));

  EXPECT_THROW(store->FinishExperiment(id, "done", {}), UserError);
  EXPECT_THROW(store->FinishExperiment(id + 100, "finished", {}), UserError);
  EXPECT_THROW(store->SaveStrategyState(id + 100, {}), UserError);
  EXPECT_THROW(store->Writer(id + 100), UserError);
}

// Two `sculpt run --resume`s started together both find the experiment's process gone; the
// second to take it (under SQLite's write lock) is refused, instead of replaying and writing the
// same steps again beside the first.
TEST(StoreTest, OnlyOneRunTakesUpAnExperimentWhoseProcessIsGone) {
  TempDir dir;
  const std::string path = (dir.Path() / "runs.sqlite").string();
  auto first = ResultStore::Open(path);
  auto second = ResultStore::Open(path);
  const std::int64_t id = first->CreateExperiment("x", {{"name", "x"}}, "nb201", "random",
                                                  {"loss", Goal::kMinimize}, 1);
  {
    sqlite::Database file(path, sqlite::Database::Mode::kReadWrite);
    file.Exec("UPDATE run_processes SET start = 'no-boot:0'");  // a process that is gone
  }
  ASSERT_EQ(second->FindExperiment("1")->process_alive, std::optional<bool>(false));
  first->ReopenExperiment(id);  // both saw it gone; this one took it
  try {
    second->ReopenExperiment(id);
    FAIL() << "a second run took up the experiment too";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("cannot resume: experiment 1 was taken up meanwhile "
                        "by another run (pid "),
              std::string::npos)
        << error.what();
  }
}

TEST(StoreTest, FindExperimentByIdAndNewestOfName) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t a1 = NewExperiment(*store, "alpha", Goal::kMaximize);
  const std::int64_t b = NewExperiment(*store, "beta", Goal::kMaximize);
  const std::int64_t a2 = NewExperiment(*store, "alpha", Goal::kMaximize);
  // A name that looks like an id that does not exist.
  const std::int64_t numeric = NewExperiment(*store, "2024", Goal::kMaximize);

  EXPECT_EQ(store->FindExperiment(std::to_string(a1))->id, a1);
  EXPECT_EQ(store->FindExperiment(std::to_string(b))->name, "beta");
  EXPECT_EQ(store->FindExperiment("alpha")->id, a2);
  EXPECT_EQ(store->FindExperiment("2024")->id, numeric);
  EXPECT_FALSE(store->FindExperiment("gamma"));
  EXPECT_FALSE(store->FindExperiment(""));
  EXPECT_EQ(store->NewestExperiment()->id, numeric);
  const std::vector<ExperimentInfo> all = store->Experiments();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].id, a1);
  EXPECT_EQ(all[3].id, numeric);
}

TEST(StoreTest, CandidatesRoundTripIncludingRepeatsAndFailures) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  auto writer = store->Writer(id);
  CandidateRecord first = Evaluated(0, 91.5, 1.2e6);
  first.metrics["loss"] = std::numeric_limits<double>::quiet_NaN();
  first.metrics["odd \"name\"\n\x01\\"] = -2.5e-300;  // escaped in the JSON text
  first.hash = 0x0123456789abcdefULL;
  const CandidateRecord failed = Failed(1, CandidateStatus::kFailed, "diverged: loss is \"nan\"");
  const CandidateRecord infeasible =
      Failed(2, CandidateStatus::kInfeasible, "violates params <= 1e+06");
  const CandidateRecord repeat = Repeat(3, first);
  writer->Write(std::vector<CandidateRecord>{first, failed});
  writer->Write(std::vector<CandidateRecord>{infeasible, repeat});

  const std::optional<StoredCandidate> a = store->CandidateAtStep(id, 0);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->experiment_id, id);
  EXPECT_EQ(a->arch, "arch-0");
  EXPECT_EQ(a->hash, "0123456789abcdef");
  EXPECT_EQ(a->strategy, "random");
  EXPECT_EQ(a->origin, "random");
  EXPECT_EQ(a->parent, -1);
  EXPECT_EQ(a->status, "ok");
  EXPECT_EQ(a->error, "");
  EXPECT_EQ(a->repeat_of, -1);
  EXPECT_EQ(a->objective, 91.5);
  ASSERT_EQ(a->metrics.size(), 4u);
  EXPECT_EQ(a->metrics.at("odd \"name\"\n\x01\\"), -2.5e-300);
  EXPECT_EQ(a->metrics.at("accuracy"), 91.5);
  EXPECT_EQ(a->metrics.at("params"), 1.2e6);
  EXPECT_TRUE(std::isnan(a->metrics.at("loss")));
  EXPECT_EQ(a->eval_seconds, 0.25);
  EXPECT_EQ(a->finished_at, 1.5);

  const std::optional<StoredCandidate> f = store->Candidate(store->CandidateAtStep(id, 1)->id);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->step, 1);
  EXPECT_EQ(f->status, "failed");
  EXPECT_EQ(f->error, "diverged: loss is \"nan\"");
  EXPECT_FALSE(f->objective);

  const std::optional<StoredCandidate> i = store->CandidateAtStep(id, 2);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->status, "infeasible");
  EXPECT_EQ(i->error, "violates params <= 1e+06");
  EXPECT_EQ(i->metrics.at("params"), 5e6);

  const std::optional<StoredCandidate> r = store->CandidateAtStep(id, 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->repeat_of, 0);
  EXPECT_EQ(r->parent, 0);
  EXPECT_EQ(r->origin, "mutation");
  EXPECT_EQ(r->hash, a->hash);
  EXPECT_TRUE(r->metrics.empty());
  EXPECT_EQ(r->objective, 91.5);

  EXPECT_FALSE(store->CandidateAtStep(id, 4));
  EXPECT_FALSE(store->Candidate(999));

  const ExperimentStats stats = store->Stats(id);
  EXPECT_EQ(stats.candidates, 4);
  EXPECT_EQ(stats.evaluated, 1);
  EXPECT_EQ(stats.best_objective, 91.5);
}

TEST(StoreTest, FailedBatchLeavesNothingBehind) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  auto writer = store->Writer(id);
  writer->Write(std::vector<CandidateRecord>{Evaluated(0, 1.0, 1.0)});
  // Step 1 is new but step 0 is taken: the whole batch is one transaction.
  EXPECT_THROW(
      writer->Write(std::vector<CandidateRecord>{Evaluated(1, 2.0, 1.0), Evaluated(0, 3.0, 1.0)}),
      UserError);
  EXPECT_EQ(store->Stats(id).candidates, 1);
  EXPECT_FALSE(store->CandidateAtStep(id, 1));
  // The writer still works afterwards.
  writer->Write(std::vector<CandidateRecord>{Evaluated(1, 2.0, 1.0)});
  EXPECT_EQ(store->Stats(id).candidates, 2);
}

TEST(StoreTest, LargeBatchesKeepEveryRecord) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  auto writer = store->Writer(id);
  // 150 records: whole multi-row inserts plus single rows; every other one a repeat.
  std::vector<CandidateRecord> records;
  for (std::int64_t step = 0; step < 150; ++step) {
    records.push_back(step % 2 == 0 ? Evaluated(step, static_cast<double>(step), 1.0)
                                    : Repeat(step, records.back()));
  }
  writer->Write(records);
  EXPECT_EQ(store->Stats(id).candidates, 150);
  EXPECT_EQ(store->Stats(id).evaluated, 75);
  for (const std::int64_t step : {0, 63, 64, 127, 128, 149}) {
    const std::optional<StoredCandidate> c = store->CandidateAtStep(id, step);
    ASSERT_TRUE(c) << step;
    EXPECT_EQ(c->arch, records[static_cast<std::size_t>(step)].arch_text);
    EXPECT_EQ(c->repeat_of, records[static_cast<std::size_t>(step)].repeat_of);
    EXPECT_EQ(c->metrics, records[static_cast<std::size_t>(step)].metrics);
  }
  EXPECT_EQ(store->Top(id, 1).at(0).step, 148);
  // A duplicate step rolls back the whole batch.
  std::vector<CandidateRecord> bad;
  for (std::int64_t step = 150; step < 230; ++step) bad.push_back(Evaluated(step, 1.0, 1.0));
  bad[70].step = 4;
  EXPECT_THROW(writer->Write(bad), UserError);
  EXPECT_EQ(store->Stats(id).candidates, 150);
}

TEST(StoreTest, TopFollowsTheObjectiveGoal) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t max_id = NewExperiment(*store, "max", Goal::kMaximize);
  const std::int64_t min_id = NewExperiment(*store, "min", Goal::kMinimize);
  const std::vector<double> values = {70.0, 90.0, 80.0, 90.0, 60.0};
  for (const std::int64_t id : {max_id, min_id}) {
    std::vector<CandidateRecord> records;
    for (std::size_t s = 0; s < values.size(); ++s) {
      records.push_back(Evaluated(static_cast<std::int64_t>(s), values[s], 1.0));
    }
    records.push_back(Repeat(5, records[1]));
    records.push_back(Failed(6, CandidateStatus::kFailed, "boom"));
    records.push_back(Failed(7, CandidateStatus::kInfeasible, "too big"));
    store->Writer(id)->Write(records);
  }

  const std::vector<StoredCandidate> best = store->Top(max_id, 3);
  ASSERT_EQ(best.size(), 3u);
  // Ties go to the earlier step; the repeat of step 1 is not listed again.
  EXPECT_EQ(best[0].step, 1);
  EXPECT_EQ(best[1].step, 3);
  EXPECT_EQ(best[2].step, 2);
  EXPECT_EQ(best[0].metrics.at("accuracy"), 90.0);

  const std::vector<StoredCandidate> lowest = store->Top(min_id, 2);
  ASSERT_EQ(lowest.size(), 2u);
  EXPECT_EQ(lowest[0].step, 4);
  EXPECT_EQ(lowest[1].step, 0);
  EXPECT_EQ(lowest[0].experiment_id, min_id);

  EXPECT_EQ(store->Top(max_id, 100).size(), 5u);  // ok and not repeats only
  EXPECT_EQ(store->Stats(min_id).best_objective, 60.0);
  EXPECT_EQ(store->Stats(max_id).best_objective, 90.0);
  EXPECT_THROW(store->Top(12345, 1), UserError);
}

TEST(StoreTest, TopUsesThePartialIndex) {
  auto store = ResultStore::Open(":memory:");
  const Table plan = store->Sql(
      "EXPLAIN QUERY PLAN SELECT id FROM evaluations WHERE experiment_id = 1 AND status = 'ok' "
      "AND objective IS NOT NULL ORDER BY objective DESC, step LIMIT 10");
  std::string text;
  for (const auto& row : plan.rows) text += std::get<std::string>(row.back()) + "\n";
  EXPECT_NE(text.find("evaluations_by_objective"), std::string::npos) << text;
}

TEST(StoreTest, ViewsResolveRepeatsAndLongForm) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  const CandidateRecord first = Evaluated(0, 90.0, 2.0);
  store->Writer(id)->Write(std::vector<CandidateRecord>{first, Repeat(1, first)});

  const Table resolved = store->Sql(
      "SELECT step, is_repeat, json_extract(metrics, '$.accuracy') "
      "FROM candidate_results ORDER BY step");
  ASSERT_EQ(resolved.rows.size(), 2u);
  EXPECT_EQ(std::get<std::int64_t>(resolved.rows[1][1]), 1);
  EXPECT_EQ(std::get<double>(resolved.rows[1][2]), 90.0);

  const Table long_form =
      store->Sql("SELECT metric, value FROM candidate_metrics ORDER BY step, metric");
  ASSERT_EQ(long_form.rows.size(), 2u);  // the repeat has no evaluation of its own
  EXPECT_EQ(std::get<std::string>(long_form.rows[0][0]), "accuracy");
  EXPECT_EQ(std::get<double>(long_form.rows[0][1]), 90.0);
  EXPECT_EQ(std::get<std::string>(long_form.rows[1][0]), "params");
}

TEST(StoreTest, AnAnswerProposedAsARepeatIsTheEvaluationItRepeats) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  const CandidateRecord first = Evaluated(0, 90.0, 2.0);
  CandidateRecord answer_state = Repeat(1, first);
  answer_state.arch_text = "arch-0-isomorph";
  CandidateRecord goal = Repeat(2, first);
  goal.arch_text = answer_state.arch_text;
  goal.parent = answer_state.step;
  goal.origin = "astar-goal";
  store->Writer(id)->Write(std::vector<CandidateRecord>{first, answer_state, goal});
  const std::optional<StoredCandidate> answer = StrategyAnswer(*store, id);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->step, 0);
  EXPECT_NE(answer->id, 0);
  EXPECT_EQ(answer->metrics.at("accuracy"), 90.0);
}

TEST(StoreTest, SqlKeepsTypesAndReportsErrors) {
  auto store = ResultStore::Open(":memory:");
  NewExperiment(*store, "exp", Goal::kMaximize);
  const Table table = store->Sql(
      "SELECT 1 AS one, 2.5 AS half, 'x' AS text, NULL AS missing, "
      "x'00ff' AS bytes; -- trailing comment");
  ASSERT_EQ(table.columns, (std::vector<std::string>{"one", "half", "text", "missing", "bytes"}));
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(std::get<std::int64_t>(table.rows[0][0]), 1);
  EXPECT_EQ(std::get<double>(table.rows[0][1]), 2.5);
  EXPECT_EQ(std::get<std::string>(table.rows[0][2]), "x");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(table.rows[0][3]));
  EXPECT_EQ(std::get<std::string>(table.rows[0][4]), "x'00ff'");

  try {
    store->Sql("SELECT * FROM no_such_table");
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("no such table: no_such_table"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(store->Sql("SELEC 1"), UserError);
  EXPECT_THROW(store->Sql("   "), UserError);
  EXPECT_THROW(store->Sql("SELECT 1; SELECT 2"), UserError);
  EXPECT_THROW(store->Sql("DELETE FROM experiments"), UserError);
  EXPECT_THROW(store->Sql("DROP TABLE candidates"), UserError);
  EXPECT_EQ(store->Experiments().size(), 1u);
}

TEST(StoreTest, TrainingRunsAndEpochsRoundTrip) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  store->Writer(id)->Write(std::vector<CandidateRecord>{Evaluated(0, 90.0, 2.0)});
  const std::int64_t candidate = store->CandidateAtStep(id, 0)->id;

  const std::int64_t supernet =
      store->BeginTrainingRun(id, std::nullopt, "supernet", {{"epochs", 3}});
  const std::int64_t retrain = store->BeginTrainingRun(id, candidate, "retrain", {});
  EXPECT_NE(supernet, retrain);
  for (int epoch = 0; epoch < 3; ++epoch) {
    store->RecordEpoch(supernet, epoch,
                       {{"train_loss", 2.0 - epoch},
                        {"valid_accuracy", 0.3 + 0.1 * epoch},
                        {"lr", 0.1},
                        {"seconds", 4.0},
                        {"arch_entropy", 1.5 - 0.5 * epoch}});
  }
  // Recording an epoch again replaces it (a resumed run).
  store->RecordEpoch(supernet, 2, {{"train_loss", 0.5}});
  store->FinishTrainingRun(supernet, "finished", {{"valid_accuracy", 0.5}});

  const std::optional<TrainingRunInfo> run = store->TrainingRun(supernet);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->experiment_id, id);
  EXPECT_FALSE(run->candidate_id);
  EXPECT_EQ(run->kind, "supernet");
  EXPECT_EQ(run->status, "finished");
  EXPECT_EQ(run->config["epochs"], 3);
  EXPECT_EQ(run->result.at("valid_accuracy"), 0.5);
  EXPECT_FALSE(run->started_at.empty());
  EXPECT_FALSE(run->finished_at.empty());
  EXPECT_EQ(store->TrainingRun(retrain)->candidate_id, candidate);
  EXPECT_EQ(store->TrainingRun(retrain)->status, "running");

  const std::vector<TrainingEpoch> epochs = store->TrainingEpochs(supernet);
  ASSERT_EQ(epochs.size(), 3u);
  EXPECT_EQ(epochs[0].epoch, 0);
  EXPECT_EQ(epochs[1].values.at("train_loss"), 1.0);
  EXPECT_DOUBLE_EQ(epochs[1].values.at("valid_accuracy"), 0.4);
  EXPECT_EQ(epochs[1].values.at("arch_entropy"), 1.0);
  EXPECT_EQ(epochs[1].values.size(), 5u);
  EXPECT_EQ(epochs[2].values, (Metrics{{"train_loss", 0.5}}));
  EXPECT_TRUE(store->TrainingEpochs(retrain).empty());

  const Table curves = store->Sql("SELECT epoch, train_loss FROM training_curves WHERE run_id = " +
                                  std::to_string(supernet) + " ORDER BY epoch");
  ASSERT_EQ(curves.rows.size(), 3u);
  EXPECT_EQ(std::get<double>(curves.rows[0][1]), 2.0);
  const Table long_form = store->Sql(
      "SELECT value FROM training_epoch_metrics WHERE metric = 'arch_entropy' ORDER BY epoch");
  ASSERT_EQ(long_form.rows.size(), 2u);
  EXPECT_EQ(std::get<double>(long_form.rows[1][0]), 1.0);

  EXPECT_THROW(store->BeginTrainingRun(id, std::nullopt, "finetune", {}), UserError);
  EXPECT_THROW(store->BeginTrainingRun(id + 9, std::nullopt, "retrain", {}), UserError);
  EXPECT_THROW(store->BeginTrainingRun(id, candidate + 9, "retrain", {}), UserError);
  EXPECT_THROW(store->RecordEpoch(retrain + 9, 0, {}), UserError);
  EXPECT_THROW(store->FinishTrainingRun(retrain, "running", {}), UserError);
  EXPECT_FALSE(store->TrainingRun(retrain + 9));
}

TEST(StoreTest, FileDatabasePersistsAndOpensReadOnly) {
  TempDir dir;
  const std::string path = (dir.Path() / "runs.sqlite").string();
  {
    auto store = ResultStore::Open(path);
    const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
    store->Writer(id)->Write(std::vector<CandidateRecord>{Evaluated(0, 90.0, 2.0)});
  }
  auto reader = ResultStore::OpenReadOnly(path);
  ASSERT_EQ(reader->Experiments().size(), 1u);
  {
    // A search writing while someone queries: the reader sees each committed batch.
    auto writer_store = ResultStore::Open(path);
    const std::int64_t id = writer_store->NewestExperiment()->id;
    auto writer = writer_store->Writer(id);
    writer->Write(std::vector<CandidateRecord>{Evaluated(1, 95.0, 2.0)});
    EXPECT_EQ(reader->Top(id, 1).at(0).step, 1);
    writer->Write(std::vector<CandidateRecord>{Evaluated(2, 96.0, 2.0)});
    EXPECT_EQ(ResultStore::OpenReadOnly(path)->Top(id, 1).at(0).step, 2);
  }
  EXPECT_EQ(reader->Top(reader->NewestExperiment()->id, 5).size(), 3u);
  // The read-only store never writes.
  EXPECT_THROW(NewExperiment(*reader, "more", Goal::kMaximize), UserError);
  EXPECT_THROW(reader->Sql("PRAGMA user_version = 3"), UserError);

  const Table mode = ResultStore::Open(path)->Sql("SELECT journal_mode FROM pragma_journal_mode");
  EXPECT_EQ(std::get<std::string>(mode.rows.at(0).at(0)), "wal");
}

// `sculpt query` after a run leaves the database as the run did: one file, no -wal or -shm. While
// a search writes, a reader's close leaves the search's log alone.
TEST(StoreTest, AReaderLeavesNoLogFilesBehindButKeepsAWritersLog) {
  TempDir dir;
  const std::string path = (dir.Path() / "runs.sqlite").string();
  std::int64_t id = 0;
  {
    auto store = ResultStore::Open(path);
    id = NewExperiment(*store, "exp", Goal::kMaximize);
    store->Writer(id)->Write(std::vector<CandidateRecord>{Evaluated(0, 90.0, 2.0)});
  }
  ASSERT_FALSE(fs::exists(path + "-wal"));
  EXPECT_EQ(ResultStore::OpenReadOnly(path)->Top(id, 5).size(), 1u);
  EXPECT_FALSE(fs::exists(path + "-wal"));
  EXPECT_FALSE(fs::exists(path + "-shm"));

  auto writer_store = ResultStore::Open(path);
  auto writer = writer_store->Writer(id);
  writer->Write(std::vector<CandidateRecord>{Evaluated(1, 95.0, 2.0)});
  EXPECT_EQ(ResultStore::OpenReadOnly(path)->Top(id, 5).size(), 2u);
  EXPECT_TRUE(fs::exists(path + "-wal"));
  writer->Write(std::vector<CandidateRecord>{Evaluated(2, 96.0, 2.0)});
  EXPECT_EQ(ResultStore::OpenReadOnly(path)->Top(id, 5).size(), 3u);
}

// A database in a folder no one can write (read-only media) is read without its -shm file, which
// SQLite could not make there: nothing can write to it, so it is read as immutable.
TEST(StoreTest, ADatabaseInAFolderNoOneCanWriteIsRead) {
  TempDir dir;
  const fs::path folder = dir.Path() / "locked";
  fs::create_directories(folder);
  const std::string path = (folder / "runs.sqlite").string();
  std::int64_t id = 0;
  {
    auto store = ResultStore::Open(path);
    id = NewExperiment(*store, "exp", Goal::kMaximize);
    store->Writer(id)->Write(std::vector<CandidateRecord>{Evaluated(0, 90.0, 2.0)});
  }
  // Root writes through permissions; an immutable folder stops it too, where the file system
  // has the flag.
  const std::string locked = folder.string();
  const bool immutable = std::system(("chattr +i '" + locked + "' 2>/dev/null").c_str()) == 0;
  if (!immutable) fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(locked.c_str(), W_OK) == 0) {
    fs::permissions(folder, fs::perms::owner_all);
    GTEST_SKIP() << "this user can write to any folder here (root without chattr)";
  }
  std::size_t rows = 0;
  try {
    rows = ResultStore::OpenReadOnly(path)->Top(id, 5).size();
  } catch (const UserError& error) {
    ADD_FAILURE() << error.what();
  }
  if (immutable) std::system(("chattr -i '" + locked + "'").c_str());
  fs::permissions(folder, fs::perms::owner_all);
  EXPECT_EQ(rows, 1u);
  EXPECT_FALSE(fs::exists(path + "-shm"));
}

TEST(StoreTest, OpenReadOnlyNeverCreatesAFile) {
  TempDir dir;
  const fs::path path = dir.Path() / "missing.sqlite";
  EXPECT_THROW(ResultStore::OpenReadOnly(path.string()), UserError);
  EXPECT_FALSE(fs::exists(path));
}

// `sculpt train` adds to a database of results: it never makes one of a missing or empty file.
TEST(StoreTest, OpenExistingNeverCreatesAFileOrASchema) {
  TempDir dir;
  const fs::path missing = dir.Path() / "missing.sqlite";
  EXPECT_THROW(ResultStore::OpenExisting(missing.string()), NotADatabase);
  EXPECT_FALSE(fs::exists(missing));
  const fs::path empty = dir.Path() / "empty.sqlite";
  { std::ofstream file(empty); }
  try {
    ResultStore::OpenExisting(empty.string());
    FAIL() << "expected a UserError";
  } catch (const NotADatabase&) {
    FAIL() << "an empty file is a database without results, not another kind of file";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("holds no results yet"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(fs::file_size(empty), 0u);
  const fs::path made = dir.Path() / "made.sqlite";
  NewExperiment(*ResultStore::Open(made.string()), "e", Goal::kMaximize);
  EXPECT_EQ(ResultStore::OpenExisting(made.string())->Experiments().size(), 1u);
}

TEST(StoreTest, RefusesFilesThatAreNotSculptDatabases) {
  TempDir dir;
  const fs::path text = dir.Path() / "notes.sqlite";
  {
    std::ofstream file(text);
    file << "these are not the results you are looking for\n";
    for (int i = 0; i < 200; ++i) file << "padding line " << i << "\n";
  }
  EXPECT_THROW(ResultStore::Open(text.string()), UserError);
  EXPECT_THROW(ResultStore::OpenReadOnly(text.string()), UserError);

  const fs::path other = dir.Path() / "other.sqlite";
  {
    sqlite::Database db(other.string(), sqlite::Database::Mode::kReadWrite);
    db.Exec("CREATE TABLE things (x INTEGER)");
  }
  try {
    ResultStore::Open(other.string());
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("not a Sculpt database"), std::string::npos);
  }
  const fs::path empty = dir.Path() / "empty.sqlite";
  { std::ofstream file(empty); }
  EXPECT_THROW(ResultStore::OpenReadOnly(empty.string()), UserError);
}

TEST(StoreTest, RefusesANewerSchemaVersion) {
  TempDir dir;
  const std::string path = (dir.Path() / "future.sqlite").string();
  ResultStore::Open(path).reset();
  {
    sqlite::Database db(path, sqlite::Database::Mode::kReadWrite);
    db.Exec("UPDATE meta SET value = '" + std::to_string(kStoreSchemaVersion + 1) +
            "' WHERE key = 'schema_version'");
  }
  try {
    ResultStore::Open(path);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("newer Sculpt"), std::string::npos) << error.what();
  }
  EXPECT_THROW(ResultStore::OpenReadOnly(path), UserError);
}

TEST(StoreTest, RepeatsOfABatchShareOneRowAndReadBackInTheCandidatesView) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  const CandidateRecord first = Evaluated(0, 90.0, 2.0);
  CandidateRecord isomorph = Repeat(2, first);
  isomorph.arch_text = "arch-0-written-differently";
  store->Writer(id)->Write(std::vector<CandidateRecord>{first, Repeat(1, first), isomorph,
                                                        Evaluated(3, 80.0, 1.0)});
  const Table batches = store->Sql("SELECT first_step, count FROM repeat_batches");
  ASSERT_EQ(batches.rows.size(), 1u);
  EXPECT_EQ(std::get<std::int64_t>(batches.rows[0][0]), 1);
  EXPECT_EQ(std::get<std::int64_t>(batches.rows[0][1]), 2);
  // The view gives every proposal in one row each, the repeat with its own string form.
  const Table all = store->Sql(
      "SELECT step, arch, repeat_of_step, parent_step, origin, status, objective FROM candidates "
      "ORDER BY step");
  ASSERT_EQ(all.rows.size(), 4u);
  EXPECT_EQ(std::get<std::string>(all.rows[2][1]), "arch-0-written-differently");
  EXPECT_EQ(std::get<std::int64_t>(all.rows[2][2]), 0);
  EXPECT_EQ(std::get<std::int64_t>(all.rows[2][3]), 0);
  EXPECT_EQ(std::get<std::string>(all.rows[2][4]), "mutation");
  EXPECT_EQ(std::get<std::string>(all.rows[2][5]), "ok");
  EXPECT_EQ(std::get<double>(all.rows[2][6]), 90.0);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(all.rows[3][2]));
  const std::optional<StoredCandidate> repeat = store->CandidateAtStep(id, 2);
  ASSERT_TRUE(repeat);
  EXPECT_EQ(repeat->id, 0);
  EXPECT_EQ(repeat->repeat_of, 0);
  EXPECT_EQ(repeat->arch, "arch-0-written-differently");
  EXPECT_EQ(repeat->hash, store->CandidateAtStep(id, 0)->hash);
  // Architectures are numbered once per string form, across writers of the experiment.
  store->Writer(id)->Write(std::vector<CandidateRecord>{Repeat(4, first), Evaluated(5, 1.0, 1.0)});
  const Table archs = store->Sql("SELECT id, arch FROM architectures ORDER BY id");
  ASSERT_EQ(archs.rows.size(), 4u);
  EXPECT_EQ(std::get<std::string>(archs.rows[3][1]), "arch-5");
  EXPECT_EQ(store->Stats(id).candidates, 6);
  EXPECT_EQ(store->Stats(id).evaluated, 3);
}

TEST(StoreTest, RepeatsBeyondStoredRepeatsAreCountedPerArchitecture) {
  TempDir dir;
  const std::string path = (dir.Path() / "counted.sqlite").string();
  auto store = ResultStore::Open(path);
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  const CandidateRecord first = Evaluated(0, 90.0, 2.0);
  CandidateRecord isomorph = Repeat(4, first);
  isomorph.arch_text = "arch-0-written-differently";
  const std::int64_t kStoredRepeats = 2;
  store->Writer(id, WriteMode::kImmediate, kStoredRepeats)
      ->Write(std::vector<CandidateRecord>{first, Repeat(1, first), Repeat(2, first),
                                           Repeat(3, first), isomorph, Evaluated(5, 80.0, 1.0)});
  // A second writer (a resumed search) goes on counting: the limit is the experiment's.
  store->Writer(id, WriteMode::kBackground, kStoredRepeats)
      ->Write(std::vector<CandidateRecord>{Repeat(6, first), Repeat(7, first)});
  const Table rows = store->Sql("SELECT step FROM repeats ORDER BY step");
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(std::get<std::int64_t>(rows.rows[1][0]), 2);
  const Table counts = store->Sql(
      "SELECT a.arch, c.origin, c.count, c.repeat_of_step, c.first_step, c.last_step "
      "FROM repeat_counts AS c JOIN architectures AS a "
      "  ON a.experiment_id = c.experiment_id AND a.id = c.arch_id ORDER BY a.arch");
  ASSERT_EQ(counts.rows.size(), 2u);
  EXPECT_EQ(std::get<std::string>(counts.rows[0][0]), "arch-0");
  EXPECT_EQ(std::get<std::string>(counts.rows[0][1]), "mutation");
  EXPECT_EQ(std::get<std::int64_t>(counts.rows[0][2]), 3);  // steps 3, 6 and 7
  EXPECT_EQ(std::get<std::int64_t>(counts.rows[0][3]), 0);
  EXPECT_EQ(std::get<std::int64_t>(counts.rows[0][4]), 3);
  EXPECT_EQ(std::get<std::int64_t>(counts.rows[0][5]), 7);
  EXPECT_EQ(std::get<std::string>(counts.rows[1][0]), "arch-0-written-differently");
  EXPECT_EQ(std::get<std::int64_t>(counts.rows[1][2]), 1);
  // Every proposal is counted, and a resume knows where the search stopped.
  EXPECT_EQ(store->Stats(id).candidates, 8);
  EXPECT_EQ(store->StoredSearch(id)->StoredSteps(), 8);
  EXPECT_FALSE(store->CandidateAtStep(id, 3));
  EXPECT_TRUE(store->CandidateAtStep(id, 2));

  // A file written before repeat_counts existed gets it, and the summary that counts it, the
  // next time it is opened to write.
  store.reset();
  {
    sqlite::Database db(path, sqlite::Database::Mode::kReadWrite);
    db.Exec("DROP VIEW experiment_summary; DROP TABLE repeat_counts;");
  }
  store = ResultStore::Open(path);
  EXPECT_EQ(store->Stats(id).candidates, 4);  // the counted repeats went with the table
}

// A batch's repeats go in one row even when evaluations interleave: the row's steps are not
// consecutive, and a resume must start after its last repeat, not at first_step + count (a
// resumed search then stored that repeat twice; seen in CI).
TEST(StoreTest, AResumeStartsAfterTheLastStoredRepeatOfABatchWithGaps) {
  TempDir dir;
  auto store = ResultStore::Open((dir.Path() / "gaps.sqlite").string());
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  const CandidateRecord first = Evaluated(0, 90.0, 2.0);
  store->Writer(id, WriteMode::kImmediate)
      ->Write(std::vector<CandidateRecord>{first, Repeat(1, first), Evaluated(2, 80.0, 1.0),
                                           Evaluated(3, 70.0, 1.0), Repeat(4, first)});
  EXPECT_EQ(store->Sql("SELECT first_step, count FROM repeat_batches").rows.size(), 1u);
  EXPECT_EQ(store->StoredSearch(id)->StoredSteps(), 5);
  EXPECT_EQ(store->Stats(id).candidates, 5);
}

TEST(StoreTest, UpgradesAVersion1FileInPlaceKeepingEveryRow) {
  TempDir dir;
  const std::string path = (dir.Path() / "old.sqlite").string();
  {
    sqlite::Database db(path, sqlite::Database::Mode::kReadWrite);
    db.Exec("PRAGMA journal_mode = WAL");
    store_schema::CreateVersion1ForTesting(db);
    db.Exec(R"sql(
      INSERT INTO experiments (id, name, config, space, strategy, objective_metric,
        objective_goal, seed, sculpt_version, status, created_at)
      VALUES (1, 'old', '{}', 'nb201', 'random', 'accuracy', 'maximize', 3, '0.1.0',
        'finished', '2026-11-23T10:00:00Z');
      INSERT INTO candidates (id, experiment_id, step, arch, hash, strategy, origin, parent_step,
        status, error, repeat_of_step, objective, metrics, eval_seconds, finished_at) VALUES
        (10, 1, 0, 'a', '00000000000000aa', 'random', 'random', NULL, 'ok', NULL, NULL, 90.0,
         '{"accuracy":90.0}', 0.5, 1.0),
        (11, 1, 1, 'b', '00000000000000bb', 'random', 'random', NULL, 'infeasible', 'too big',
         NULL, NULL, '{"params":9.0}', 0.0, 1.0),
        (12, 1, 2, 'a2', '00000000000000aa', 'random', 'mutation', 0, 'ok', NULL, 0, 90.0,
         NULL, 0.0, 2.0),
        (13, 1, 3, 'a', '00000000000000aa', 'random', 'mutation', 0, 'ok', NULL, 0, 90.0, NULL,
         0.0, 2.0);
      INSERT INTO training_runs (id, experiment_id, candidate_id, kind, status, config,
        started_at) VALUES (1, 1, 10, 'retrain', 'finished', '{}', '2026-11-23T10:05:00Z');
      INSERT INTO training_epochs (run_id, epoch, train_loss, recorded_at)
        VALUES (1, 0, 0.5, '2026-11-23T10:06:00Z');)sql");
  }
  // Reading commands leave it alone and say why.
  try {
    ResultStore::OpenReadOnly(path);
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("older Sculpt (schema version 1"), std::string::npos)
        << error.what();
  }
  auto store = ResultStore::Open(path);
  const Table version = store->Sql("SELECT value FROM meta WHERE key = 'schema_version'");
  EXPECT_EQ(std::get<std::string>(version.rows.at(0).at(0)), "2");
  EXPECT_EQ(store->Stats(1).candidates, 4);
  EXPECT_EQ(store->Stats(1).evaluated, 1);
  const Table all = store->Sql(
      "SELECT coalesce(id, -1), step, arch, origin, coalesce(repeat_of_step, -1) FROM candidates "
      "ORDER BY step");
  ASSERT_EQ(all.rows.size(), 4u);
  const std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> expected = {
      {10, "a", -1}, {11, "b", -1}, {-1, "a2", 0}, {-1, "a", 0}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(std::get<std::int64_t>(all.rows[i][0]), std::get<0>(expected[i])) << i;
    EXPECT_EQ(std::get<std::string>(all.rows[i][2]), std::get<1>(expected[i])) << i;
    EXPECT_EQ(std::get<std::int64_t>(all.rows[i][4]), std::get<2>(expected[i])) << i;
  }
  EXPECT_EQ(store->Candidate(11)->error, "too big");
  EXPECT_EQ(store->TrainingRun(1)->candidate_id, 10);
  EXPECT_EQ(store->TrainingEpochs(1).size(), 1u);
  // Foreign keys hold in the upgraded file, and new writes continue its numbering.
  EXPECT_TRUE(store->Sql("PRAGMA foreign_key_check").rows.empty());
  store->Writer(1)->Write(std::vector<CandidateRecord>{Evaluated(4, 95.0, 1.0)});
  EXPECT_EQ(store->Top(1, 1).at(0).step, 4);
  EXPECT_EQ(ResultStore::OpenReadOnly(path)->Stats(1).candidates, 5);
}

TEST(StoreTest, BackgroundWriterStoresEverythingByFlushAndReportsErrors) {
  auto store = ResultStore::Open(":memory:");
  const std::int64_t id = NewExperiment(*store, "exp", Goal::kMaximize);
  auto writer = store->Writer(id, WriteMode::kBackground);
  // More records than the queue holds: Write waits for room instead of growing without bound.
  constexpr int kBatchSize = 1000;
  const int batches = 3 * static_cast<int>(kMaxQueuedRecords) / kBatchSize;
  std::int64_t step = 0;
  for (int batch = 0; batch < batches; ++batch) {
    std::vector<CandidateRecord> records;
    records.push_back(Evaluated(step, static_cast<double>(step), 1.0));
    records.back().arch_id = batch;
    for (int i = 1; i < kBatchSize; ++i) {
      records.push_back(Repeat(step + i, records.front()));
    }
    step += kBatchSize;
    writer->Write(records);
  }
  writer->Flush();
  EXPECT_EQ(store->Stats(id).candidates, step);
  EXPECT_EQ(store->Stats(id).evaluated, batches);
  EXPECT_EQ(store->CandidateAtStep(id, step - 1)->repeat_of, step - kBatchSize);
  EXPECT_EQ(store->CandidateAtStep(id, step - 1)->arch,
            "arch-" + std::to_string(step - kBatchSize));

  // A batch the database refuses (a step written before) surfaces at the next Write or Flush.
  writer->Write(std::vector<CandidateRecord>{Evaluated(0, 1.0, 1.0)});
  EXPECT_THROW(
      {
        writer->Write(std::vector<CandidateRecord>{Evaluated(step, 1.0, 1.0)});
        writer->Flush();
      },
      UserError);
  EXPECT_THROW(writer->Flush(), UserError);
  writer.reset();
  EXPECT_EQ(store->Stats(id).candidates, step);
}

}  // namespace
}  // namespace sculpt
