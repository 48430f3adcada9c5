#pragma once
// A transformer skeleton small enough to enumerate in every test: 1 x 8 x 8 images in 4 patches,
// 2 layers, embed {8, 16}, heads {0, 1, 2} of 4 channels, FFN {0, 32}, 3 classes; 2 x (3 x 2)^2 =
// 72 architectures. For the space tests only.

#include "spaces/transformer.h"

namespace sculpt::testing {

inline transformer::Skeleton SmallTransformerSkeleton() {
  transformer::Skeleton s;
  s.input_channels = 1;
  s.input_size = 8;
  s.patch_size = 4;  // 4 patches
  s.layers = 2;
  s.embed_dims = {8, 16};
  s.heads = {0, 1, 2};
  s.ffn_dims = {0, 32};
  s.head_dim = 4;
  s.classes = 3;
  return s;
}

}  // namespace sculpt::testing
