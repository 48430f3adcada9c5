// Analytic parameter and FLOP counts of NAS-Bench-201's network (TinyNetwork), following the
// conventions of the NAS-Bench-201 code so that our numbers match the published ones:
//  - params: every nn.Parameter, i.e. conv weights (no conv has a bias), BN affine weight and
//    bias (running statistics are buffers, not parameters), the classifier's weight and bias;
//  - FLOPs: the forward hooks of their get_model_infos sum only Conv2d and Linear modules:
//    multiply-accumulates of each conv (k*k*c_in*c_out per output pixel, no bias term since no
//    conv has one) and in*out + out for the linear layer. Pooling, BN, ReLU and the additions of
//    a cell are not counted (their pool hook is registered but never summed).
// Every edge counts, dead ends included: NAS-Bench-201's cells run every op of the genotype.

#include <cstdint>
#include <string>

#include "spaces/errors.h"
#include "spaces/nb201.h"

namespace sculpt::nb201 {
namespace {

struct Counts {
  std::int64_t params = 0;
  std::int64_t flops = 0;
};

// ReLU -> Conv(k x k, c_in -> c_out, no bias) -> BN(c_out, affine) at an h x h output.
void AddReluConvBn(Counts& counts, std::int64_t k, std::int64_t c_in, std::int64_t c_out,
                   std::int64_t h) {
  counts.params += k * k * c_in * c_out + 2 * c_out;
  counts.flops += k * k * c_in * c_out * h * h;
}

// ResNetBasicblock with stride 2: ReLUConvBN 3x3 stride 2, ReLUConvBN 3x3, and a shortcut of
// AvgPool2d(2) then a 1x1 conv without bias or BN. `h` is the output size.
void AddReduction(Counts& counts, std::int64_t c_in, std::int64_t c_out, std::int64_t h) {
  AddReluConvBn(counts, 3, c_in, c_out, h);
  AddReluConvBn(counts, 3, c_out, c_out, h);
  counts.params += c_in * c_out;
  counts.flops += c_in * c_out * h * h;
}

// One cell of `c` channels at h x h: convs keep channels and size; none, skip_connect and
// avg_pool_3x3 (C_in == C_out, so no preprocessing conv) have no parameters and no counted FLOPs.
void AddCell(Counts& counts, const Architecture& arch, std::int64_t c, std::int64_t h) {
  for (int op : arch.choices) {
    if (op == kConv3x3) AddReluConvBn(counts, 3, c, c, h);
    if (op == kConv1x1) AddReluConvBn(counts, 1, c, c, h);
  }
}

Counts CountNetwork(const Architecture& arch, const Skeleton& skeleton) {
  CheckCell(arch);
  ValidateSkeleton(skeleton);
  Counts counts;
  std::int64_t c = skeleton.channels;
  std::int64_t h = skeleton.input_size;
  // Stem: Conv3x3 (no bias) + BN, no ReLU.
  counts.params += 9 * skeleton.input_channels * c + 2 * c;
  counts.flops += 9 * skeleton.input_channels * c * h * h;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      AddReduction(counts, c, 2 * c, h / 2);
      c *= 2;
      h /= 2;
    }
    for (int cell = 0; cell < skeleton.cells_per_stage; ++cell) AddCell(counts, arch, c, h);
  }
  // lastact: BN + ReLU; global average pooling; Linear(c, classes) with bias.
  counts.params += 2 * c + c * skeleton.classes + skeleton.classes;
  counts.flops += c * skeleton.classes + skeleton.classes;
  return counts;
}

}  // namespace

void ValidateSkeleton(const Skeleton& skeleton) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw UserError("invalid nb201 skeleton: " + message);
  };
  require(skeleton.channels >= 1,
          "channels must be >= 1, got " + std::to_string(skeleton.channels));
  require(skeleton.cells_per_stage >= 1,
          "cells_per_stage must be >= 1, got " + std::to_string(skeleton.cells_per_stage));
  require(skeleton.input_channels >= 1,
          "input_channels must be >= 1, got " + std::to_string(skeleton.input_channels));
  require(skeleton.classes >= 1, "classes must be >= 1, got " + std::to_string(skeleton.classes));
  // The reduction's main path (3x3 conv, stride 2, padding 1) gives ceil(h/2) but its shortcut
  // (2x2 average pooling) gives floor(h/2): both reductions need an even input.
  require(skeleton.input_size >= 4 && skeleton.input_size % 4 == 0,
          "input_size must be a positive multiple of 4 (two stride-2 reductions halve it), got " +
              std::to_string(skeleton.input_size));
}

double CountParams(const Architecture& arch, const Skeleton& skeleton) {
  return static_cast<double>(CountNetwork(arch, skeleton).params);
}

double CountFlops(const Architecture& arch, const Skeleton& skeleton) {
  return static_cast<double>(CountNetwork(arch, skeleton).flops);
}

}  // namespace sculpt::nb201
