#pragma once
// Engine: runs a search. It asks the strategy for batches of proposals, answers repeats from its
// cache (by canonical hash: an architecture is never evaluated twice), rejects infeasible
// proposals before evaluation, evaluates the rest in parallel on a tbb::task_arena of `workers`
// threads, writes every record to the sink and tells the strategy, in step order.
//
// Reproducibility: the sequence of proposals and results depends only on the config and seed,
// never on `workers`: batches have a configured size, evaluations are independent and seeded from
// (seed, step), and the strategy only hears about a batch once all of it is done.
//
// Resuming (search/stored_run.h): given the stored first steps of an interrupted run, Run
// replays them without evaluating and goes on from there; the finished run is identical to an
// uninterrupted one. A replayed proposal that differs from the stored one (the config, the seed
// or Sculpt changed in between) is a UserError before anything is written.
//
// Thread-safety: Run is called from one thread; the engine owns all the threads it uses (a
// WorkerArena, search/worker_arena.h).

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "search/candidate.h"
#include "search/objective.h"
#include "search/result_sink.h"
#include "search/stored_run.h"
#include "search/strategy.h"
#include "spaces/evaluator.h"
#include "spaces/search_space.h"

namespace sculpt {

struct Budget {
  std::optional<std::int64_t> evaluations;  // distinct evaluations (repeats and infeasible don't count)
  std::optional<std::int64_t> proposals;    // every proposal
  std::optional<double> seconds;            // wall time, checked between batches
  // Stop when this many proposals in a row found nothing new (every one a repeat): a strategy
  // circling in a finite space it has mostly seen.
  std::optional<std::int64_t> patience;
};

struct EngineOptions {
  int workers = 1;
  int batch = 1;
  Budget budget;
  std::uint64_t seed = 0;
  std::string strategy_name;  // recorded with each candidate
};

struct EngineProgress {
  std::int64_t proposals = 0;
  std::int64_t evaluations = 0;  // distinct evaluations, failed ones included
  std::int64_t repeats = 0;
  std::int64_t infeasible = 0;
  std::int64_t failed = 0;
  std::optional<double> best_objective;  // natural sign
  std::int64_t best_step = -1;
  double elapsed_seconds = 0.0;
};

enum class StopReason {
  kEvaluationBudget,
  kProposalBudget,
  kTimeBudget,
  kSpaceExhausted,
  kNoProgress,
  kStrategyFinished,
  kInterrupted,
};

std::string_view ToString(StopReason reason);

struct RunSummary {
  EngineProgress progress;
  StopReason reason = StopReason::kStrategyFinished;
};

// Told after every batch, from the thread that called Run.
using ProgressCallback = std::function<void(const EngineProgress&)>;

class Engine {
 public:
  // All references must outlive the engine.
  Engine(const SearchSpace& space, const Evaluator& evaluator, Strategy& strategy,
         std::vector<Objective> objectives, std::vector<Constraint> constraints,
         EngineOptions options);

  // Runs until a budget is spent, the space or the strategy is exhausted, or `*stop` becomes
  // true (then the batch in flight is finished and written first). With `resume`, continues
  // the run whose first steps it holds: they are replayed, not evaluated or written again.
  RunSummary Run(ResultSink& sink, const ProgressCallback& on_progress = {},
                 const std::atomic<bool>* stop = nullptr, const StoredRun* resume = nullptr);

 private:
  // Takes a stored step's result instead of evaluating it; throws UserError when the proposal
  // is not the one stored at that step.
  static void Replay(CandidateRecord& record, const CandidateRecord* stored);
  // Evaluates one candidate in a worker; a failure becomes a failed record, never an exception.
  void EvaluateOne(CandidateRecord& record) const;

  const SearchSpace& space_;
  const Evaluator& evaluator_;
  Strategy& strategy_;
  std::vector<Objective> objectives_;
  std::vector<Constraint> constraints_;
  EngineOptions options_;
};

}  // namespace sculpt
