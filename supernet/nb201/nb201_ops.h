#pragma once
// The building blocks of NAS-Bench-201's networks, in the PyTorch C++ frontend style (options
// struct, XImpl : Cloneable<XImpl> with reset()/forward(), TORCH_MODULE), following the
// definitions of NAS-Bench-201's cell_operations.py so that parameter counts and shapes agree:
//  - ReLUConvBN: ReLU -> Conv2d (no bias) -> BatchNorm2d;
//  - CellOp: one op of a cell edge (none, skip_connect, nor_conv_1x1, nor_conv_3x3,
//    avg_pool_3x3 with count_include_pad=false, computed by AvgPool3x3), channels and size
//    preserved;
//  - ResNetBasicblock: the residual reduction between stages (stride 2);
//  - Stem: Conv3x3 (no bias) -> BatchNorm2d.
// Batch norm has two knobs everywhere: `affine` and `track_running_stats` (false: batch
// statistics in training and in eval mode, so forward() never writes module state).
// Thread-safety: as any torch::nn::Module. forward() of modules without running statistics
// mutates nothing and may run on several threads at once (each under its own grad mode).

#include <array>
#include <cstdint>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

#include "spaces/nb201.h"

namespace sculpt {

// Batch-norm settings shared by every block of one network.
struct BatchNormMode {
  bool affine = true;
  bool track_running_stats = true;
};

struct ReLUConvBNOptions {
  ReLUConvBNOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(std::int64_t, kernel_size);
  TORCH_ARG(std::int64_t, stride) = 1;
  TORCH_ARG(std::int64_t, padding) = 0;
  TORCH_ARG(BatchNormMode, bn) = {};
};

class ReLUConvBNImpl : public torch::nn::Cloneable<ReLUConvBNImpl> {
 public:
  explicit ReLUConvBNImpl(ReLUConvBNOptions options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  ReLUConvBNOptions options;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ReLUConvBN);

struct CellOpOptions {
  CellOpOptions(nb201::Op op, std::int64_t channels) : op_(op), channels_(channels) {}
  TORCH_ARG(nb201::Op, op);
  TORCH_ARG(std::int64_t, channels);
  TORCH_ARG(BatchNormMode, bn) = {};
};

// One edge op of a cell (stride 1, channels in == out, so no op needs a preprocessing conv).
class CellOpImpl : public torch::nn::Cloneable<CellOpImpl> {
 public:
  explicit CellOpImpl(CellOpOptions options);
  void reset() override;
  // none gives zeros of x's shape (NAS-Bench-201's Zero: x * 0).
  torch::Tensor forward(const torch::Tensor& x);
  // forward() of an all-zero input shaped like `like`, without running the op, for ops whose
  // batch norm uses batch statistics (no state to update): undefined (meaning zero) for none,
  // skip_connect and avg_pool_3x3; for a convolution, batch norm of a constant is its bias (0
  // without affine), with the same gradients as forward(): the bias gets the summed output
  // gradient, and the conv and BN weights get defined, exactly zero gradients, so that SGD's
  // weight decay and momentum still move them as on the naive path.
  torch::Tensor ForwardZero(const torch::Tensor& like);

  CellOpOptions options;
  ReLUConvBN conv{nullptr};  // nor_conv_1x1 and nor_conv_3x3 only
};
TORCH_MODULE(CellOp);

// Runs one cell on `input` (node 0): node i is the sum over edges (j -> i) of op(node j), with
// the edges in nb201::kEdges order; the output is node 3. A null op is none: it is skipped,
// and a node without any other input is exactly zero, as NAS-Bench-201 computes it (ops that
// read such a node still run, e.g. a conv's batch norm can turn zeros into its bias).
// With `shortcuts` (allowed only when no op's batch norm tracks running statistics, so that
// running an op changes no state), the same output and gradients come from less work: an op
// whose output cannot reach node 3 (a dead end) is not run (its parameters get no gradient on
// either path), and an op reading a zero node gives CellOpImpl::ForwardZero instead of running.
// The results equal the naive path's up to float rounding of sums (tests/supernet).
torch::Tensor ForwardCell(const torch::Tensor& input,
                          const std::array<CellOpImpl*, nb201::kNumEdges>& ops,
                          bool shortcuts = false);

struct ResNetBasicblockOptions {
  ResNetBasicblockOptions(std::int64_t in_channels, std::int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(BatchNormMode, bn) = {};
};

// NAS-Bench-201's reduction block with stride 2: ReLUConvBN 3x3 stride 2 -> ReLUConvBN 3x3, plus
// a shortcut AvgPool2d(2) -> Conv1x1 (no bias, no BN). Halves height and width (which must be
// even: the two paths round odd sizes differently).
class ResNetBasicblockImpl : public torch::nn::Cloneable<ResNetBasicblockImpl> {
 public:
  explicit ResNetBasicblockImpl(ResNetBasicblockOptions options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  ResNetBasicblockOptions options;
  ReLUConvBN conv_a{nullptr};
  ReLUConvBN conv_b{nullptr};
  torch::nn::AvgPool2d shortcut_pool{nullptr};
  torch::nn::Conv2d shortcut_conv{nullptr};
};
TORCH_MODULE(ResNetBasicblock);

struct StemOptions {
  StemOptions(std::int64_t in_channels, std::int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(std::int64_t, in_channels);
  TORCH_ARG(std::int64_t, out_channels);
  TORCH_ARG(BatchNormMode, bn) = {};
};

// Conv3x3 (padding 1, no bias) -> BatchNorm2d; no ReLU (the first cell's ops start with one).
class StemImpl : public torch::nn::Cloneable<StemImpl> {
 public:
  explicit StemImpl(StemOptions options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  StemOptions options;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(Stem);

// Re-draws every conv and linear weight (and bias) of `module` with PyTorch's default
// initialisation (uniform in +-1/sqrt(fan_in)) from a generator seeded with `seed`, and resets
// batch norms to weight 1, bias 0: the same seed gives the same weights on any thread, without
// touching LibTorch's global generator.
void InitializeWeights(torch::nn::Module& module, std::uint64_t seed);

// Copies every parameter and buffer of `from` into the same-named one of `to`; throws
// InternalError when their names or shapes differ (the two modules must share a definition).
void CopyState(const torch::nn::Module& from, torch::nn::Module& to);

}  // namespace sculpt
