#include "supernet/torch_threads.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace sculpt {
namespace {

TEST(TorchThreads, SetReturnsWhatLibTorchUses) {
  EXPECT_EQ(SetTorchThreads(2), 2);
  EXPECT_EQ(SetTorchThreads(0), 1);  // at least one
  EXPECT_EQ(SetTorchThreads(1), 1);
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
