#pragma once
// TransformerNetwork: the stand-alone vision transformer of one architecture of the transformer
// space (spaces/transformer.h) at exactly its sizes: patch embedding and position embedding (and
// class token) at dimension d, then, for every layer that is not the identity, the attention
// sublayer when it has heads and the FFN sublayer when it has hidden units, then the final
// LayerNorm, pooling and the linear classifier. Identity layers and absent sublayers are not
// built at all, so the parameter count equals transformer::CountParams. Modules are named after
// the layer's index in the skeleton ("layer3.attn.qkv.weight"), as in TransformerSupernet, so a
// path of the supernet copies in by name (CopyLeadingSlices).
//
// The network's blocks (for block-wise runs, see ModelFamily::BlockNames): the L layers of the
// skeleton in consecutive groups of block_layers (2 by default), ceil(L / block_layers) blocks
// named "layers1-2", "layers3-4", ... (a block of one layer "layers5"), or groups of the
// skeleton's block_sizes where it has them. Block 0 also runs the
// embedding, the last block the head; what passes between blocks is the token tensor
// [n, tokens, d].
// Head drop (set_head_drop, for training): in training mode each layer's heads are dropped per
// image at random, so the network learns to do without any of them (see Network::SetHeadDrop).
// Thread-safety: as any torch::nn::Module; forward() writes no module state (transformer_ops.h)
// except head drop's generator in training mode, so after training it may run on several
// threads at once.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include "spaces/architecture.h"
#include "spaces/transformer.h"
#include "supernet/transformer/transformer_ops.h"

namespace sculpt {

// Layers [first, end) of the skeleton make up one block.
struct TransformerBlock {
  int first = 0;
  int end = 0;
  bool operator==(const TransformerBlock&) const = default;
};
// The blocks of networks on `skeleton` (see the file comment); at least one.
std::vector<TransformerBlock> TransformerBlocks(const transformer::Skeleton& skeleton);
std::vector<std::string> TransformerBlockNames(const transformer::Skeleton& skeleton);

struct TransformerNetworkOptions {
  explicit TransformerNetworkOptions(transformer::Skeleton skeleton)
      : skeleton_(std::move(skeleton)) {}
  TORCH_ARG(transformer::Skeleton, skeleton);
  // Seeds the initial weights (see InitializeTransformerWeights).
  TORCH_ARG(std::uint64_t, seed) = 0;
};

class TransformerNetworkImpl : public torch::nn::Cloneable<TransformerNetworkImpl> {
 public:
  // Throws UserError when `arch` is not a member of the space or the skeleton is invalid.
  TransformerNetworkImpl(const Architecture& arch, TransformerNetworkOptions options);
  // At any sizes on the skeleton (one Layer per skeleton layer), such as a pruned network's
  // (supernet/prune/prune_network.h), whose head and FFN counts need not be in the skeleton's lists;
  // `arch` stays empty. Throws UserError when the skeleton is invalid or the layer count differs.
  TransformerNetworkImpl(transformer::Sizes sizes, TransformerNetworkOptions options);
  void reset() override;
  // Images [n, input_channels, input_size, input_size] -> logits [n, classes].
  at::Tensor forward(const at::Tensor& images);
  // Block `block` alone (see the file comment): images -> tokens for block 0, tokens -> logits
  // for the last one, tokens -> tokens between.
  at::Tensor forward_block(int block, const at::Tensor& input);
  // Training-mode forwards from now on drop each head for each image with `probability` (0:
  // never), drawing from a generator seeded with `seed`. Not part of the weights: a clone or a
  // loaded copy does not drop until told.
  void set_head_drop(double probability, std::uint64_t seed);

  Architecture arch;
  TransformerNetworkOptions options;
  transformer::Sizes sizes;
  TransformerEmbedding embedding{nullptr};
  // The layers that are not the identity, in order, with their index in the skeleton.
  std::vector<std::pair<int, TransformerLayer>> layers;
  TransformerHead head{nullptr};

 private:
  // The next keep mask of a layer of `heads` heads for a batch of n images ([n, heads] of 0 and
  // 1), or an undefined tensor when nothing is dropped (eval mode, or head drop off).
  at::Tensor HeadKeepMask(std::int64_t n, std::int64_t heads);
  // The layers [first, end) of the skeleton that are built, in order, on tokens x.
  at::Tensor RunLayers(at::Tensor x, int first, int end);

  double head_drop_ = 0;
  at::Generator head_drop_generator_;
};
TORCH_MODULE(TransformerNetwork);

}  // namespace sculpt
