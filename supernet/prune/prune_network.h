#pragma once
// Cutting a trained transformer down to a prune mask (spaces/prune.h). PruneNetwork builds the
// stand-alone TransformerNetwork at the pruned sizes and copies into it the kept parts of the
// trained network's weights: a kept head's query, key and value rows of the fused projection
// (head-major, supernet/transformer/transformer_ops.h) and its columns of the output projection, a kept FFN
// unit's row and bias of fc1 and its column of fc2; the embedding, the LayerNorms, the output
// biases and the head as they are. A sublayer left with no heads (or no units) is removed with
// its LayerNorm and output bias, so that its layer passes its input through: this is how the
// prune space counts costs and what its string form means.
//
// So the pruned network computes what the trained one computes with the removed heads' and
// units' outputs set to zero before the output projection (fc2), up to float rounding, except
// that a sublayer with nothing kept adds nothing at all. The pruned network is smaller for real:
// fewer parameters, fewer multiply-adds.
// Thread-safety: reads `trained` only, so masks may be cut on many threads at once.

#include "spaces/prune.h"
#include "supernet/transformer/transformer_network.h"

namespace sculpt {

// `mask` must come from a prune space over `trained` (one entry per layer; indices within the
// trained layer's heads and FFN units); InternalError otherwise.
TransformerNetwork PruneNetwork(const TransformerNetworkImpl& trained, const prune::Mask& mask);

}  // namespace sculpt
