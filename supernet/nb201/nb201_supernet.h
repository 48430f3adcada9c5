#pragma once
// Nb201Supernet: the weight-sharing one-shot model of the NAS-Bench-201 space on a Skeleton. Every
// edge of every cell holds one candidate of each op (nb201 op order; none has no module), and
// forward(x, arch) runs only the path of `arch` (single-path one-shot, SPOS): the stem, the
// reductions, the head and each candidate are shared by every architecture that uses them.
//
// Batch norm: every BN of the supernet uses batch statistics (track_running_stats = false), as
// NAS-Bench-201's search models do. Running statistics would mix the activations of all the
// sampled paths and fit none of them; with batch statistics each evaluation normalises with the
// statistics of its own path on its own batch, which is what per-candidate recalibration would
// estimate, at no extra cost and without copying the model. It also makes forward() free of
// writes to module state, so several engine workers may evaluate different architectures on the
// same supernet at once (under NoGradGuard, after training). The price: an evaluation batch must
// be reasonably large (its statistics stand in for the population's), and outputs depend on
// which images share a batch. BN keeps its affine weights (`affine`), trained like any weight.
// Thread-safety: training is single-threaded; after it, forward() may run on many threads.

#include <cstdint>
#include <vector>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "spaces/architecture.h"
#include "spaces/nb201.h"
#include "supernet/nb201/nb201_network.h"
#include "supernet/nb201/nb201_ops.h"

namespace sculpt {

struct Nb201SupernetOptions {
  explicit Nb201SupernetOptions(nb201::Skeleton skeleton) : skeleton_(skeleton) {}
  // Batch statistics everywhere (see the file comment).
  BatchNormMode Bn() const { return {affine_, /*track_running_stats=*/false}; }

  TORCH_ARG(nb201::Skeleton, skeleton);
  TORCH_ARG(bool, affine) = true;
  // Seeds the initial weights (see InitializeWeights).
  TORCH_ARG(std::uint64_t, seed) = 0;
};

// One cell holding every candidate op on every edge.
class Nb201SearchCellImpl : public torch::nn::Cloneable<Nb201SearchCellImpl> {
 public:
  Nb201SearchCellImpl(std::int64_t channels, BatchNormMode bn);
  void reset() override;
  // Runs the ops `arch` chooses (a valid nb201 cell).
  torch::Tensor forward(const torch::Tensor& x, const Architecture& arch);
  // The candidate for `op` on edge `edge`; null for none.
  CellOp Candidate(int edge, int op) const { return candidates[edge * nb201::kNumOps + op]; }

  std::int64_t channels;
  BatchNormMode bn;
  std::vector<CellOp> candidates;  // [edge * kNumOps + op], null for none
};
TORCH_MODULE(Nb201SearchCell);

class Nb201SupernetImpl : public torch::nn::Cloneable<Nb201SupernetImpl> {
 public:
  // Throws UserError when the skeleton is invalid.
  explicit Nb201SupernetImpl(Nb201SupernetOptions options);
  void reset() override;
  // Images -> logits through the single path of `arch`; throws UserError when `arch` is not an
  // nb201 cell.
  torch::Tensor forward(const torch::Tensor& x, const Architecture& arch);
  // One block of `arch`'s path (see Nb201NetworkImpl::forward_block).
  torch::Tensor forward_block(int block, const torch::Tensor& input, const Architecture& arch);

  Nb201SupernetOptions options;
  Stem stem{nullptr};
  torch::nn::ModuleList cells{nullptr};       // 3 * cells_per_stage Nb201SearchCell
  torch::nn::ModuleList reductions{nullptr};  // 2 ResNetBasicblock
  torch::nn::BatchNorm2d last_bn{nullptr};
  torch::nn::Linear classifier{nullptr};

 private:
  torch::Tensor RunBlock(int block, const torch::Tensor& input, const Architecture& arch);
};
TORCH_MODULE(Nb201Supernet);

// A stand-alone network of `arch` with the supernet's weights for that path (inherited weights),
// built from the same op definitions with the supernet's batch-norm mode: in eval mode its output
// equals supernet->forward(x, arch). Later training of either does not affect the other.
Nb201Network ExtractNetwork(const Nb201Supernet& supernet, const Architecture& arch);

}  // namespace sculpt
