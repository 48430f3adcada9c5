// Latency of exported networks side by side: a pruned transformer (`sculpt export --answer` of a
// prune run) against the model it was pruned from, measured in one process, one after the other,
// at batch 1 and batch 64, with the same thread count. Usage:
//   build/benchmarks/prune_latency DIR... [--runs N] [--threads T]
// Each DIR is an export folder (architecture.json and model.pt). Prints params and the median
// milliseconds per forward pass.

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "experiments/config/builtins.h"
#include "experiments/models/model_export.h"
#include "supernet/latency.h"

int main(int argc, char** argv) {
  std::vector<std::string> dirs;
  int runs = 30;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      dirs.push_back(arg);
    }
  }
  if (dirs.empty()) {
    std::cerr << "usage: prune_latency DIR... [--runs N] [--threads T]\n";
    return 2;
  }
  at::set_num_threads(threads);
  std::cout << "threads " << threads << ", median of " << runs << " runs\n";
  std::cout << std::left << std::setw(48) << "network" << std::setw(10) << "params"
            << std::setw(14) << "batch 1 ms" << "batch 64 ms\n";
  for (const std::string& dir : dirs) {
    const nlohmann::json document = nlohmann::json::parse(std::ifstream(dir + "/architecture.json"));
    nlohmann::json space = document.at("skeleton");
    space["type"] = document.at("family");
    const auto family = sculpt::BuildFamily(space);
    const auto arch = sculpt::BuildSpace(space)->Parse(document.at("arch").get<std::string>());
    const auto network = sculpt::ReadModel(*family, arch, dir + "/" + sculpt::kModelFile);
    std::int64_t params = 0;
    for (const auto& p : network->Module().parameters()) params += p.numel();
    const auto forward = [&](const at::Tensor& x) { return network->Forward(x); };
    const std::vector<std::int64_t> one = family->InputShape();  // {1, c, h, w}
    std::vector<std::int64_t> batch = one;
    batch[0] = 64;
    const double ms1 = sculpt::MeasureLatencyMs(forward, one, runs, 5);
    const double ms64 = sculpt::MeasureLatencyMs(forward, batch, runs, 3);
    std::cout << std::left << std::setw(48) << document.at("arch").get<std::string>()
              << std::setw(10) << params << std::setw(14) << std::fixed << std::setprecision(3)
              << ms1 << ms64 << "\n";
  }
  return 0;
}
