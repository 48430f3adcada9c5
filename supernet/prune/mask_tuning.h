#pragma once
// Mask tuning (Kwon et al. 2022, "A Fast Post-Training Pruning Framework for Transformers",
// section 4.3): after a mask removes heads and FFN units, rescale each kept unit's output so that
// every sublayer reproduces, as well as a linear least-squares fit can, what the trained
// (unpruned) network computes there. Layer by layer, on a fixed sample of training images: the
// student (the pruned network, already tuned up to this sublayer) runs the sublayer on its own
// input; each kept head (or FFN unit) contributes one term A_i to the sublayer's output
// (its slice of the attention output times its projection columns; its activation times its fc2
// column), and the scales s minimise || x + b + sum_i s_i A_i - y ||^2, where y is, by
// TuningTarget, the trained network's output of the same sublayer on the trained network's own
// input (kTrained: the paper's reconstruction of the unpruned activations, so a layer also makes
// up for what earlier layers lost) or on the student's input (kSublayer: what this sublayer
// would add with nothing removed). On the 6 x 4-head ViT of docs/BENCHMARKS.md kSublayer did
// better at every FLOPs budget from 0.9 to 0.5 (one run each); it is the evaluator's default. The damped normal equations are solved
// in double precision; scales that come out larger than 10 in magnitude or not finite, or that
// fit worse than all ones, are replaced by ones (the untuned mask). The scales fold into the
// pruned network's weights (the projection's and fc2's columns), so the tuned network costs what
// the untuned one does.
// Thread-safety: reads `trained` only (no grad), so masks may be tuned on many threads at once.

#include <vector>

#include <ATen/core/Tensor.h>

#include "spaces/prune.h"
#include "supernet/transformer/transformer_network.h"

namespace sculpt {

// Per skeleton layer, the scales of the kept heads and kept FFN units, in the mask's order.
struct MaskScales {
  std::vector<std::vector<double>> heads;
  std::vector<std::vector<double>> neurons;
};

// Per sublayer tuned, the squared reconstruction error of its output before and after tuning
// (for tests and reports), in sublayer order.
struct TuningError {
  std::vector<double> untuned;
  std::vector<double> tuned;
};

enum class TuningTarget { kTrained, kSublayer };

MaskScales TuneMask(TransformerNetworkImpl& trained, const prune::Mask& mask,
                    const at::Tensor& images, TuningTarget target = TuningTarget::kSublayer,
                    TuningError* error = nullptr);

// Multiplies the kept units' output columns of `pruned` (PruneNetwork of the same mask) by
// their scales.
void ApplyScales(TransformerNetworkImpl& pruned, const MaskScales& scales);

}  // namespace sculpt
