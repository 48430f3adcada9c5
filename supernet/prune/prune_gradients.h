#pragma once
// Gate gradients of a trained transformer (spaces/unit_gradients.h): the network run with a gate
// on every attention head's output (its slice of the attention output, before the projection)
// and on every FFN unit's activation (before fc2), all gates 1, so the forward is the trained
// network's; per example of a sample of the training split, the gradient of that example's
// cross-entropy with respect to every gate. The gates are per example ([n, heads] and [n, units]
// per layer), so one backward pass over a batch gives every example's gradients at once, with no
// need for batch size 1: example i's loss depends on row i of the gates only.
// A unit of the prune space that is a group of FFN neurons has the sum of its neurons' gradients
// (the gradient of one gate shared by the group).
// Thread-safety: reads `trained` and `data` only; runs on the calling thread.

#include <cstdint>

#include "spaces/prune.h"
#include "spaces/unit_gradients.h"
#include "supernet/data/dataset.h"
#include "supernet/transformer/transformer_network.h"

namespace sculpt {

struct GateGradientOptions {
  // Examples drawn from the train split (all of it when it is smaller); the rows of the result
  // are in split order.
  std::int64_t images = 2048;
  std::int64_t batch_size = 128;  // examples per backward pass (memory, not the result)
  std::uint64_t seed = 0;         // which examples
};

// The gradients for `space`'s units; `trained` is the network of space.TrainedModel().
UnitGradients GateGradients(TransformerNetworkImpl& trained, const prune::PruneSpace& space,
                            const ImageDataset& data, const GateGradientOptions& options);

// The trained network's logits with the given gates (for the gradients, and for tests): per
// skeleton layer, head_gates[l] [n, trained heads] and neuron_gates[l] [n, trained FFN units],
// undefined where the trained layer has none.
at::Tensor GatedForward(TransformerNetworkImpl& trained, const at::Tensor& images,
                        const std::vector<at::Tensor>& head_gates,
                        const std::vector<at::Tensor>& neuron_gates);

}  // namespace sculpt
