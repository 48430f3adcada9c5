#pragma once
// Preparation: the one-off work an evaluator does before a search starts (training a supernet),
// and what `sculpt run` hands it for that work. The interfaces here are deliberately small and
// free of LibTorch and of the result store: the evaluator reports progress and logs its training
// curves through them, the command line implements them (a progress bar, the SQLite store).
// Thread-safety: Prepare runs on the thread that runs the command, before the engine starts.
// It may run independent trainings side by side on the engine's workers (SideBySide); the
// reporter and the log are called from one thread at a time, not always the same one.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "spaces/metrics.h"

namespace sculpt {

// Where a training run stands after one optimisation step.
struct TrainingStep {
  std::int64_t epoch = 0;   // 1-based
  std::int64_t epochs = 0;
  std::int64_t step = 0;    // 1-based, within the epoch
  std::int64_t steps = 0;   // per epoch
  double loss = 0;          // running mean over the epoch so far
  double accuracy = 0;      // running mean over the epoch so far, in [0, 1]; NaN: none measured
                            // (block-wise distillation has a loss, no accuracy)
  double images_per_second = 0;
};

// Shows training progress to a person: a redrawn bar on a terminal, plain lines in a log.
class TrainingProgress {
 public:
  virtual ~TrainingProgress() = default;
  // A training run begins; `first_epoch` > 1 when it resumes.
  virtual void Begin(std::string_view title, std::int64_t first_epoch, std::int64_t epochs,
                     std::int64_t steps_per_epoch) = 0;
  virtual void Step(const TrainingStep& step) = 0;
  // An epoch ended with these values (train_loss, train_accuracy, valid_accuracy, seconds...).
  virtual void EpochDone(std::int64_t epoch, const Metrics& values) = 0;
  // An epoch of one of several runs that train side by side under a single Begin ... End ended:
  // like EpochDone, with that run's own title and epoch count, since the bar shows them all.
  virtual void EpochDoneOf(std::string_view title, std::int64_t epoch, std::int64_t epochs,
                           const Metrics& values) = 0;
  // Ends the run's display.
  virtual void End() = 0;
  // A line of information (e.g. "reusing the trained supernet in ...").
  virtual void Note(std::string_view text) = 0;
};

// A choice of one block that progressive shrinking dropped from the space
// (supernet/blockwise/block_shrinking.h): which, compared with what, and how it scored.
struct DroppedChoice {
  std::string block;   // the block's name, e.g. "layers1-2"
  std::string choice;  // its values, e.g. "embed=d48 layer0.heads=h2 layer0.ffn=f64"
  int bin = 0;         // the cost bin it was compared in (0: the cheapest)
  double cost = 0;     // its cost by the shrinking's metric (e.g. params)
  double score = 0;    // its block loss, the worse half of its bin's being dropped
};

// Records training runs and their per-epoch curves (the result store implements it).
class TrainingLog {
 public:
  virtual ~TrainingLog() = default;
  // `kind`: supernet, retrain or train_eval. Returns the run's id.
  virtual std::int64_t BeginRun(std::string_view kind, const nlohmann::json& config) = 0;
  virtual void RecordEpoch(std::int64_t run, int epoch, const Metrics& values) = 0;
  // `status`: finished, interrupted or failed.
  virtual void FinishRun(std::int64_t run, std::string_view status, const Metrics& result) = 0;
  // Progressive shrinking dropped `dropped` after epoch `epoch` of run `run`. Not kept by
  // default.
  virtual void RecordDropped(std::int64_t /*run*/, int /*epoch*/,
                             const std::vector<DroppedChoice>& /*dropped*/) {}
  // Whether the log already holds a finished run of `kind` whose config's "checkpoint" is
  // `checkpoint` (a resumed run reading what its first attempt trained records it once).
  virtual bool HasFinishedRun(std::string_view /*kind*/, const std::string& /*checkpoint*/) {
    return false;
  }
  // The finished run of `kind`, of any experiment the log's database holds, that trained what
  // `checkpoint` keeps (not one that read it: config "reused"), so that a run reading the file
  // can name it; nullopt when there is none (a file from elsewhere, or a log that keeps none).
  virtual std::optional<std::int64_t> RunThatTrained(std::string_view /*kind*/,
                                                     const std::string& /*checkpoint*/) {
    return std::nullopt;
  }
};

// The engine's worker threads, lent to Prepare for independent jobs (e.g. the sub-supernets of
// a few-shot supernet): `sculpt run`'s "workers", each job on one thread, which should use
// LibTorch's per-worker intra-op threads (EvaluatorContext::threads_per_worker).
// Thread-safety: RunEach is called from Prepare's thread, one call at a time.
class SideBySide {
 public:
  virtual ~SideBySide() = default;
  // How many jobs run at once.
  virtual int Workers() const = 0;
  // Runs job(0) .. job(jobs - 1), at most Workers() at a time, and returns when every started
  // job has ended; when one throws, jobs not yet started are skipped and its exception rethrown.
  virtual void RunEach(int jobs, const std::function<void(int job)>& job) = 0;
};

// What Evaluator::Prepare gets. Every pointer may be null (nothing shown, nothing logged, no
// way to stop); an empty checkpoint_dir means nothing is kept on disk.
struct PrepareContext {
  TrainingProgress* progress = nullptr;
  TrainingLog* log = nullptr;
  // Becomes true on Ctrl-C: stop as soon as possible, keeping what is already checkpointed.
  const std::atomic<bool>* stop = nullptr;
  // A folder owned by this experiment's database (e.g. `<db>.supernet/`); an evaluator keeps
  // its checkpoints in a subfolder named by the fingerprint of its settings, so that a later run
  // of the same settings resumes or reuses them.
  std::filesystem::path checkpoint_dir;
  // Null: everything runs on Prepare's thread.
  SideBySide* workers = nullptr;

  bool StopRequested() const { return stop != nullptr && stop->load(); }
};

}  // namespace sculpt
