#pragma once
// StoredRun: what a resumed search reads back of the run it continues, the records of its first
// steps as a sink stored them before the process was interrupted (killed, Ctrl-C, a full disk).
//
// How a resume works (Engine::Run with a StoredRun): the engine runs the search again from step
// 0 with the same config and seed, so the strategy, its RNG and the engine's caches are rebuilt
// exactly, by being told exactly what they were told the first time. A stored step is answered
// from here instead of being evaluated; the sink receives only the steps after the stored ones;
// everything from there on is what the uninterrupted run would have done. Nothing per strategy
// has to be saved or written, so every strategy, present or future, resumes exactly. Replaying
// costs the strategy's own time (the engine's speed: about a million proposals a minute), not
// the evaluations'.
//
// The stored steps must be a prefix (0..StoredSteps()-1): sinks store whole batches, in order.
// Called from the engine's controlling thread only.

#include <cstdint>

#include "search/candidate.h"

namespace sculpt {

class StoredRun {
 public:
  virtual ~StoredRun() = default;
  // Steps 0..StoredSteps()-1 were stored.
  virtual std::int64_t StoredSteps() const = 0;
  // The stored record of `step` < StoredSteps() when the step was evaluated or found
  // infeasible; nullptr when it was a repeat (repeats are found again by the engine).
  virtual const CandidateRecord* Stored(std::int64_t step) const = 0;
  // Seconds the search had run when its last stored step finished: the resumed search's clock
  // starts there (finished_at, the time budget).
  virtual double StoredSeconds() const = 0;
};

}  // namespace sculpt
