#pragma once
// ResultStore: the SQLite database that holds experiments, every candidate they evaluated, and
// training runs with their per-epoch curves. One file holds many experiments; docs/SCHEMA.md
// describes the tables and views users can query with plain SQL.
//
// Only the store's files talk to SQLite. Errors (a missing or foreign file, a busy or full disk,
// bad user SQL) are UserErrors naming the file and SQLite's message.
//
// Thread-safety: a store and the writers it hands out are used by one thread at a time (the
// engine writes from its controlling thread). Several processes may share one file: WAL mode lets
// readers (`sculpt query`) run while a search writes, and writers wait on each other
// (busy_timeout).

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "experiments/store/table.h"
#include "search/objective.h"
#include "search/result_sink.h"
#include "search/stored_run.h"
#include "spaces/errors.h"
#include "spaces/metrics.h"
#include "spaces/prepare.h"

namespace sculpt {

// The schema version this Sculpt writes; files with a newer one are refused.
inline constexpr int kStoreSchemaVersion = 2;

// How a candidate writer stores what the engine gives it.
enum class WriteMode {
  // Each Write is one transaction, committed before Write returns.
  kImmediate,
  // Write queues the batch; a thread of the writer's own stores everything queued in one
  // transaction while the engine goes on. Flush() (the engine calls it before Run returns)
  // waits for it and rethrows a storage error. Until then the store must not be used for
  // anything else: the writer's thread shares its connection.
  kBackground,
};

struct ExperimentInfo {
  std::int64_t id = 0;
  std::string name;
  nlohmann::json config;  // the canonical config as run
  std::string space;
  std::string strategy;
  Objective objective;  // the primary objective
  std::uint64_t seed = 0;
  std::string status;  // running, finished, interrupted or failed
  std::string sculpt_version;
  std::string created_at;   // ISO-8601 UTC, e.g. 2024-05-01T12:00:00Z
  std::string finished_at;  // empty while running
  nlohmann::json summary;   // null while running
  // For an experiment in status "running": whether the process running it is still alive
  // (experiments/store/process_identity.h). False: it was killed or its machine went down, and
  // the experiment can only go on with `sculpt run CONFIG --resume`. nullopt when this cannot
  // be told: the process ran on another host, or the experiment is not running.
  std::optional<bool> process_alive;
  std::string process;  // "pid N on HOST", or "" when no process was recorded
};

// Whether `e` is "running" in the database but its process no longer exists: what every
// listing shows as "gone".
inline bool IsGone(const ExperimentInfo& e) {
  return e.status == "running" && e.process_alive == false;
}

// Counts over an experiment's candidates.
struct ExperimentStats {
  std::int64_t candidates = 0;   // every proposal, repeats included
  std::int64_t evaluations = 0;  // evaluated, failed ones included (what a budget counts)
  std::int64_t evaluated = 0;    // ok and not a repeat
  std::optional<double> best_objective;
};

struct StoredCandidate {
  std::int64_t id = 0;  // unique in the whole database; 0 for a repeat (no row of its own)
  std::int64_t experiment_id = 0;
  std::int64_t step = 0;  // unique within its experiment
  std::string arch;       // the space's string form
  std::string hash;       // canonical hash, 16 hex digits
  std::string strategy;
  std::string origin;
  std::int64_t parent = -1;  // parent's step, or -1
  std::string status;        // ok, failed or infeasible
  std::string error;
  std::int64_t repeat_of = -1;  // step of the first evaluation of the same canonical class, or -1
  Metrics metrics;              // empty for repeats (see repeat_of); NaN where stored as null
  std::optional<double> objective;
  double eval_seconds = 0.0;
  double finished_at = 0.0;  // seconds since the search started
};

struct TrainingRunInfo {
  std::int64_t id = 0;
  std::optional<std::int64_t> experiment_id;
  std::optional<std::int64_t> candidate_id;
  std::string kind;    // supernet, retrain or train_eval
  std::string status;  // running, finished, interrupted or failed
  nlohmann::json config;
  Metrics result;
  std::string started_at;
  std::string finished_at;
  // For a run in status "running" whose process was recorded: whether that process still runs
  // (a killed `sculpt train` leaves its run "running"). Empty otherwise.
  std::optional<bool> process_alive;
};

struct TrainingEpoch {
  int epoch = 0;
  Metrics values;
};

// Repeats an experiment stores one row each (about 70 bytes apiece) before it only counts them:
// a search circling in what it has seen stops growing its file at a few tens of megabytes.
inline constexpr std::int64_t kDefaultStoredRepeats = 1'000'000;

inline constexpr std::int64_t kMaxSqlValueBytes = 100'000'000;
inline constexpr std::int64_t kMaxSqlResultBytes = 1'000'000'000;

// SQL given to ResultStore::Sql that is not one read-only statement SQLite can run within the
// limits above: the query's fault, not the database's (the CLI answers it as bad input).
class InvalidSql : public UserError {
 public:
  using UserError::UserError;
};

// A path that names no Sculpt database: nothing there, or a file of another kind (text, another
// program's SQLite database); a Sculpt database that is damaged or of a newer schema is a plain
// UserError. The CLI answers both, when opening, as bad input (experiments/cli/
// experiment_choice.h); the type is for a caller that needs to tell them apart.
class NotADatabase : public UserError {
 public:
  using UserError::UserError;
};

// A Sculpt database whose pages SQLite found damaged on opening it. Opened to be written to, it
// is bad input, refused before anything is written; opened to be read, it is a failure to read
// a file (the CLI's exit 1), since the command line named the right file.
class DamagedDatabase : public UserError {
 public:
  using UserError::UserError;
};

class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // Opens `path` for reading and writing; creates the file and the schema when missing
  // (":memory:" works). Refuses a file that is not a Sculpt database or has a newer schema.
  static std::unique_ptr<ResultStore> Open(const std::string& path);
  // Opens an existing database without ever writing to it (queries, export). A missing file is
  // NotADatabase, never created.
  static std::unique_ptr<ResultStore> OpenReadOnly(const std::string& path);
  // Opens for reading and writing a database that exists and holds results (`sculpt train`
  // adds its runs): an older schema is upgraded, but a missing file (NotADatabase) or an empty
  // one (UserError) is refused, never given a schema.
  static std::unique_ptr<ResultStore> OpenExisting(const std::string& path);

  // ---- Experiments ----
  // Starts a new experiment in status "running"; returns its id.
  virtual std::int64_t CreateExperiment(const std::string& name,
                                        const nlohmann::json& canonical_config,
                                        const std::string& space, const std::string& strategy,
                                        const Objective& primary, std::uint64_t seed) = 0;
  // A sink for the engine that appends the experiment's candidates (see WriteMode). The writer
  // must not outlive the store.
  // At most `stored_repeats` repeats of the experiment are stored one row each (step, parent,
  // origin); later ones are counted per string form, strategy and origin (docs/SCHEMA.md).
  virtual std::unique_ptr<ResultSink> Writer(
      std::int64_t experiment_id, WriteMode mode = WriteMode::kImmediate,
      std::int64_t stored_repeats = kDefaultStoredRepeats) = 0;
  virtual void SaveStrategyState(std::int64_t experiment_id, const nlohmann::json& state) = 0;
  virtual std::optional<nlohmann::json> StrategyState(std::int64_t experiment_id) const = 0;
  // Sets an unfinished experiment running again, by this process (a resumed run).
  virtual void ReopenExperiment(std::int64_t experiment_id) = 0;
  // The steps of the experiment's search stored so far, for the engine to resume it.
  virtual std::unique_ptr<StoredRun> StoredSearch(std::int64_t experiment_id) const = 0;
  // `status`: finished, interrupted or failed.
  virtual void FinishExperiment(std::int64_t experiment_id, std::string_view status,
                                const nlohmann::json& summary) = 0;

  // Oldest first.
  virtual std::vector<ExperimentInfo> Experiments() const = 0;
  // By id (all digits) or by name (the newest experiment of that name).
  virtual std::optional<ExperimentInfo> FindExperiment(std::string_view id_or_name) const = 0;
  virtual std::optional<ExperimentInfo> NewestExperiment() const = 0;
  virtual ExperimentStats Stats(std::int64_t experiment_id) const = 0;

  // ---- Candidates ----
  // The `k` best candidates by the experiment's objective and goal: status ok, not repeats;
  // ties go to the earlier step.
  virtual std::vector<StoredCandidate> Top(std::int64_t experiment_id, int k) const = 0;
  virtual std::optional<StoredCandidate> Candidate(std::int64_t id) const = 0;
  virtual std::optional<StoredCandidate> CandidateAtStep(std::int64_t experiment_id,
                                                         std::int64_t step) const = 0;

  // ---- User SQL ----
  // Runs one read-only statement (SELECT, WITH, read-only PRAGMAs). Anything that would write,
  // several statements, SQL that SQLite cannot compile and a result over kMaxSqlResultBytes are
  // an InvalidSql, with SQLite's message or the limit. A statement still running after
  // `seconds` (> 0; 0: no limit), or making a string or blob over kMaxSqlValueBytes, is a
  // UserError: a user's query must end, and within memory.
  virtual Table Sql(const std::string& sql, double seconds = 0) const = 0;

  // ---- Training runs (supernet training, retraining, train-and-evaluate) ----
  // `kind`: supernet, retrain or train_eval.
  virtual std::int64_t BeginTrainingRun(std::optional<std::int64_t> experiment_id,
                                        std::optional<std::int64_t> candidate_id,
                                        std::string_view kind, const nlohmann::json& config) = 0;
  // One row per epoch. train_loss, train_accuracy, valid_loss, valid_accuracy, lr and seconds
  // get columns of their own; any other value is kept too.
  virtual void RecordEpoch(std::int64_t run_id, int epoch, const Metrics& values) = 0;
  // One row per choice in dropped_choices.
  virtual void RecordDropped(std::int64_t run_id, int epoch,
                             const std::vector<DroppedChoice>& dropped) = 0;
  // `status`: finished, interrupted or failed.
  virtual void FinishTrainingRun(std::int64_t run_id, std::string_view status,
                                 const Metrics& result) = 0;
  virtual std::optional<TrainingRunInfo> TrainingRun(std::int64_t run_id) const = 0;
  // The experiment's training runs, oldest first.
  virtual std::vector<TrainingRunInfo> TrainingRuns(std::int64_t experiment_id) const = 0;
  // Sets an unfinished training run running again (it is being resumed).
  virtual void ReopenTrainingRun(std::int64_t run_id) = 0;
  // In epoch order.
  virtual std::vector<TrainingEpoch> TrainingEpochs(std::int64_t run_id) const = 0;
};

}  // namespace sculpt
