#pragma once
// TransformerSupernet: the weight-sharing supernet of the transformer space with weight
// entanglement (AutoFormer, HAT): one set of weights at the skeleton's largest sizes (embedding
// dimension D, H heads and F FFN units in each of the L layers) from which every architecture's
// network is a slice. The path of an architecture runs the first d channels of every d-sized
// axis (patch embedding outputs, position embedding, class token, LayerNorms with statistics
// over the d active channels, every projection's input or output, the classifier's inputs), the
// first h heads of each attention sublayer (the first 3 * h * head_dim rows of the fused Q/K/V
// projection and the matching h * head_dim columns of the output projection) and the first f
// FFN units; identity layers and absent sublayers are skipped. So small networks share the
// leading weights of large ones, and memory is that of the largest network alone.
//
// Modules are laid out and named as in TransformerNetwork ("embedding", "layer<l>.attn|ffn",
// "head"), with every layer present, so ExtractNetwork copies the leading slice of each of the
// network's tensors by name. A skeleton whose largest heads (or FFN) choice is 0 has no attention
// (FFN) sublayers at all.
// Thread-safety: training is single-threaded; forward() slices parameters into views and writes
// no module state, so after training it may run on several threads at once, each with its own
// architecture and grad mode.

#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include "spaces/architecture.h"
#include "spaces/transformer.h"
#include "supernet/transformer/transformer_network.h"
#include "supernet/transformer/transformer_ops.h"

namespace sculpt {

struct TransformerSupernetOptions {
  explicit TransformerSupernetOptions(transformer::Skeleton skeleton)
      : skeleton_(std::move(skeleton)) {}
  TORCH_ARG(transformer::Skeleton, skeleton);
  // Seeds the initial weights (see InitializeTransformerWeights).
  TORCH_ARG(std::uint64_t, seed) = 0;
};

class TransformerSupernetImpl : public torch::nn::Cloneable<TransformerSupernetImpl> {
 public:
  // Throws UserError when the skeleton is invalid.
  explicit TransformerSupernetImpl(TransformerSupernetOptions options);
  void reset() override;
  // Images -> logits through the path of `arch`; throws UserError when `arch` is not a member of
  // the space.
  at::Tensor forward(const at::Tensor& images, const Architecture& arch);
  // Block `block` of `arch`'s path alone (see TransformerNetworkImpl::forward_block).
  at::Tensor forward_block(int block, const at::Tensor& input, const Architecture& arch);

  TransformerSupernetOptions options;
  TransformerEmbedding embedding{nullptr};
  std::vector<TransformerLayer> layers;  // all L, at the largest sizes
  TransformerHead head{nullptr};
};
TORCH_MODULE(TransformerSupernet);

// A stand-alone network of `arch` holding copies of the supernet's slices for that path: in eval
// mode (and in training mode: nothing differs) its output equals supernet->forward(x, arch).
// Later training of either does not affect the other. Throws UserError when `arch` is not a
// member of the space.
TransformerNetwork ExtractNetwork(const TransformerSupernet& supernet, const Architecture& arch);

}  // namespace sculpt
