#include "experiments/store/store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <chrono>
#include <filesystem>
#include <limits>
#include <sstream>
#include <unordered_map>

#include <sqlite3.h>

#include "experiments/store/sqlite_statement.h"
#include "experiments/store/process_identity.h"
#include "experiments/store/store_json.h"
#include "experiments/store/stored_search.h"
#include "experiments/store/store_schema.h"
#include "experiments/store/store_writer.h"
#include "sculpt/version.h"
#include "spaces/errors.h"
#include "spaces/machine.h"

namespace sculpt {
namespace {

using namespace store_json;
using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;

// Columns that training_epochs keeps as real columns (what plots need); the rest go to `other`.
constexpr std::array<const char*, 6> kEpochColumns = {
    "train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "lr", "seconds"};
constexpr int kNumEpochColumns = static_cast<int>(kEpochColumns.size());

// The columns ReadCandidate reads, from the evaluations table (which has no repeats).
constexpr const char* kEvaluationColumns =
    "id, experiment_id, step, arch, hash, strategy, origin, parent_step, status, error, "
    "NULL, objective, metrics, eval_seconds, finished_at";

// The repeat at step ?2 of experiment ?1, in ReadCandidate's columns: only the batch row that
// can hold it is expanded.
constexpr const char* kSelectRepeatAtStep = R"sql(
SELECT NULL, b.experiment_id, json_extract(r.value, '$[0]'), a.arch, e.hash, b.strategy,
       json_extract(r.value, '$[4]'), json_extract(r.value, '$[3]'), e.status, e.error,
       json_extract(r.value, '$[2]'), e.objective, NULL, 0.0, b.finished_at
FROM (SELECT * FROM repeat_batches WHERE experiment_id = ?1 AND first_step <= ?2
      ORDER BY first_step DESC LIMIT 1) AS b
CROSS JOIN json_each(b.repeats) AS r
CROSS JOIN architectures AS a
  ON a.experiment_id = b.experiment_id AND a.id = json_extract(r.value, '$[1]')
CROSS JOIN evaluations AS e
  ON e.experiment_id = b.experiment_id AND e.step = json_extract(r.value, '$[2]')
WHERE json_extract(r.value, '$[0]') = ?2)sql";

constexpr const char* kTrainingRunColumns =
    "id, experiment_id, candidate_id, kind, status, config, result, started_at, finished_at";

constexpr const char* kExperimentColumns =
    "id, name, config, space, strategy, objective_metric, objective_goal, seed, status, "
    "sculpt_version, created_at, finished_at, summary";

void CheckStatus(std::string_view status, std::string_view what) {
  if (status != "finished" && status != "interrupted" && status != "failed") {
    throw UserError(std::string(what) + " status '" + std::string(status) +
                    "' is not allowed; expected finished, interrupted or failed");
  }
}

nlohmann::json ParseJson(std::optional<std::string> text) {
  if (!text) return nullptr;
  return nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
}

StoredCandidate ReadCandidate(const Statement& row, const std::string& path) {
  StoredCandidate c;
  c.id = row.Int(0);
  c.experiment_id = row.Int(1);
  c.step = row.Int(2);
  c.arch = row.Text(3);
  c.hash = row.Text(4);
  c.strategy = row.Text(5);
  c.origin = row.Text(6);
  c.parent = row.OptionalInt(7).value_or(-1);
  c.status = row.Text(8);
  c.error = row.Text(9);
  c.repeat_of = row.OptionalInt(10).value_or(-1);
  c.objective = row.OptionalReal(11);
  if (!row.IsNull(12)) c.metrics = ParseMetrics(row.Text(12), path);
  c.eval_seconds = row.Real(13);
  c.finished_at = row.Real(14);
  return c;
}

ExperimentInfo ReadExperiment(const Statement& row) {
  ExperimentInfo e;
  e.id = row.Int(0);
  e.name = row.Text(1);
  e.config = ParseJson(row.OptionalText(2));
  e.space = row.Text(3);
  e.strategy = row.Text(4);
  e.objective.metric = row.Text(5);
  e.objective.goal = row.Text(6) == "minimize" ? Goal::kMinimize : Goal::kMaximize;
  e.seed = static_cast<std::uint64_t>(row.Int(7));  // stored as its 64-bit two's complement
  e.status = row.Text(8);
  e.sculpt_version = row.Text(9);
  e.created_at = row.Text(10);
  e.finished_at = row.Text(11);
  e.summary = ParseJson(row.OptionalText(12));
  return e;
}

class SqliteStore final : public ResultStore {
 public:
  SqliteStore(const std::string& path, Database::Mode mode, bool may_create = true)
      : db_(path, mode) {
    store_schema::Prepare(db_, may_create);
    Statement processes(db_, "SELECT 1 FROM sqlite_schema WHERE name = 'run_processes'");
    has_processes_ = processes.Step();
    Statement training(db_, "SELECT 1 FROM sqlite_schema WHERE name = 'training_processes'");
    has_training_processes_ = training.Step();
  }

  std::int64_t CreateExperiment(const std::string& name, const nlohmann::json& canonical_config,
                                const std::string& space, const std::string& strategy,
                                const Objective& primary, std::uint64_t seed) override {
    // The experiment and its process in one transaction: a kill between them would leave a
    // "running" experiment that no reader can tell from a live one.
    sqlite::Transaction transaction(db_);
    Statement insert(db_,
                     "INSERT INTO experiments (name, config, space, strategy, objective_metric, "
                     "objective_goal, seed, sculpt_version, status, created_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', ?9)");
    insert.Bind(1, name).Bind(2, canonical_config.dump()).Bind(3, space).Bind(4, strategy);
    insert.Bind(5, primary.metric)
        .Bind(6, primary.goal == Goal::kMinimize ? "minimize" : "maximize")
        .Bind(7, static_cast<std::int64_t>(seed))
        .Bind(8, kVersion)
        .Bind(9, UtcNow());
    insert.Run();
    const std::int64_t id = db_.LastInsertId();
    RecordThisProcess(id);
    transaction.Commit();
    return id;
  }

  void ReopenExperiment(std::int64_t experiment_id) override {
    sqlite::Transaction transaction(db_);
    // Checked again under the write lock: two `--resume`s started together both found the
    // experiment's process gone, and the second would replay and write the same steps again.
    if (const std::optional<ExperimentInfo> now = FindExperiment(std::to_string(experiment_id));
        now && now->status == "running" && now->process_alive.value_or(false)) {
      throw UserError("cannot resume: experiment " + std::to_string(experiment_id) +
                      " was taken up meanwhile by another run (" + now->process +
                      "), which continues it");
    }
    Statement update(db_,
                     "UPDATE experiments SET status = 'running', finished_at = NULL, summary = NULL "
                     "WHERE id = ?1");
    update.Bind(1, experiment_id).Run();
    if (db_.Changes() == 0) ThrowNoExperiment(experiment_id);
    RecordThisProcess(experiment_id);
    transaction.Commit();
  }

  std::unique_ptr<StoredRun> StoredSearch(std::int64_t experiment_id) const override {
    RequireExperiment(experiment_id);
    return ReadStoredSearch(db_, experiment_id);
  }

  std::unique_ptr<ResultSink> Writer(std::int64_t experiment_id, WriteMode mode,
                                     std::int64_t stored_repeats) override {
    RequireExperiment(experiment_id);
    return MakeStoreWriter(db_, experiment_id, mode, stored_repeats);
  }

  void SaveStrategyState(std::int64_t experiment_id, const nlohmann::json& state) override {
    Statement update(db_, "UPDATE experiments SET strategy_state = ?2 WHERE id = ?1");
    update.Bind(1, experiment_id).Bind(2, state.dump());
    update.Run();
    if (db_.Changes() == 0) ThrowNoExperiment(experiment_id);
  }

  std::optional<nlohmann::json> StrategyState(std::int64_t experiment_id) const override {
    Statement select(db_, "SELECT strategy_state FROM experiments WHERE id = ?1");
    select.Bind(1, experiment_id);
    if (!select.Step()) ThrowNoExperiment(experiment_id);
    if (select.IsNull(0)) return std::nullopt;
    return ParseJson(select.OptionalText(0));
  }

  void FinishExperiment(std::int64_t experiment_id, std::string_view status,
                        const nlohmann::json& summary) override {
    CheckStatus(status, "experiment");
    Statement update(db_,
                     "UPDATE experiments SET status = ?2, finished_at = ?3, summary = ?4 "
                     "WHERE id = ?1");
    update.Bind(1, experiment_id).Bind(2, status).Bind(3, UtcNow()).Bind(4, summary.dump());
    update.Run();
    if (db_.Changes() == 0) ThrowNoExperiment(experiment_id);
  }

  std::vector<ExperimentInfo> Experiments() const override {
    Statement select(db_,
                     std::string("SELECT ") + kExperimentColumns + " FROM experiments ORDER BY id");
    std::vector<ExperimentInfo> experiments;
    while (select.Step()) experiments.push_back(WithProcess(ReadExperiment(select)));
    return experiments;
  }

  std::optional<ExperimentInfo> FindExperiment(std::string_view id_or_name) const override {
    const bool digits = !id_or_name.empty() && id_or_name.size() < 19 &&
                        id_or_name.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits) {
      Statement by_id(
          db_, std::string("SELECT ") + kExperimentColumns + " FROM experiments WHERE id = ?1");
      by_id.Bind(1, static_cast<std::int64_t>(std::stoll(std::string(id_or_name))));
      if (by_id.Step()) return WithProcess(ReadExperiment(by_id));
    }
    // A name may look like a number; the newest experiment of a name is the one users mean.
    Statement by_name(db_, std::string("SELECT ") + kExperimentColumns +
                               " FROM experiments WHERE name = ?1 ORDER BY id DESC LIMIT 1");
    by_name.Bind(1, id_or_name);
    if (by_name.Step()) return WithProcess(ReadExperiment(by_name));
    return std::nullopt;
  }

  std::optional<ExperimentInfo> NewestExperiment() const override {
    Statement select(db_, std::string("SELECT ") + kExperimentColumns +
                              " FROM experiments ORDER BY id DESC LIMIT 1");
    if (select.Step()) return WithProcess(ReadExperiment(select));
    return std::nullopt;
  }

  ExperimentStats Stats(std::int64_t experiment_id) const override {
    // Evaluations as a budget counts them: failed ones included, infeasible ones (rejected
    // before evaluation) not. The view has no such column; the index by step serves the count.
    Statement select(db_,
                     "SELECT candidates, (SELECT count(*) FROM evaluations AS c "
                     "WHERE c.experiment_id = ?1 AND c.status != 'infeasible'), evaluated, "
                     "best_objective FROM experiment_summary WHERE id = ?1");
    select.Bind(1, experiment_id);
    if (!select.Step()) ThrowNoExperiment(experiment_id);
    ExperimentStats stats;
    stats.candidates = select.Int(0);
    stats.evaluations = select.Int(1);
    stats.evaluated = select.Int(2);
    stats.best_objective = select.OptionalReal(3);
    return stats;
  }

  std::vector<StoredCandidate> Top(std::int64_t experiment_id, int k) const override {
    const std::optional<ExperimentInfo> experiment = FindById(experiment_id);
    if (!experiment) ThrowNoExperiment(experiment_id);
    // The conditions match the partial index candidates_by_objective, which then yields the
    // rows already in order: no scan of the experiment's candidates.
    const std::string order = experiment->objective.goal == Goal::kMinimize ? "ASC" : "DESC";
    Statement select(db_, std::string("SELECT ") + kEvaluationColumns +
                              " FROM evaluations WHERE experiment_id = ?1 AND status = 'ok' "
                              "AND objective IS NOT NULL "
                              "ORDER BY objective " +
                              order + ", step ASC LIMIT ?2");
    select.Bind(1, experiment_id).Bind(2, static_cast<std::int64_t>(std::max(k, 0)));
    std::vector<StoredCandidate> top;
    while (select.Step()) top.push_back(ReadCandidate(select, db_.Path()));
    return top;
  }

  std::optional<StoredCandidate> Candidate(std::int64_t id) const override {
    Statement select(db_,
                     std::string("SELECT ") + kEvaluationColumns + " FROM evaluations WHERE id = ?1");
    select.Bind(1, id);
    if (select.Step()) return ReadCandidate(select, db_.Path());
    return std::nullopt;
  }

  std::optional<StoredCandidate> CandidateAtStep(std::int64_t experiment_id,
                                                 std::int64_t step) const override {
    Statement select(db_, std::string("SELECT ") + kEvaluationColumns +
                              " FROM evaluations WHERE experiment_id = ?1 AND step = ?2");
    select.Bind(1, experiment_id).Bind(2, step);
    if (select.Step()) return ReadCandidate(select, db_.Path());
    Statement repeat(db_, kSelectRepeatAtStep);
    repeat.Bind(1, experiment_id).Bind(2, step);
    if (repeat.Step()) return ReadCandidate(repeat, db_.Path());
    return std::nullopt;
  }

  Table Sql(const std::string& sql, double seconds) const override {
    // SQLite calls the handler every few thousand virtual-machine steps; a non-zero answer
    // stops the statement (SQLITE_INTERRUPT). Removed again, with the length limit, on return.
    // ATTACH and DETACH count as read-only for SQLite (they change the connection, not the
    // file), but a query reads this database only: the authorizer refuses them while the
    // statement is prepared (SQLite then fails it "not authorized", said better below).
    struct Limits {
      sqlite3* db;
      int old_length;
      std::chrono::steady_clock::time_point deadline;
      ~Limits() {
        sqlite3_progress_handler(db, 0, nullptr, nullptr);
        sqlite3_set_authorizer(db, nullptr, nullptr);
        sqlite3_limit(db, SQLITE_LIMIT_LENGTH, old_length);
      }
    } limits{db_.Handle(),
             sqlite3_limit(db_.Handle(), SQLITE_LIMIT_LENGTH, static_cast<int>(kMaxSqlValueBytes)),
             std::chrono::steady_clock::now() +
                 std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6))};
    if (seconds > 0) {
      sqlite3_progress_handler(
          db_.Handle(), 10000,
          [](void* data) {
            return std::chrono::steady_clock::now() >= static_cast<Limits*>(data)->deadline ? 1
                                                                                           : 0;
          },
          &limits);
    }
    bool attach_denied = false;
    sqlite3_set_authorizer(
        db_.Handle(),
        [](void* denied, int action, const char*, const char*, const char*, const char*) {
          if (action != SQLITE_ATTACH && action != SQLITE_DETACH) return SQLITE_OK;
          *static_cast<bool*>(denied) = true;
          return SQLITE_DENY;
        },
        &attach_denied);
    try {
      return RunSql(sql);
    } catch (const InvalidSql&) {
      if (attach_denied) {
        throw InvalidSql("the SQL attaches or detaches a database; queries read this one only");
      }
      throw;
    } catch (const UserError&) {
      if (seconds > 0 && std::chrono::steady_clock::now() >= limits.deadline) {
        std::ostringstream limit;
        limit << seconds;
        throw UserError("the statement was stopped after " + limit.str() +
                        " s, its time limit (sculpt query --timeout SECONDS; 0: none)");
      }
      throw;
    }
  }

  Table RunSql(const std::string& sql) const {
    std::string_view tail;
    std::optional<Statement> compiled;
    bool several = false;
    try {
      compiled.emplace(db_, sql, false, &tail);
      several = !Statement(db_, tail).Empty();
    } catch (const UserError& error) {
      throw InvalidSql(error.what());  // SQLite could not compile it
    }
    if (several) throw InvalidSql("the SQL holds more than one statement; give one at a time");
    Statement& statement = *compiled;
    if (statement.Empty()) throw InvalidSql("the SQL holds no statement");
    if (!statement.ReadOnly()) {
      throw InvalidSql("the SQL would change the database; queries are read-only");
    }
    Table table;
    const int columns = statement.ColumnCount();
    // JSON columns (a candidate's metrics, a config) become JsonText, so that JSON output nests
    // them as objects instead of escaped strings.
    std::vector<bool> json_column;
    for (int c = 0; c < columns; ++c) {
      table.columns.push_back(statement.ColumnName(c));
      json_column.push_back(store_schema::IsJsonColumn(
          statement.ColumnTable(c), statement.ColumnOrigin(c), table.columns.back()));
    }
    std::int64_t bytes = 0;
    try {
      while (statement.Step()) {
        std::vector<Cell>& row = table.rows.emplace_back();
        row.reserve(static_cast<std::size_t>(columns));
        bytes += static_cast<std::int64_t>(sizeof(Cell)) * columns;
        if (bytes > kMaxSqlResultBytes) {
          throw InvalidSql("the result is larger than " +
                           std::to_string(kMaxSqlResultBytes / 1000000) +
                           " MB; add a LIMIT, or aggregate in the SQL");
        }
        for (int c = 0; c < columns; ++c) {
          if (statement.IsNull(c)) {
            row.emplace_back();
          } else if (statement.IsInteger(c)) {
            row.emplace_back(statement.Int(c));
          } else if (statement.IsReal(c)) {
            row.emplace_back(statement.Real(c));
          } else if (statement.IsBlob(c)) {
            row.emplace_back(BlobLiteral(statement, c));
          } else if (json_column[static_cast<std::size_t>(c)]) {
            row.emplace_back(JsonText{std::string(statement.Text(c))});
          } else {
            row.emplace_back(std::string(statement.Text(c)));
          }
          if (const auto* text = std::get_if<std::string>(&row.back())) {
            bytes += static_cast<std::int64_t>(text->size());
          }
          if (const auto* json = std::get_if<JsonText>(&row.back())) {
            bytes += static_cast<std::int64_t>(json->text.size());
          }
        }
      }
    } catch (const sqlite::StepError& error) {
      // SQLite compiled the statement but could not run it as given: a function refused its
      // arguments ("malformed JSON", "integer overflow"), a call it does not allow ("not
      // authorized"), a value too large. A damaged, busy or unreadable database stays a
      // UserError, and so does the time limit's interrupt (Sql says which it was).
      const int code = error.Code();
      if (code == SQLITE_ERROR || code == SQLITE_AUTH || code == SQLITE_TOOBIG ||
          code == SQLITE_MISMATCH || code == SQLITE_RANGE) {
        throw InvalidSql(error.what());
      }
      throw;
    }
    return table;
  }

  std::int64_t BeginTrainingRun(std::optional<std::int64_t> experiment_id,
                                std::optional<std::int64_t> candidate_id, std::string_view kind,
                                const nlohmann::json& config) override {
    if (kind != "supernet" && kind != "retrain" && kind != "train_eval") {
      throw UserError("training run kind '" + std::string(kind) +
                      "' is not allowed; expected supernet, retrain or train_eval");
    }
    if (experiment_id) RequireExperiment(*experiment_id);
    if (candidate_id && !Candidate(*candidate_id)) {
      throw UserError("database " + db_.Path() + " has no candidate " +
                      std::to_string(*candidate_id));
    }
    Statement insert(db_,
                     "INSERT INTO training_runs (experiment_id, candidate_id, kind, status, "
                     "config, started_at) VALUES (?1, ?2, ?3, 'running', ?4, ?5)");
    if (experiment_id) insert.Bind(1, *experiment_id);
    if (candidate_id) insert.Bind(2, *candidate_id);
    insert.Bind(3, kind).Bind(4, config.dump()).Bind(5, UtcNow());
    insert.Run();
    const std::int64_t run_id = db_.LastInsertId();
    RecordTrainingProcess(run_id);
    return run_id;
  }

  void RecordEpoch(std::int64_t run_id, int epoch, const Metrics& values) override {
    RequireTrainingRun(run_id);
    // A resumed run may record an epoch again: the newer values win.
    Statement insert(db_,
                     "INSERT OR REPLACE INTO training_epochs (run_id, epoch, train_loss, "
                     "train_accuracy, valid_loss, valid_accuracy, lr, seconds, other, "
                     "recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    insert.Bind(1, run_id).Bind(2, static_cast<std::int64_t>(epoch));
    Metrics other = values;
    for (int i = 0; i < kNumEpochColumns; ++i) {
      if (auto it = other.find(kEpochColumns[static_cast<std::size_t>(i)]); it != other.end()) {
        insert.Bind(3 + i, std::optional<double>(it->second));
        other.erase(it);
      }
    }
    if (!other.empty()) insert.Bind(9, MetricsJson(other));
    insert.Bind(10, UtcNow());
    insert.Run();
  }

  void RecordDropped(std::int64_t run_id, int epoch,
                     const std::vector<DroppedChoice>& dropped) override {
    RequireTrainingRun(run_id);
    sqlite::Transaction transaction(db_);
    Statement insert(db_,
                     "INSERT INTO dropped_choices (run_id, epoch, block, choice, bin, cost, "
                     "score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    for (const DroppedChoice& d : dropped) {
      insert.Bind(1, run_id).Bind(2, static_cast<std::int64_t>(epoch)).Bind(3, d.block);
      insert.Bind(4, d.choice).Bind(5, static_cast<std::int64_t>(d.bin)).Bind(6, d.cost);
      insert.Bind(7, d.score);
      insert.Run();
      insert.Reset();
    }
    transaction.Commit();
  }

  void FinishTrainingRun(std::int64_t run_id, std::string_view status,
                         const Metrics& result) override {
    CheckStatus(status, "training run");
    Statement update(db_,
                     "UPDATE training_runs SET status = ?2, result = ?3, finished_at = ?4 "
                     "WHERE id = ?1");
    update.Bind(1, run_id).Bind(2, status).Bind(3, MetricsJson(result)).Bind(4, UtcNow());
    update.Run();
    if (db_.Changes() == 0) ThrowNoTrainingRun(run_id);
  }

  std::optional<TrainingRunInfo> TrainingRun(std::int64_t run_id) const override {
    Statement select(db_, std::string("SELECT ") + kTrainingRunColumns +
                              " FROM training_runs WHERE id = ?1");
    select.Bind(1, run_id);
    if (!select.Step()) return std::nullopt;
    return ReadTrainingRun(select);
  }

  std::vector<TrainingRunInfo> TrainingRuns(std::int64_t experiment_id) const override {
    Statement select(db_, std::string("SELECT ") + kTrainingRunColumns +
                              " FROM training_runs WHERE experiment_id = ?1 ORDER BY id");
    select.Bind(1, experiment_id);
    std::vector<TrainingRunInfo> runs;
    while (select.Step()) runs.push_back(ReadTrainingRun(select));
    return runs;
  }

  void ReopenTrainingRun(std::int64_t run_id) override {
    Statement update(db_,
                     "UPDATE training_runs SET status = 'running', finished_at = NULL, "
                     "result = NULL WHERE id = ?1");
    update.Bind(1, run_id).Run();
    if (db_.Changes() == 0) ThrowNoTrainingRun(run_id);
    RecordTrainingProcess(run_id);
  }

 private:
  // Who runs training run `id` now: written when it starts or is reopened.
  void RecordTrainingProcess(std::int64_t id) {
    if (!has_training_processes_) return;
    const ProcessIdentity process = ThisProcess();
    Statement insert(db_,
                     "INSERT OR REPLACE INTO training_processes (run_id, host, pid, start) "
                     "VALUES (?1, ?2, ?3, ?4)");
    insert.Bind(1, id).Bind(2, process.host).Bind(3, process.pid).Bind(4, process.start).Run();
  }

  TrainingRunInfo ReadTrainingRun(const Statement& select) const {
    TrainingRunInfo run;
    run.id = select.Int(0);
    run.experiment_id = select.OptionalInt(1);
    run.candidate_id = select.OptionalInt(2);
    run.kind = select.Text(3);
    run.status = select.Text(4);
    run.config = ParseJson(select.OptionalText(5));
    if (!select.IsNull(6)) run.result = ParseMetrics(select.Text(6), db_.Path());
    run.started_at = select.Text(7);
    run.finished_at = select.Text(8);
    if (run.status == "running" && has_training_processes_) {
      Statement process(db_, "SELECT host, pid, start FROM training_processes WHERE run_id = ?1");
      process.Bind(1, run.id);
      if (process.Step()) {
        run.process_alive = IsAlive(ProcessIdentity{std::string(process.Text(0)), process.Int(1),
                                                    std::string(process.Text(2))});
      }
    }
    return run;
  }

  // Who runs experiment `id` now: written when it starts or resumes.
  void RecordThisProcess(std::int64_t id) {
    const ProcessIdentity process = ThisProcess();
    Statement insert(db_,
                     "INSERT OR REPLACE INTO run_processes (experiment_id, host, pid, start, "
                     "recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    insert.Bind(1, id).Bind(2, process.host).Bind(3, process.pid).Bind(4, process.start);
    insert.Bind(5, UtcNow()).Run();
  }

  ExperimentInfo WithProcess(ExperimentInfo e) const {
    if (!has_processes_) return e;
    Statement select(db_, "SELECT host, pid, start FROM run_processes WHERE experiment_id = ?1");
    select.Bind(1, e.id);
    if (!select.Step()) return e;
    const ProcessIdentity process{std::string(select.Text(0)), select.Int(1),
                                  std::string(select.Text(2))};
    e.process = "pid " + std::to_string(process.pid) + " on " + process.host;
    if (e.status == "running") e.process_alive = IsAlive(process);
    return e;
  }

 public:

  std::vector<TrainingEpoch> TrainingEpochs(std::int64_t run_id) const override {
    Statement select(db_,
                     "SELECT epoch, train_loss, train_accuracy, valid_loss, valid_accuracy, lr, "
                     "seconds, other FROM training_epochs WHERE run_id = ?1 ORDER BY epoch");
    select.Bind(1, run_id);
    std::vector<TrainingEpoch> epochs;
    while (select.Step()) {
      TrainingEpoch& epoch = epochs.emplace_back();
      epoch.epoch = static_cast<int>(select.Int(0));
      if (!select.IsNull(7)) epoch.values = ParseMetrics(select.Text(7), db_.Path());
      for (int i = 0; i < kNumEpochColumns; ++i) {
        if (auto value = select.OptionalReal(1 + i))
          epoch.values[kEpochColumns[static_cast<std::size_t>(i)]] = *value;
      }
    }
    return epochs;
  }

 private:
  static std::string BlobLiteral(const Statement& statement, int column) {
    // Shown as an SQL blob literal: raw bytes would garble a terminal.
    const std::string_view bytes = statement.Text(column);
    std::string text = "x'";
    for (const char b : bytes) {
      text += kHexDigits[(static_cast<unsigned char>(b) >> 4) & 0xF];
      text += kHexDigits[static_cast<unsigned char>(b) & 0xF];
    }
    return text + "'";
  }

  std::optional<ExperimentInfo> FindById(std::int64_t id) const {
    Statement select(
        db_, std::string("SELECT ") + kExperimentColumns + " FROM experiments WHERE id = ?1");
    select.Bind(1, id);
    if (select.Step()) return WithProcess(ReadExperiment(select));
    return std::nullopt;
  }

  void RequireExperiment(std::int64_t id) const {
    Statement select(db_, "SELECT 1 FROM experiments WHERE id = ?1");
    select.Bind(1, id);
    if (!select.Step()) ThrowNoExperiment(id);
  }

  void RequireTrainingRun(std::int64_t id) const {
    Statement select(db_, "SELECT 1 FROM training_runs WHERE id = ?1");
    select.Bind(1, id);
    if (!select.Step()) ThrowNoTrainingRun(id);
  }

  [[noreturn]] void ThrowNoExperiment(std::int64_t id) const {
    throw UserError("database " + db_.Path() + " has no experiment " + std::to_string(id));
  }

  [[noreturn]] void ThrowNoTrainingRun(std::int64_t id) const {
    throw UserError("database " + db_.Path() + " has no training run " + std::to_string(id));
  }

  Database db_;
  bool has_processes_ = false;  // files written before run_processes existed lack it
  bool has_training_processes_ = false;  // and before 2026-12-05, training_processes
};

}  // namespace

std::unique_ptr<ResultStore> ResultStore::Open(const std::string& path) {
  return std::make_unique<SqliteStore>(path, Database::Mode::kReadWrite);
}

namespace {

void RequireDatabaseFile(const std::string& path) {
  std::error_code error;
  if (path != ":memory:" && !std::filesystem::is_regular_file(path, error)) {
    throw NotADatabase("no database at " + path +
                       " (a Sculpt database is a file made by sculpt run)");
  }
}

}  // namespace

std::unique_ptr<ResultStore> ResultStore::OpenReadOnly(const std::string& path) {
  RequireDatabaseFile(path);
  return std::make_unique<SqliteStore>(path, Database::Mode::kReadOnly);
}

std::unique_ptr<ResultStore> ResultStore::OpenExisting(const std::string& path) {
  RequireDatabaseFile(path);
  return std::make_unique<SqliteStore>(path, Database::Mode::kReadWrite, /*may_create=*/false);
}

}  // namespace sculpt
