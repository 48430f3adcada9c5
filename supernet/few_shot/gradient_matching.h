#pragma once
// Gradient matching: which decision a few-shot supernet should split on (the "auto" split), after
// GM-NAS (Hu et al., ICLR 2022). A one-shot supernet makes all values of a decision train the
// same weights around it; where the values pull those shared weights in different directions,
// sharing hurts most, and splitting there helps most. For each decision d and each of its values
// v this takes the gradient of the training loss with respect to the trained one-shot supernet's
// weights, summed over `batches` training batches, each through a random path whose other
// decisions are the same for every v (only d differs, so the comparison is paired). The
// decision's disagreement is 1 minus the mean cosine similarity of the gradients over all pairs
// of its values, computed on the weights every value's paths train (a tensor one value leaves
// without a gradient belongs to that value alone, like an nb201 edge's own conv). The split goes
// to the decision that disagrees most.
// Thread-safety: one thread, with the supernet used nowhere else meanwhile (it computes
// gradients in train mode and leaves the supernet in eval mode with no gradients).

#include <cstdint>
#include <vector>

#include "supernet/data/dataset.h"
#include "supernet/model_family.h"

namespace sculpt {

struct GradientMatchingOptions {
  int batches = 4;                // training batches per value (>= 1)
  std::int64_t batch_size = 64;   // images per batch (>= 2: batch statistics)
  std::uint64_t seed = 0;         // draws the batches and the paths
};

// One score per decision, in the order of `values` (values[d]: how many values decision d has);
// a decision with fewer than two values scores -1 (it cannot be split). Scores lie in [0, 2].
std::vector<double> GradientDisagreement(Supernet& supernet, const ModelFamily& family,
                                         const ImageDataset& data, const std::vector<int>& values,
                                         const GradientMatchingOptions& options);

}  // namespace sculpt
