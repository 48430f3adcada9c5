#pragma once
// Nb201Network: the stand-alone network of one NAS-Bench-201 cell on a Skeleton (NAS-Bench-201's
// TinyNetwork): stem, three stages of N cells at C, 2C, 4C channels joined by residual reduction
// blocks, BN-ReLU, global average pooling and a linear classifier. Edges whose op is none are
// not built at all (they add nothing); every other edge is, dead ends included, so the parameter
// count equals nb201::CountParams.
// Thread-safety: as any torch::nn::Module; see nb201_ops.h for when forward() is re-entrant.

#include <cstdint>
#include <vector>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "spaces/architecture.h"
#include "spaces/nb201.h"
#include "supernet/nb201/nb201_ops.h"

namespace sculpt {

struct Nb201NetworkOptions {
  explicit Nb201NetworkOptions(nb201::Skeleton skeleton) : skeleton_(skeleton) {}
  TORCH_ARG(nb201::Skeleton, skeleton);
  // NAS-Bench-201 trains stand-alone networks with running statistics; a network extracted from
  // a supernet uses batch statistics like the supernet it came from.
  TORCH_ARG(BatchNormMode, bn) = {};
  // Seeds the initial weights (see InitializeWeights).
  TORCH_ARG(std::uint64_t, seed) = 0;
};

// One cell with fixed ops.
class Nb201CellImpl : public torch::nn::Cloneable<Nb201CellImpl> {
 public:
  Nb201CellImpl(const Architecture& arch, std::int64_t channels, BatchNormMode bn);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  Architecture arch;
  std::int64_t channels;
  BatchNormMode bn;
  std::vector<CellOp> edges;  // one per edge, null where the op is none
};
TORCH_MODULE(Nb201Cell);

class Nb201NetworkImpl : public torch::nn::Cloneable<Nb201NetworkImpl> {
 public:
  // Throws UserError when `arch` is not an nb201 cell or the skeleton is invalid.
  Nb201NetworkImpl(const Architecture& arch, Nb201NetworkOptions options);
  void reset() override;
  // Images [n, input_channels, input_size, input_size] -> logits [n, classes].
  torch::Tensor forward(const torch::Tensor& x);
  // Block `block` (nb201::kNumBlocks: stage s with the stem or the reduction before it; the last
  // also with the head) on the previous block's output; chaining the blocks is forward().
  torch::Tensor forward_block(int block, const torch::Tensor& input);

  Architecture arch;
  Nb201NetworkOptions options;
  Stem stem{nullptr};
  torch::nn::ModuleList cells{nullptr};       // 3 * cells_per_stage Nb201Cell, stage by stage
  torch::nn::ModuleList reductions{nullptr};  // 2 ResNetBasicblock, after stages 0 and 1
  torch::nn::BatchNorm2d last_bn{nullptr};
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(Nb201Network);

}  // namespace sculpt
