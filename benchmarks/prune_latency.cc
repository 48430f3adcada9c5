// Latency of exported networks side by side: a pruned transformer (`sculpt export --answer` of a
// prune run) against the model it was pruned from, measured in one process, one after the other,
// at batch 1 and batch 64, with the same thread count. Usage:
//   build/benchmarks/prune_latency DIR... [--runs N] [--threads T]
// Each DIR is an export folder (architecture.json and model.pt). Prints params and the median
// milliseconds per forward pass.

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "experiments/config/builtins.h"
#include "benchmarks/export_dirs_args.h"
#include "experiments/models/model_export.h"
#include "supernet/latency.h"

int main(int argc, char** argv) {
  const std::optional<ExportDirsArgs> args =
      ParseExportDirsArgs(argc, argv, "prune_latency", /*runs=*/30, /*threads=*/2);
  if (!args) return 2;
  // glibc's malloc otherwise maps and unmaps every buffer over its mmap threshold (a batch of 64
  // makes many) at each call: batch-64 times then varied 2-5x between calls, most of it in the
  // kernel. Raised thresholds keep freed buffers for reuse, as a long-running server's would be.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  const std::vector<std::string>& dirs = args->dirs;
  const int runs = args->runs;
  const int threads = args->threads;
  at::set_num_threads(threads);
  struct Loaded {
    std::string arch;
    std::shared_ptr<sculpt::Network> network;
    std::int64_t params = 0;
    std::vector<std::int64_t> one;
    std::vector<std::int64_t> batch;
    std::vector<double> ms1;
    std::vector<double> ms64;
  };
  std::vector<Loaded> loaded;
  for (const std::string& dir : dirs) {
    const nlohmann::json document = nlohmann::json::parse(std::ifstream(dir + "/architecture.json"));
    nlohmann::json space = document.at("skeleton");
    space["type"] = document.at("family");
    const auto family = sculpt::BuildFamily(space);
    const auto arch = sculpt::BuildSpace(space)->Parse(document.at("arch").get<std::string>());
    Loaded l;
    l.arch = document.at("arch").get<std::string>();
    l.network = sculpt::ReadModel(*family, arch, dir + "/" + sculpt::kModelFile);
    for (const auto& p : l.network->Module().parameters()) l.params += p.numel();
    l.one = family->InputShape();  // {1, c, h, w}
    l.batch = l.one;
    l.batch[0] = 64;
    loaded.push_back(std::move(l));
  }
  // The networks take turns, round after round, each timed for a few runs per round, after a
  // warm-up of every one: the first large batches of a process are slow (the allocator maps
  // fresh pages until it settles), which would otherwise fall on whichever network goes first.
  const int rounds = std::max(1, runs / 5);
  for (Loaded& l : loaded) {
    const auto forward = [&](const at::Tensor& x) { return l.network->Forward(x); };
    sculpt::MeasureLatencyMs(forward, l.batch, 1, 10);
    sculpt::MeasureLatencyMs(forward, l.one, 1, 20);
  }
  for (int r = 0; r < rounds; ++r) {
    for (Loaded& l : loaded) {
      const auto forward = [&](const at::Tensor& x) { return l.network->Forward(x); };
      l.ms1.push_back(sculpt::MeasureLatencyMs(forward, l.one, 5, 1));
      l.ms64.push_back(sculpt::MeasureLatencyMs(forward, l.batch, 5, 1));
    }
  }
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  std::cout << "threads " << threads << ", " << rounds << " rounds of 5 runs, interleaved; "
            << "median of the rounds' medians\n";
  std::cout << std::left << std::setw(52) << "network" << std::setw(10) << "params"
            << std::setw(14) << "batch 1 ms" << "batch 64 ms\n";
  for (const Loaded& l : loaded) {
    std::cout << std::left << std::setw(52) << l.arch << std::setw(10) << l.params
              << std::setw(14) << std::fixed << std::setprecision(3) << median(l.ms1)
              << median(l.ms64) << "\n";
  }
  return 0;
}
