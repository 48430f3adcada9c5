#include "supernet/torch_threads.h"

#include <malloc.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <ATen/Parallel.h>

#include "spaces/machine.h"

namespace sculpt {

void KeepFreedTensorMemory() {
  static std::once_flag once;
  std::call_once(once, [] {
    // 32 MiB is glibc's largest mmap threshold (half a per-thread heap); larger tensors are
    // rare here and still mmapped.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
}

namespace {

// (idle, total) jiffies of all CPUs so far; (0, 0) when /proc/stat cannot be read.
std::pair<double, double> CpuJiffies() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  if (!in || cpu != "cpu") return {0, 0};
  double idle = 0;
  double total = 0;
  for (int field = 0; field < 8; ++field) {  // user nice system idle iowait irq softirq steal
    double value = 0;
    if (!(in >> value)) break;
    total += value;
    if (field == 3 || field == 4) idle += value;
  }
  return {idle, total};
}

}  // namespace

int IdleCores(double seconds) {
  const int cores = HardwareCores();
  const auto [idle0, total0] = CpuJiffies();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const auto [idle1, total1] = CpuJiffies();
  if (total1 <= total0) return cores;  // no /proc/stat, or too short to tell
  const double fraction = (idle1 - idle0) / (total1 - total0);
  return std::clamp(static_cast<int>(std::lround(fraction * cores)), 0, cores);
}

int SetTorchThreads(int threads) {
  KeepFreedTensorMemory();
  at::set_num_threads(std::max(1, threads));
  return at::get_num_threads();
}

ThisThreadsTorchThreads::ThisThreadsTorchThreads(int threads) {
  // LibTorch sets a thread's count from the process-wide one on the thread's first parallel op:
  // done first here, so that it cannot undo the setting below.
  at::internal::lazy_init_num_threads();
  before_ = at::get_num_threads();
  omp_set_num_threads(std::max(1, threads));
}

ThisThreadsTorchThreads::~ThisThreadsTorchThreads() { omp_set_num_threads(before_); }

}  // namespace sculpt
