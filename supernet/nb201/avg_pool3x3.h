#pragma once
// AvgPool3x3: NAS-Bench-201's avg_pool_3x3 op (3x3 window, stride 1, padding 1,
// count_include_pad = false) as a separable box filter with its own autograd backward.
// ATen 1.13's CPU avg_pool2d (and its backward) visits the 9 cells of every window and was a
// quarter of a SPOS training step's time (docs/BENCHMARKS.md); the box filter sums rows, then
// columns, and scales by 1 / (cells inside the image), which is the same function up to float
// rounding of the order of the additions. The backward is the same filter: the gradient of an
// input is the sum, over the windows that contain it, of the window's gradient / its count.
// Float32 on CPU takes this path; anything else falls back to torch::avg_pool2d.
// Thread-safety: a pure function; parallel over planes with LibTorch's intra-op threads.

#include <torch/types.h>

namespace sculpt {

// x: [N, C, H, W] (or [C, H, W]) -> the same shape.
torch::Tensor AvgPool3x3(const torch::Tensor& x);

}  // namespace sculpt
