#include "supernet/torch_threads.h"

#include <chrono>
#include <thread>

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

namespace sculpt {
namespace {

TEST(TorchThreads, SetReturnsWhatLibTorchUses) {
  EXPECT_EQ(SetTorchThreads(2), 2);
  EXPECT_EQ(SetTorchThreads(0), 1);  // at least one
  EXPECT_EQ(SetTorchThreads(1), 1);
}

TEST(TorchThreads, AThreadsOwnCountLeavesTheOthersAndIsRestored) {
  SetTorchThreads(2);
  int inside = 0;
  int after = 0;
  int fresh = 0;
  std::thread worker([&] {
    {
      const ThisThreadsTorchThreads one(1);
      inside = at::get_num_threads();
      // LibTorch's lazy per-thread set-up (on a first parallel op) must not undo it.
      at::parallel_for(0, 1000, 1, [](std::int64_t, std::int64_t) {});
      if (at::get_num_threads() != 1) inside = -1;
    }
    after = at::get_num_threads();
  });
  worker.join();
  std::thread other([&] { fresh = at::get_num_threads(); });
  other.join();
  EXPECT_EQ(inside, 1);
  EXPECT_EQ(after, 2);
  EXPECT_EQ(fresh, 2);  // the process-wide setting is untouched
  EXPECT_EQ(at::get_num_threads(), 2);
  SetTorchThreads(1);
}

TEST(TorchThreads, IdleCoresIsACoreCountAfterSampling) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto start = std::chrono::steady_clock::now();
  const int idle = IdleCores(0.1);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_GE(idle, 0);
  EXPECT_LE(idle, cores);
}

}  // namespace
}  // namespace sculpt
