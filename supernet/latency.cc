#include "supernet/latency.h"

#include <algorithm>
#include <chrono>

#include <torch/types.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "supernet/model_family.h"

namespace sculpt {

double MedianMilliseconds(const std::function<void()>& call, int runs, int warmup) {
  SCULPT_ASSERT(runs >= 1, "a median needs at least one run");
  for (int i = 0; i < warmup; ++i) call();
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    call();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  const auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  return *middle;
}

double MeasureLatencyMs(const ForwardFunction& forward, const std::vector<std::int64_t>& shape,
                        int runs, int warmup) {
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::zeros(shape, torch::kFloat32);
  return MedianMilliseconds(
      [&] {
        const torch::Tensor output = forward(input);
        // Reading one value makes sure the pass is complete (a no-op on CPU, needed elsewhere).
        (void)output.sum().item<float>();
      },
      runs, warmup);
}

double ArchitectureLatencyMs(const ModelFamily& family, const Architecture& arch, int runs) {
  const std::shared_ptr<Network> network = family.BuildNetwork(arch, 0);
  network->Module().eval();
  return MeasureLatencyMs([&](const at::Tensor& x) { return network->Forward(x); },
                          family.InputShape(), runs);
}

}  // namespace sculpt
