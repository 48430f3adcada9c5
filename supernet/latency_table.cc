#include "supernet/latency_table.h"

#include <ATen/Parallel.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <vector>

#include "spaces/errors.h"
#include "spaces/machine.h"
#include "supernet/latency.h"
#include "supernet/nb201/nb201_network.h"
#include "supernet/nb201/nb201_ops.h"

namespace sculpt {
namespace {

torch::Tensor Input(std::int64_t channels, std::int64_t size) {
  return torch::zeros({1, channels, size, size}, torch::kFloat32);
}

Architecture CellOf(std::array<int, nb201::kNumEdges> ops) {
  return Architecture{std::vector<int>(ops.begin(), ops.end())};
}

}  // namespace

nb201::LatencyTable BuildLatencyTable(const nb201::Skeleton& skeleton,
                                      const LatencyTableOptions& options) {
  nb201::ValidateSkeleton(skeleton);
  if (options.runs < 1 || options.warmup < 0) {
    throw UserError("latency table: runs must be >= 1 and warmup >= 0, got " +
                    std::to_string(options.runs) + " and " + std::to_string(options.warmup));
  }
  torch::NoGradGuard no_grad;
  const int runs = options.runs;
  const int warmup = options.warmup;
  // Entries are timed with MedianMilliseconds and no probe (reading an output value, as
  // MeasureLatencyMs does): CPU ops return when done, and a probe per entry would be counted once
  // per part in a sum of dozens of parts but only once in a measured network.
  auto time = [&](const std::function<void()>& call) {
    return MedianMilliseconds(call, runs, warmup);
  };

  nb201::LatencyTable table;
  table.machine = DescribeMachine();
  table.threads = at::get_num_threads();
  table.runs = runs;
  table.date = UtcNow();
  table.skeleton = skeleton;
  const BatchNormMode bn;  // stand-alone networks: running statistics, as deployed

  {
    Stem stem(StemOptions(skeleton.input_channels, skeleton.channels).bn(bn));
    stem->eval();
    const torch::Tensor x = Input(skeleton.input_channels, skeleton.input_size);
    table.stem_ms = time([&] { stem->forward(x); });
  }

  const auto shapes = nb201::StageShapes(skeleton);
  for (std::size_t s = 0; s < shapes.size(); ++s) {
    const auto [channels, size] = shapes[s];
    nb201::StageLatency& stage = table.stages[s];
    stage.channels = channels;
    stage.size = size;
    const torch::Tensor x = Input(channels, size);
    if (s > 0) {
      const auto [in_channels, in_size] = shapes[s - 1];
      ResNetBasicblock block(ResNetBasicblockOptions(in_channels, channels).bn(bn));
      block->eval();
      const torch::Tensor input = Input(in_channels, in_size);
      table.reduction_ms[s - 1] = time([&] { block->forward(input); });
    }
    for (int op = 0; op < nb201::kNumOps; ++op) {
      if (op == nb201::kNone) continue;
      CellOp module(CellOpOptions(static_cast<nb201::Op>(op), channels).bn(bn));
      module->eval();
      stage.op_ms[op] = time([&] { module->forward(x); });
    }
    const torch::Tensor y = Input(channels, size);
    stage.add_ms = time([&] { (void)(x + y); });
    stage.zeros_ms = time([&] { (void)torch::zeros_like(x); });
    using nb201::kNone, nb201::kSkipConnect;
    Nb201Cell cell(CellOf({kNone, kNone, kNone, kSkipConnect, kNone, kNone}), channels, bn);
    cell->eval();
    const double cell_ms = time([&] { cell->forward(x); });
    stage.cell_overhead_ms = std::max(0.0, cell_ms - stage.op_ms[kSkipConnect]);
  }

  {
    const std::int64_t channels = shapes.back().first;
    torch::nn::BatchNorm2d last_bn(channels);
    torch::nn::Linear classifier(channels, skeleton.classes);
    last_bn->eval();
    classifier->eval();
    const torch::Tensor x = Input(channels, shapes.back().second);
    // As Nb201NetworkImpl::forward ends.
    table.head_ms = time([&] {
      classifier->forward(torch::relu(last_bn->forward(x)).mean({2, 3}));
    });
  }

  {
    const Architecture empty = CellOf({});  // every edge none
    Nb201Network network(empty, Nb201NetworkOptions(skeleton));
    network->eval();
    const double measured = MeasureLatencyMs(
        [&](const torch::Tensor& input) { return network->forward(input); },
        {1, skeleton.input_channels, skeleton.input_size, skeleton.input_size}, runs, warmup);
    table.network_overhead_ms = 0;
    const double parts = nb201::PredictLatencyMs(table, empty, /*overheads=*/true);
    table.network_overhead_ms = std::max(0.0, measured - parts);
  }
  return table;
}

std::string DescribeMachine() {
  std::string cpu = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) cpu = line.substr(line.find_first_not_of(" \t", colon + 1));
    break;
  }
  return cpu + ", " + std::to_string(HardwareCores()) + " cores, LibTorch " + TORCH_VERSION;
}

}  // namespace sculpt
