#pragma once
// What the model tests share: a tiny nb201 skeleton (trains and runs in milliseconds) and a
// parameter count of a LibTorch module.

#include <cstdint>

#include <torch/torch.h>

#include "spaces/nb201.h"

namespace sculpt::testing {

// C = 4, one cell per stage, 1 x 8 x 8 input, `classes` classes.
inline nb201::Skeleton TinySkeleton(int classes = 3) {
  nb201::Skeleton s;
  s.channels = 4;
  s.cells_per_stage = 1;
  s.input_channels = 1;
  s.input_size = 8;
  s.classes = classes;
  return s;
}

inline std::int64_t CountParameters(const torch::nn::Module& module) {
  std::int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

}  // namespace sculpt::testing
