#pragma once
// Internal to predictors/ (includes LibTorch; never include it from a header others use):
// encodings as tensors, and seeded parameter initialisation that leaves torch's global
// generator alone. Thread-safety: pure functions over their arguments.

#include <cstdint>
#include <span>
#include <vector>

#include <torch/torch.h>

#include "spaces/encoding.h"

namespace sculpt::predictors {

// A batch of graphs of equal size: one-hot node ops [B, N, T], and degree-normalised propagation
// matrices [B, N, N]: `from_predecessors` averages a node with its predecessors (rows of
// (A^T + I) / degree), `from_successors` with its successors.
struct GraphBatch {
  torch::Tensor ops;
  torch::Tensor from_predecessors;
  torch::Tensor from_successors;
};

// Throws UserError when the graphs differ in size or op vocabulary.
GraphBatch MakeGraphBatch(std::span<const Encoding> encodings);

// The vector forms [B, D]. Throws UserError when their lengths differ.
torch::Tensor MakeVectorBatch(std::span<const Encoding> encodings);

// Re-initialises every Linear of `module` as torch does by default (uniform in +-1/sqrt(fan_in)
// for weight and bias), but from a generator seeded with `seed`.
void SeedLinearLayers(torch::nn::Module& module, std::uint64_t seed);

}  // namespace sculpt::predictors
