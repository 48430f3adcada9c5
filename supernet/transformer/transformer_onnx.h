#pragma once
// The ONNX graph of a stand-alone transformer network (TransformerNetwork: a retrained
// architecture of the transformer space, or a pruned network, supernet/prune/prune_network.h)
// for Network::ExportOnnx. Every op is one that OpenCV 4.6's DNN module and ONNX Runtime both
// run (docs/EXPORT.md says which forms and why):
//  - LayerNorm, which OpenCV 4.6 lacks, from MatMuls with constant centring and averaging
//    matrices and element-wise ops on values of one shape, its scale and shift folded into the
//    dense layer that always follows it (attention's Q/K/V, the FFN's first layer, the
//    classifier), which is exact algebra: (x̂ γ + β) W^T + b = x̂ (W diag γ)^T + (W β + b);
//  - attention per head as 3-D MatMuls (no 4-D head axis), 1/sqrt(head_dim) folded into the
//    query's weights;
//  - GELU from Erf, as LibTorch's exact GELU;
//  - the class token put in front by a Concat with a value derived from the tokens (a constant
//    cannot follow a dynamic batch without Shape/Expand, which OpenCV 4.6 handles poorly);
//  - learned embeddings added without their leading axis of 1 (OpenCV 4.6 would fix the batch).
// Thread-safety: reads the network; one thread per graph.

#include <string>

#include "supernet/onnx/onnx_graph.h"
#include "supernet/transformer/transformer_network.h"

namespace sculpt {

// Adds `network`'s graph on `input` ([batch, channels, size, size]) and returns its logits.
std::string TransformerToOnnx(TransformerNetworkImpl& network, OnnxGraph& graph,
                              const std::string& input);

}  // namespace sculpt
