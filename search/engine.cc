#include "search/engine.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <span>
#include <unordered_map>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "spaces/errors.h"
#include "spaces/rng.h"

namespace sculpt {
namespace {

using Clock = std::chrono::steady_clock;

// What the engine remembers of an architecture it has seen (memoised string form and hash).
struct KnownArchitecture {
  std::string text;
  std::uint64_t hash = 0;
  std::int64_t id = 0;  // CandidateRecord::arch_id
};

// The first result of a canonical class; repeats are answered from it.
struct ClassResult {
  std::int64_t first_step = 0;
  CandidateStatus status = CandidateStatus::kOk;
  std::vector<double> oriented;  // objectives as the strategy sees them
  std::optional<double> objective;
  std::string error;
};

// Clears a reused record's values but keeps its strings' and containers' capacity.
void ResetRecord(CandidateRecord& record) {
  record.status = CandidateStatus::kOk;
  record.error.clear();
  record.repeat_of = -1;
  record.metrics.clear();
  record.objective.reset();
  record.eval_seconds = 0.0;
  record.finished_at = 0.0;
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

}  // namespace

std::string_view ToString(StopReason reason) {
  switch (reason) {
    case StopReason::kEvaluationBudget: return "evaluation budget spent";
    case StopReason::kProposalBudget: return "proposal budget spent";
    case StopReason::kTimeBudget: return "time budget spent";
    case StopReason::kSpaceExhausted: return "search space exhausted";
    case StopReason::kNoProgress: return "no new architecture within the patience";
    case StopReason::kStrategyFinished: return "strategy finished";
    case StopReason::kInterrupted: return "interrupted";
  }
  return "unknown";
}

Engine::Engine(const SearchSpace& space, const Evaluator& evaluator, Strategy& strategy,
               std::vector<Objective> objectives, std::vector<Constraint> constraints,
               EngineOptions options)
    : space_(space), evaluator_(evaluator), strategy_(strategy),
      objectives_(std::move(objectives)), constraints_(std::move(constraints)),
      options_(std::move(options)) {
  SCULPT_ASSERT(!objectives_.empty(), "an engine needs at least one objective");
  SCULPT_ASSERT(options_.workers >= 1 && options_.batch >= 1, "workers and batch must be >= 1");
}

RunSummary Engine::Run(ResultSink& sink, const ProgressCallback& on_progress,
                       const std::atomic<bool>* stop) {
  const Budget& budget = options_.budget;
  const Clock::time_point start = Clock::now();
  // TBB caps its threads at the core count unless told otherwise; `workers` may exceed the cores
  // on purpose (evaluators that wait on I/O), so the engine, which owns the threads, lifts the cap.
  tbb::global_control allow_workers(
      tbb::global_control::max_allowed_parallelism,
      std::max<std::size_t>(static_cast<std::size_t>(options_.workers),
                            tbb::global_control::active_value(
                                tbb::global_control::max_allowed_parallelism)));
  tbb::task_arena arena(options_.workers);

  std::unordered_map<Architecture, KnownArchitecture, ArchitectureHash> known;
  std::unordered_map<std::uint64_t, ClassResult> classes;
  const std::optional<std::uint64_t> space_size = space_.Size();

  EngineProgress progress;
  std::int64_t next_step = 0;
  std::int64_t last_new_step = 0;  // step of the last proposal that was neither repeat nor known
  std::optional<StopReason> reason;

  std::vector<CandidateRecord> records;
  std::vector<std::size_t> to_evaluate;
  std::vector<Observation> observations;
  std::unordered_map<std::uint64_t, std::size_t> first_in_batch;

  while (!reason) {
    if (stop != nullptr && stop->load()) {
      reason = StopReason::kInterrupted;
      break;
    }
    if (budget.evaluations && progress.evaluations >= *budget.evaluations) {
      reason = StopReason::kEvaluationBudget;
      break;
    }
    if (budget.proposals && progress.proposals >= *budget.proposals) {
      reason = StopReason::kProposalBudget;
      break;
    }
    if (budget.seconds && Seconds(start) >= *budget.seconds) {
      reason = StopReason::kTimeBudget;
      break;
    }
    if (space_size && known.size() >= *space_size) {
      reason = StopReason::kSpaceExhausted;
      break;
    }
    if (budget.patience && next_step - last_new_step >= *budget.patience) {
      reason = StopReason::kNoProgress;
      break;
    }

    std::int64_t wanted = options_.batch;
    if (budget.proposals) wanted = std::min(wanted, *budget.proposals - progress.proposals);
    std::vector<Proposal> proposals = strategy_.Ask(static_cast<int>(wanted));
    if (proposals.empty()) {
      reason = StopReason::kStrategyFinished;
      break;
    }
    SCULPT_ASSERT(static_cast<std::int64_t>(proposals.size()) <= wanted,
                  "strategy proposed more than it was asked for");

    // Records and observations are reused from batch to batch: assigning into their strings
    // and vectors keeps the capacity they already have, so a batch of repeats (most of a long
    // search) allocates almost nothing.
    std::size_t used = 0;
    to_evaluate.clear();
    first_in_batch.clear();
    for (Proposal& proposal : proposals) {
      SCULPT_ASSERT(space_.Contains(proposal.arch), "strategy proposed an architecture outside the space");
      auto [known_it, is_new] = known.try_emplace(proposal.arch);
      if (is_new) {
        known_it->second.text = space_.Format(proposal.arch);
        known_it->second.hash = space_.CanonicalHash(proposal.arch);
        known_it->second.id = static_cast<std::int64_t>(known.size()) - 1;
      }
      const KnownArchitecture& seen = known_it->second;

      if (used == records.size()) records.emplace_back();
      CandidateRecord& record = records[used];
      ResetRecord(record);
      record.step = next_step;
      record.arch = std::move(proposal.arch);
      record.arch_text.assign(seen.text);
      record.arch_id = seen.id;
      record.hash = seen.hash;
      record.strategy.assign(options_.strategy_name);
      record.origin.assign(proposal.origin);
      record.parent = proposal.parent;

      if (auto done = classes.find(seen.hash); done != classes.end()) {
        record.repeat_of = done->second.first_step;
      } else if (auto pending = first_in_batch.find(seen.hash); pending != first_in_batch.end()) {
        record.repeat_of = records[pending->second].step;  // resolved once evaluated
      } else {
        record.metrics = space_.Cost(record.arch);
        std::string violated;
        for (const Constraint& constraint : constraints_) {
          if (!constraint.SatisfiedBy(record.metrics)) {
            violated += (violated.empty() ? "violates " : ", ") + constraint.Describe();
          }
        }
        if (!violated.empty()) {
          record.status = CandidateStatus::kInfeasible;
          record.error = std::move(violated);
          classes[seen.hash] = {record.step, record.status, {}, std::nullopt, record.error};
          ++progress.infeasible;
        } else {
          if (budget.evaluations && progress.evaluations >= *budget.evaluations) {
            // The budget is spent: this proposal and the rest of the batch are never made.
            reason = StopReason::kEvaluationBudget;
            break;
          }
          ++progress.evaluations;
          first_in_batch.emplace(seen.hash, used);
          to_evaluate.push_back(used);
        }
        last_new_step = next_step;
      }
      ++used;
      ++next_step;
    }
    const std::span<CandidateRecord> batch(records.data(), used);

    // Each evaluation is independent and seeded by its step, so the result does not depend on
    // which worker runs it or when.
    if (!to_evaluate.empty()) {
      arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, to_evaluate.size(), 1),
                          [&](const tbb::blocked_range<std::size_t>& range) {
                            for (std::size_t i = range.begin(); i != range.end(); ++i) {
                              EvaluateOne(batch[to_evaluate[i]]);
                            }
                          });
      });
    }

    const double now = Seconds(start);
    for (std::size_t index : to_evaluate) {
      CandidateRecord& record = batch[index];
      ClassResult result{record.step, record.status, {}, record.objective, record.error};
      if (record.status == CandidateStatus::kOk) {
        for (const Objective& objective : objectives_) {
          result.oriented.push_back(objective.Orient(record.metrics.find(objective.metric)->second));
        }
        if (!progress.best_objective ||
            objectives_.front().Better(*record.objective, *progress.best_objective)) {
          progress.best_objective = record.objective;
          progress.best_step = record.step;
        }
      } else {
        ++progress.failed;
      }
      classes[record.hash] = std::move(result);
    }

    observations.resize(used);
    for (std::size_t i = 0; i < used; ++i) {
      CandidateRecord& record = batch[i];
      record.finished_at = now;
      const ClassResult& result = classes.at(record.hash);
      if (record.repeat_of >= 0) {
        record.status = result.status;
        record.error.assign(result.error);
        record.objective = result.objective;
        ++progress.repeats;
      }
      Observation& observation = observations[i];
      observation.step = record.step;
      observation.arch.choices.assign(record.arch.choices.begin(), record.arch.choices.end());
      observation.status = record.status;
      observation.objectives.assign(result.oriented.begin(), result.oriented.end());
      observation.repeat = record.repeat_of >= 0;
    }
    progress.proposals += static_cast<std::int64_t>(used);
    progress.elapsed_seconds = now;

    sink.Write(batch);
    strategy_.Tell(observations);
    if (on_progress) on_progress(progress);
  }
  sink.Flush();  // every record stored before the run reports its end
  progress.elapsed_seconds = Seconds(start);
  return {progress, *reason};
}

void Engine::EvaluateOne(CandidateRecord& record) const {
  const Clock::time_point start = Clock::now();
  try {
    const EvalContext context{MixSeed(options_.seed, static_cast<std::uint64_t>(record.step)),
                              record.step};
    Metrics metrics = evaluator_.Evaluate(record.arch, context);
    for (auto& [name, value] : metrics) record.metrics[name] = value;
    for (const Objective& objective : objectives_) {
      auto it = record.metrics.find(objective.metric);
      if (it == record.metrics.end()) {
        throw UserError("the evaluator returned no '" + objective.metric + "'");
      }
      if (!std::isfinite(it->second)) {
        throw UserError("objective '" + objective.metric + "' is not finite");
      }
    }
    record.objective = record.metrics.at(objectives_.front().metric);
  } catch (const std::exception& error) {
    record.status = CandidateStatus::kFailed;
    record.error = error.what();
    record.objective.reset();
  } catch (...) {
    record.status = CandidateStatus::kFailed;
    record.error = "unknown exception";
    record.objective.reset();
  }
  record.eval_seconds = std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace sculpt
