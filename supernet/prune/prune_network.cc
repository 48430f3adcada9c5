#include "supernet/prune/prune_network.h"

#include <string>
#include <vector>

#include <torch/torch.h>

#include "spaces/errors.h"

namespace sculpt {
namespace {

at::Tensor Indices(const std::vector<std::int64_t>& indices) {
  return torch::tensor(indices, torch::kLong);
}

// Rows of the fused Q/K/V projection owned by `heads` (head-major: 3 * head_dim rows a head).
at::Tensor QkvRows(const std::vector<int>& heads, std::int64_t head_dim) {
  std::vector<std::int64_t> rows;
  for (const int h : heads) {
    for (std::int64_t r = 3 * h * head_dim; r < 3 * (h + 1) * head_dim; ++r) rows.push_back(r);
  }
  return Indices(rows);
}

// Columns of the output projection owned by `heads` (head_dim a head).
at::Tensor ProjectionColumns(const std::vector<int>& heads, std::int64_t head_dim) {
  std::vector<std::int64_t> columns;
  for (const int h : heads) {
    for (std::int64_t c = h * head_dim; c < (h + 1) * head_dim; ++c) columns.push_back(c);
  }
  return Indices(columns);
}

// The layer index of a parameter named "layer<l>.<...>", or -1.
int LayerOf(const std::string& name) {
  if (name.rfind("layer", 0) != 0) return -1;
  const std::size_t dot = name.find('.');
  return std::stoi(name.substr(5, dot - 5));
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

TransformerNetwork PruneNetwork(const TransformerNetworkImpl& trained, const prune::Mask& mask) {
  const transformer::Sizes& full = trained.sizes;
  SCULPT_ASSERT(mask.heads.size() == full.layers.size() &&
                    mask.neurons.size() == full.layers.size(),
                "a prune mask of another model");
  transformer::Sizes sizes = full;
  for (std::size_t l = 0; l < sizes.layers.size(); ++l) {
    SCULPT_ASSERT(static_cast<int>(mask.heads[l].size()) <= full.layers[l].heads &&
                      static_cast<int>(mask.neurons[l].size()) <= full.layers[l].ffn,
                  "a prune mask of another model");
    sizes.layers[l].heads = static_cast<int>(mask.heads[l].size());
    sizes.layers[l].ffn = static_cast<int>(mask.neurons[l].size());
  }
  const std::int64_t head_dim = trained.options.skeleton().head_dim;
  TransformerNetwork pruned(sizes, TransformerNetworkOptions(trained.options.skeleton()));

  // Every pruned tensor from the trained tensor of the same name: whole, or its kept rows or
  // columns.
  const auto source = trained.named_parameters();
  torch::NoGradGuard no_grad;
  for (auto& item : pruned->named_parameters()) {
    const std::string& name = item.key();
    const at::Tensor* from = source.find(name);
    SCULPT_ASSERT(from != nullptr, "the trained network has no tensor " + name);
    at::Tensor value = *from;
    const int l = LayerOf(name);
    if (l >= 0) {
      std::vector<std::int64_t> units(mask.neurons[l].begin(), mask.neurons[l].end());
      if (EndsWith(name, ".attn.qkv.weight") || EndsWith(name, ".attn.qkv.bias")) {
        value = value.index_select(0, QkvRows(mask.heads[l], head_dim));
      } else if (EndsWith(name, ".attn.proj.weight")) {
        value = value.index_select(1, ProjectionColumns(mask.heads[l], head_dim));
      } else if (EndsWith(name, ".ffn.fc1.weight") || EndsWith(name, ".ffn.fc1.bias")) {
        value = value.index_select(0, Indices(units));
      } else if (EndsWith(name, ".ffn.fc2.weight")) {
        value = value.index_select(1, Indices(units));
      }
    }
    SCULPT_ASSERT(value.sizes() == item.value().sizes(),
                  "pruned tensor " + name + " has the wrong shape");
    item.value().copy_(value);
  }
  pruned->eval();
  return pruned;
}

}  // namespace sculpt
