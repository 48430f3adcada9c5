#pragma once
// The ONNX graph of a stand-alone nb201 network (Nb201Network) in eval mode, for
// Network::ExportOnnx. Batch norm becomes BatchNormalization with the running statistics, so
// only networks that track them (retrained ones) export; a network taken from a supernet
// normalises with batch statistics, which no deployed model can, and is refused (UserError).
// A cell node without live inputs is zero, as in LibTorch (Mul by 0 of the cell's input), so that
// ops reading it give what they give there (a conv's batch norm turns zeros into its shift).
// Thread-safety: reads the network; one thread per graph.

#include <string>

#include "supernet/nb201/nb201_network.h"
#include "supernet/onnx/onnx_graph.h"

namespace sculpt {

// Adds `network`'s graph on `input` ([batch, channels, size, size]) and returns its logits.
std::string Nb201ToOnnx(Nb201NetworkImpl& network, OnnxGraph& graph, const std::string& input);

}  // namespace sculpt
