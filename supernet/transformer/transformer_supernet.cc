#include "supernet/transformer/transformer_supernet.h"

#include <algorithm>
#include <string>

#include "spaces/errors.h"

namespace sculpt {

TransformerSupernetImpl::TransformerSupernetImpl(TransformerSupernetOptions options_)
    : options(std::move(options_)) {
  transformer::ValidateSkeleton(options.skeleton());
  reset();
}

void TransformerSupernetImpl::reset() {
  // The same layout, names and registration order as TransformerNetworkImpl's, at the largest
  // sizes and with every layer, so that extraction is a copy of leading slices by name.
  const transformer::Skeleton& s = options.skeleton();
  const std::int64_t embed = s.embed_dims.back();
  const std::int64_t heads = s.heads.back();
  const std::int64_t ffn = s.ffn_dims.back();
  embedding = register_module(
      "embedding", TransformerEmbedding(TransformerEmbeddingOptions(s.input_channels, s.input_size,
                                                                    s.patch_size, embed)
                                            .class_token(s.class_token)));
  layers.clear();
  for (int l = 0; l < s.layers; ++l) {
    layers.push_back(
        register_module("layer" + std::to_string(l),
                        TransformerLayer(TransformerLayerOptions(embed, heads, ffn, s.head_dim))));
  }
  head = register_module(
      "head", TransformerHead(TransformerHeadOptions(embed, s.classes).class_token(s.class_token)));
  InitializeTransformerWeights(*this, options.seed());
}

at::Tensor TransformerSupernetImpl::forward(const at::Tensor& images, const Architecture& arch) {
  const transformer::Sizes sizes = transformer::Decode(arch, options.skeleton());
  at::Tensor x = embedding->forward(images, sizes.embed);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    x = layers[l]->forward(x, sizes.layers[l].heads, sizes.layers[l].ffn);
  }
  return head->forward(x);
}

at::Tensor TransformerSupernetImpl::forward_block(int block, const at::Tensor& input,
                                                  const Architecture& arch) {
  const transformer::Sizes sizes = transformer::Decode(arch, options.skeleton());
  const std::vector<TransformerBlock> blocks = TransformerBlocks(options.skeleton());
  SCULPT_ASSERT(block >= 0 && block < static_cast<int>(blocks.size()),
                "no transformer block " + std::to_string(block));
  at::Tensor x = block == 0 ? embedding->forward(input, sizes.embed) : input;
  for (int l = blocks[block].first; l < blocks[block].end; ++l) {
    x = layers[l]->forward(x, sizes.layers[l].heads, sizes.layers[l].ffn);
  }
  return block + 1 == static_cast<int>(blocks.size()) ? head->forward(x) : x;
}

TransformerNetwork ExtractNetwork(const TransformerSupernet& supernet, const Architecture& arch) {
  const TransformerSupernetImpl& source = *supernet;
  TransformerNetwork network(arch, TransformerNetworkOptions(source.options.skeleton()));
  CopyLeadingSlices(source, *network);
  network->train(source.is_training());
  return network;
}

}  // namespace sculpt
