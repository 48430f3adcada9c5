#include "supernet/latency.h"

#include <algorithm>
#include <chrono>

#include <torch/types.h>
#include <torch/utils.h>

#include "spaces/errors.h"

namespace sculpt {

double MeasureLatencyMs(const ForwardFunction& forward, const std::vector<std::int64_t>& shape,
                        int runs, int warmup) {
  SCULPT_ASSERT(runs >= 1, "MeasureLatencyMs needs at least one run");
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::zeros(shape, torch::kFloat32);
  for (int i = 0; i < warmup; ++i) forward(input);
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const torch::Tensor output = forward(input);
    // Reading one value makes sure the pass is complete (a no-op on CPU, needed elsewhere).
    (void)output.sum().item<float>();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  const auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  return *middle;
}

}  // namespace sculpt
