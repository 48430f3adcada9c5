#include "search/worker_arena.h"

#include <algorithm>
#include <cstddef>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace sculpt {

WorkerArena::WorkerArena(int workers)
    : workers_(std::max(1, workers)),
      allow_workers_(tbb::global_control::max_allowed_parallelism,
                     std::max<std::size_t>(static_cast<std::size_t>(workers_),
                                           tbb::global_control::active_value(
                                               tbb::global_control::max_allowed_parallelism))),
      arena_(workers_) {}

void WorkerArena::RunEach(int jobs, const std::function<void(int job)>& job) {
  // A grain of 1 and the simple partitioner make each job a task of its own, so that a free
  // worker takes the next job (jobs may differ in length: a resumed one has less left).
  Execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int>(0, jobs, 1),
        [&](const tbb::blocked_range<int>& range) {
          for (int i = range.begin(); i != range.end(); ++i) job(i);
        },
        tbb::simple_partitioner());
  });
}

}  // namespace sculpt
