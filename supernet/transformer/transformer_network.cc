#include "supernet/transformer/transformer_network.h"

#include <algorithm>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/empty.h>

#include "spaces/errors.h"

namespace sculpt {

std::vector<TransformerBlock> TransformerBlocks(const transformer::Skeleton& skeleton) {
  std::vector<TransformerBlock> blocks;
  if (!skeleton.block_sizes.empty()) {
    int first = 0;
    for (int size : skeleton.block_sizes) {
      blocks.push_back({first, first + size});
      first += size;
    }
    return blocks;  // a valid skeleton's sizes add up to its layers
  }
  const int size = std::max(1, skeleton.block_layers);
  for (int first = 0; first < skeleton.layers; first += size) {
    blocks.push_back({first, std::min(first + size, skeleton.layers)});
  }
  return blocks;  // a valid skeleton has at least one layer
}

std::vector<std::string> TransformerBlockNames(const transformer::Skeleton& skeleton) {
  std::vector<std::string> names;
  for (const TransformerBlock& block : TransformerBlocks(skeleton)) {
    // "layers1-2", or "layers5" for a last block of one layer.
    std::string name = "layers" + std::to_string(block.first + 1);
    if (block.end - block.first > 1) {
      name += '-';
      name += std::to_string(block.end);
    }
    names.push_back(std::move(name));
  }
  return names;
}

TransformerNetworkImpl::TransformerNetworkImpl(const Architecture& arch_,
                                               TransformerNetworkOptions options_)
    : arch(arch_), options(std::move(options_)) {
  transformer::ValidateSkeleton(options.skeleton());
  sizes = transformer::Decode(arch, options.skeleton());
  reset();
}

TransformerNetworkImpl::TransformerNetworkImpl(transformer::Sizes sizes_,
                                               TransformerNetworkOptions options_)
    : options(std::move(options_)), sizes(std::move(sizes_)) {
  transformer::ValidateSkeleton(options.skeleton());
  if (static_cast<int>(sizes.layers.size()) != options.skeleton().layers || sizes.embed <= 0) {
    throw UserError("transformer sizes with " + std::to_string(sizes.layers.size()) +
                    " layers (embedding " + std::to_string(sizes.embed) + ") on a skeleton of " +
                    std::to_string(options.skeleton().layers) + " layers");
  }
  reset();
}

void TransformerNetworkImpl::reset() {
  const transformer::Skeleton& s = options.skeleton();
  const std::int64_t d = sizes.embed;
  embedding = register_module(
      "embedding", TransformerEmbedding(
                       TransformerEmbeddingOptions(s.input_channels, s.input_size, s.patch_size, d)
                           .class_token(s.class_token)));
  layers.clear();
  for (int l = 0; l < static_cast<int>(sizes.layers.size()); ++l) {
    const transformer::Layer& layer = sizes.layers[l];
    if (layer.Identity()) continue;
    layers.emplace_back(l, register_module("layer" + std::to_string(l),
                                           TransformerLayer(TransformerLayerOptions(
                                               d, layer.heads, layer.ffn, s.head_dim))));
  }
  head = register_module(
      "head", TransformerHead(TransformerHeadOptions(d, s.classes).class_token(s.class_token)));
  InitializeTransformerWeights(*this, options.seed());
}

void TransformerNetworkImpl::set_head_drop(double probability, std::uint64_t seed) {
  SCULPT_ASSERT(probability >= 0 && probability <= 1, "head drop is a probability");
  head_drop_ = probability;
  head_drop_generator_ = at::make_generator<at::CPUGeneratorImpl>(seed);
}

at::Tensor TransformerNetworkImpl::HeadKeepMask(std::int64_t n, std::int64_t heads) {
  if (head_drop_ <= 0 || !is_training()) return {};
  return at::empty({n, heads}).bernoulli_(1.0 - head_drop_, head_drop_generator_);
}

at::Tensor TransformerNetworkImpl::RunLayers(at::Tensor x, int first, int end) {
  for (auto& [l, layer] : layers) {
    if (l < first || l >= end) continue;
    const transformer::Layer& size = sizes.layers[l];
    const at::Tensor keep = size.heads > 0 ? HeadKeepMask(x.size(0), size.heads) : at::Tensor();
    x = layer->forward(x, size.heads, size.ffn, keep);
  }
  return x;
}

at::Tensor TransformerNetworkImpl::forward(const at::Tensor& images) {
  const at::Tensor x = embedding->forward(images, sizes.embed);
  return head->forward(RunLayers(x, 0, static_cast<int>(sizes.layers.size())));
}

at::Tensor TransformerNetworkImpl::forward_block(int block, const at::Tensor& input) {
  const std::vector<TransformerBlock> blocks = TransformerBlocks(options.skeleton());
  SCULPT_ASSERT(block >= 0 && block < static_cast<int>(blocks.size()),
                "no transformer block " + std::to_string(block));
  const TransformerBlock range = blocks[block];
  at::Tensor x = block == 0 ? embedding->forward(input, sizes.embed) : input;
  x = RunLayers(std::move(x), range.first, range.end);
  return block + 1 == static_cast<int>(blocks.size()) ? head->forward(x) : x;
}

}  // namespace sculpt
