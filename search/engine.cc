#include "search/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <span>
#include <unordered_map>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "search/seen_architectures.h"
#include "search/worker_arena.h"
#include "spaces/errors.h"
#include "spaces/rng.h"

namespace sculpt {
namespace {

using Clock = std::chrono::steady_clock;

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
    case StopReason::kNoProgress:
      return "no new architecture to evaluate within the patience";
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
                       const std::atomic<bool>* stop, const StoredRun* resume) {
  const Budget& budget = options_.budget;
  // A resumed search's clock goes on from where the stored run's stopped.
  const std::int64_t stored_steps = resume != nullptr ? resume->StoredSteps() : 0;
  const double earlier_seconds = resume != nullptr ? resume->StoredSeconds() : 0.0;
  const Clock::time_point start = Clock::now();
  auto elapsed = [&] { return earlier_seconds + Seconds(start); };
  WorkerArena arena(options_.workers);

  SeenArchitectures seen;
  const std::optional<std::uint64_t> space_size = space_.Size();

  EngineProgress progress;
  std::int64_t next_step = 0;
  std::int64_t last_new_step = 0;  // step of the last proposal that was a new one to evaluate
  std::optional<StopReason> reason;

  std::vector<CandidateRecord> records;
  std::vector<std::size_t> to_evaluate;
  std::vector<Observation> observations;
  std::unordered_map<std::uint64_t, std::size_t> first_in_batch;
  std::vector<Proposal> proposals;  // reused: see Strategy::AskInto

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
    // Stored steps passed this check when they were made; replaying them must not stop early.
    if (budget.seconds && next_step >= stored_steps && elapsed() >= *budget.seconds) {
      reason = StopReason::kTimeBudget;
      break;
    }
    if (space_size && seen.size() >= *space_size) {
      reason = StopReason::kSpaceExhausted;
      break;
    }
    if (budget.patience && next_step - last_new_step >= *budget.patience) {
      reason = StopReason::kNoProgress;
      break;
    }

    std::int64_t wanted = options_.batch;
    if (budget.proposals) wanted = std::min(wanted, *budget.proposals - progress.proposals);
    strategy_.AskInto(static_cast<int>(wanted), proposals);
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
      const std::size_t arch_id = seen.Find(space_, proposal.arch);
      const std::uint64_t hash = seen.Hash(arch_id);

      if (used == records.size()) records.emplace_back();
      CandidateRecord& record = records[used];
      ResetRecord(record);
      record.step = next_step;
      // The record takes the proposal's architecture and gives its old one's storage back to
      // the strategy for its next proposals.
      record.arch.choices.swap(proposal.arch.choices);
      record.arch_text.assign(seen.Text(arch_id));
      record.arch_id = static_cast<std::int64_t>(arch_id);
      record.hash = hash;
      record.strategy.assign(options_.strategy_name);
      record.origin.assign(proposal.origin);
      record.parent = proposal.parent;

      if (const std::int32_t known = seen.ClassOf(arch_id); known != SeenArchitectures::kNoClass) {
        record.repeat_of = seen.Class(known).first_step;
      } else if (auto it = first_in_batch.find(seen.Key(arch_id)); it != first_in_batch.end()) {
        record.repeat_of = records[it->second].step;  // its class is added once evaluated
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
          seen.AddClass(arch_id, {record.step, record.status, {}, std::nullopt, record.error});
          ++progress.infeasible;
        } else {
          if (budget.evaluations && progress.evaluations >= *budget.evaluations) {
            // The budget is spent: this proposal and the rest of the batch are never made.
            reason = StopReason::kEvaluationBudget;
            break;
          }
          ++progress.evaluations;
          first_in_batch.emplace(seen.Key(arch_id), used);
          to_evaluate.push_back(used);
          // Only a new architecture to evaluate is progress: a search whose new proposals
          // all break a constraint no member it reaches meets would otherwise never stop.
          last_new_step = next_step;
        }
      }
      ++used;
      ++next_step;
    }
    const std::span<CandidateRecord> batch(records.data(), used);

    // A replayed step must be the proposal stored at that step, with the same kind (evaluated,
    // infeasible or repeat); its stored result stands in for the evaluation.
    for (std::size_t i = 0; i < used && batch[i].step < stored_steps; ++i) {
      Replay(batch[i], resume->Stored(batch[i].step));
    }

    // Each evaluation is independent and seeded by its step, so the result does not depend on
    // which worker runs it or when. Replayed steps (a prefix) already hold their results.
    if (!to_evaluate.empty() && batch[to_evaluate.back()].step >= stored_steps) {
      arena.Execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, to_evaluate.size(), 1),
                          [&](const tbb::blocked_range<std::size_t>& range) {
                            for (std::size_t i = range.begin(); i != range.end(); ++i) {
                              CandidateRecord& record = batch[to_evaluate[i]];
                              if (record.step >= stored_steps) EvaluateOne(record);
                            }
                          });
      });
    }

    const double now = elapsed();
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
      seen.AddClass(static_cast<std::size_t>(record.arch_id), std::move(result));
    }

    observations.resize(used);
    for (std::size_t i = 0; i < used; ++i) {
      CandidateRecord& record = batch[i];
      record.finished_at = now;  // replayed steps keep their stored time: they are not written
      // Every record's class has a result by now (a repeat of a candidate of this batch finds
      // it through its class key).
      const ClassResult& result =
          seen.Class(seen.ClassOf(static_cast<std::size_t>(record.arch_id)));
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

    // The sink gets only what it has not stored yet.
    const auto first_new = std::find_if(batch.begin(), batch.end(), [&](const auto& record) {
      return record.step >= stored_steps;
    });
    if (first_new != batch.end()) sink.Write(batch.subspan(first_new - batch.begin()));
    strategy_.Tell(observations);
    if (on_progress) on_progress(progress);
  }
  sink.Flush();  // every record stored before the run reports its end
  progress.elapsed_seconds = elapsed();
  return {progress, *reason};
}

void Engine::Replay(CandidateRecord& record, const CandidateRecord* stored) {
  auto diverged = [&](const std::string& what) {
    throw UserError("cannot resume: step " + std::to_string(record.step) + " of the run again " +
                    what +
                    "; the config, the seed, Sculpt's version or a file the run reads "
                    "(a `listed` strategy's CSV, an evaluator's table) must have changed since "
                    "the stored run (start a new experiment instead)");
  };
  const bool repeat = record.repeat_of >= 0;
  if (stored == nullptr) {
    if (!repeat) diverged("proposes " + record.arch_text + ", which the stored run had seen");
    return;
  }
  if (repeat || stored->arch_text != record.arch_text) {
    diverged("proposes " + record.arch_text + (repeat ? " (seen before)" : "") +
             " where the stored run proposed " + stored->arch_text);
  }
  if ((stored->status == CandidateStatus::kInfeasible) !=
      (record.status == CandidateStatus::kInfeasible)) {
    diverged("finds " + record.arch_text + " " +
             (record.status == CandidateStatus::kInfeasible ? "infeasible" : "feasible") +
             " where the stored run did not");
  }
  if (record.status == CandidateStatus::kInfeasible) return;
  record.status = stored->status;
  record.error = stored->error;
  record.metrics = stored->metrics;
  record.objective = stored->objective;
  record.eval_seconds = stored->eval_seconds;
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
