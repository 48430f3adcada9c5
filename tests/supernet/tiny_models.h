#pragma once
// What the model tests share: tiny nb201 and transformer skeletons (networks that train and run
// in milliseconds), the prune mask that keeps everything, and a parameter count of a LibTorch
// module.

#include <cstdint>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "spaces/nb201.h"
#include "spaces/prune.h"
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

// The prune mask that keeps every head and FFN unit of a network of these sizes.
inline prune::Mask KeepEverything(const transformer::Sizes& sizes) {
  prune::Mask mask;
  for (const transformer::Layer& layer : sizes.layers) {
    mask.heads.emplace_back();
    mask.neurons.emplace_back();
    for (int h = 0; h < layer.heads; ++h) mask.heads.back().push_back(h);
    for (int n = 0; n < layer.ffn; ++n) mask.neurons.back().push_back(n);
  }
  return mask;
}

inline std::int64_t CountParameters(const torch::nn::Module& module) {
  std::int64_t total = 0;
  for (const auto& p : module.parameters()) total += p.numel();
  return total;
}

}  // namespace sculpt::testing
