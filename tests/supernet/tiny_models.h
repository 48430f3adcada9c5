#pragma once
// What the model tests share: tiny nb201 and transformer skeletons (networks that train and run
// in milliseconds) and a parameter count of a LibTorch module.

#include <cstdint>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "spaces/nb201.h"
#include "spaces/transformer.h"

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

// 1 x 8 x 8 images, patch 4 (4 tokens), embedding 16, heads of 4 channels, FFN 0 or 16, 3
// classes: `layers` layers, each with a head count from `heads`.
inline transformer::Skeleton TinyTransformerSkeleton(int layers, std::vector<int> heads) {
  transformer::Skeleton s;
  s.input_size = 8;
  s.patch_size = 4;
  s.layers = layers;
  s.embed_dims = {16};
  s.heads = std::move(heads);
  s.ffn_dims = {0, 16};
  s.head_dim = 4;
  s.classes = 3;
  return s;
}

inline std::int64_t CountParameters(const torch::nn::Module& module) {
  std::int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

}  // namespace sculpt::testing
