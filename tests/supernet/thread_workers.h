#pragma once
// ThreadWorkers: a SideBySide (spaces/prepare.h) for tests of code that lends jobs to the
// engine's workers, with threads of its own.

#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "spaces/prepare.h"

namespace sculpt::testing {

// Runs jobs on `workers` threads of its own, each taking the next job when free (as the
// engine's WorkerArena does), and remembers the threads that ran them.
class ThreadWorkers final : public SideBySide {
 public:
  explicit ThreadWorkers(int workers) : workers_(workers) {}
  int Workers() const override { return workers_; }
  void RunEach(int jobs, const std::function<void(int)>& job) override {
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::exception_ptr failure;
    std::vector<std::thread> threads;
    for (int w = 0; w < workers_; ++w) {
      threads.emplace_back([&] {
        for (int k = next++; k < jobs && !failed; k = next++) {
          try {
            job(k);
            std::lock_guard lock(mutex);
            job_threads.insert(std::this_thread::get_id());
          } catch (...) {
            std::lock_guard lock(mutex);
            failure = std::current_exception();
            failed = true;
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    if (failure) std::rethrow_exception(failure);
  }
  std::set<std::thread::id> job_threads;

 private:
  int workers_;
};

}  // namespace sculpt::testing
