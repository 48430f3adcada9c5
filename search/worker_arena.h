#pragma once
// WorkerArena: the engine's worker threads, a tbb::task_arena of `workers` threads (the calling
// thread is one of them). The engine evaluates a batch's candidates on it; `sculpt run` lends one
// of the same size to Evaluator::Prepare (spaces/prepare.h: SideBySide), so that the work before
// a search runs on the same threads as the search.
// `workers` may exceed the cores on purpose (evaluators that wait on I/O): TBB caps its threads
// at the core count unless told otherwise, so the arena lifts the cap while it lives.
// Thread-safety: Execute and RunEach are called from the thread that made the arena.

#include <functional>

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include "spaces/prepare.h"

namespace sculpt {

class WorkerArena final : public SideBySide {
 public:
  explicit WorkerArena(int workers);

  int Workers() const override { return workers_; }
  void RunEach(int jobs, const std::function<void(int job)>& job) override;

  // Runs `work` in the arena: parallel algorithms inside it use the arena's threads.
  template <typename Work>
  void Execute(Work&& work) {
    arena_.execute(std::forward<Work>(work));
  }

 private:
  int workers_;
  tbb::global_control allow_workers_;
  tbb::task_arena arena_;
};

}  // namespace sculpt
