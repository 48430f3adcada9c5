#include "supernet/prune/prune_gradients.h"

#include <algorithm>
#include <numeric>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "supernet/transformer/transformer_ops.h"

namespace sculpt {
namespace {

// Gate [n, units] widened to [n, 1, units * width]: each unit's gate over its `width` columns.
at::Tensor Widen(const at::Tensor& gate, std::int64_t width) {
  return gate.repeat_interleave(width, 1).unsqueeze(1);
}

}  // namespace

at::Tensor GatedForward(TransformerNetworkImpl& trained, const at::Tensor& images,
                        const std::vector<at::Tensor>& head_gates,
                        const std::vector<at::Tensor>& neuron_gates) {
  const std::int64_t head_dim = trained.options.skeleton().head_dim;
  at::Tensor x = trained.embedding->forward(images, trained.sizes.embed);
  for (auto& [l, layer] : trained.layers) {
    const transformer::Layer& sizes = trained.sizes.layers[l];
    if (sizes.heads > 0) {
      TransformerAttention attn = layer->attn;
      const at::Tensor qkv = Dense(attn->norm->forward(x), attn->qkv->weight, attn->qkv->bias);
      // The attention output's columns are head-major (head h: [h * head_dim, (h+1) * head_dim)).
      const at::Tensor joined =
          MultiHeadAttention(qkv, sizes.heads, head_dim) * Widen(head_gates[l], head_dim);
      x = x + Dense(joined, attn->proj->weight, attn->proj->bias);
    }
    if (sizes.ffn > 0) {
      TransformerFfn ffn = layer->ffn;
      const at::Tensor h = at::gelu(Dense(ffn->norm->forward(x), ffn->fc1->weight, ffn->fc1->bias)) *
                           neuron_gates[l].unsqueeze(1);
      x = x + Dense(h, ffn->fc2->weight, ffn->fc2->bias);
    }
  }
  return trained.head->forward(x);
}

UnitGradients GateGradients(TransformerNetworkImpl& trained, const prune::PruneSpace& space,
                            const ImageDataset& data, const GateGradientOptions& options) {
  at::init_num_threads();
  const transformer::Sizes& sizes = space.TrainedModel().sizes;
  const int layers = static_cast<int>(sizes.layers.size());
  SCULPT_ASSERT(trained.sizes.layers.size() == sizes.layers.size(),
                "gate gradients of a network that is not the prune space's model");
  const int groups = space.NeuronGroups();

  // The units in the space's order (spaces/prune.h): per layer its heads, then its neuron groups.
  UnitGradients result;
  for (int l = 0; l < layers; ++l) {
    const transformer::Layer& layer = sizes.layers[l];
    if (layer.heads > 0) {
      UnitGroup group{"layer" + std::to_string(l) + ".heads", "head", {}};
      for (int h = 0; h < layer.heads; ++h) group.units.push_back(result.units++);
      result.groups.push_back(std::move(group));
    }
    if (groups > 0 && layer.ffn > 0) {
      UnitGroup group{"layer" + std::to_string(l) + ".neurons", "neurons", {}};
      for (int g = 0; g < groups; ++g) group.units.push_back(result.units++);
      result.groups.push_back(std::move(group));
    }
  }
  SCULPT_ASSERT(result.units == static_cast<int>(space.Largest()->choices.size()),
                "gate gradients: the unit count differs from the prune space's");

  // A fixed sample of the train split (a seeded shuffle's prefix).
  std::vector<std::int64_t> positions(static_cast<std::size_t>(data.Size(Split::kTrain)));
  std::iota(positions.begin(), positions.end(), std::int64_t{0});
  Rng rng(MixSeed(options.seed, 0x9a7e));
  std::shuffle(positions.begin(), positions.end(), rng);
  const std::int64_t count = std::min<std::int64_t>(options.images, positions.size());
  if (count <= 0) throw UserError("no training images to take gate gradients on");
  positions.resize(static_cast<std::size_t>(count));
  // In split order: row e of the result is the e-th sampled image of the split.
  std::sort(positions.begin(), positions.end());
  result.examples = count;
  result.values.assign(static_cast<std::size_t>(count) * result.units, 0.0F);

  trained.eval();
  for (std::int64_t begin = 0; begin < count; begin += options.batch_size) {
    const std::int64_t end = std::min(count, begin + options.batch_size);
    const std::int64_t n = end - begin;
    const Batch batch = data.GetBatch(
        Split::kTrain, std::vector<std::int64_t>(positions.begin() + begin, positions.begin() + end),
        nullptr);
    std::vector<at::Tensor> head_gates(layers);
    std::vector<at::Tensor> neuron_gates(layers);
    for (int l = 0; l < layers; ++l) {
      if (sizes.layers[l].heads > 0) {
        head_gates[l] = torch::ones({n, sizes.layers[l].heads}, torch::requires_grad());
      }
      if (sizes.layers[l].ffn > 0) {
        // Without neuron groups only the heads' gradients are wanted.
        neuron_gates[l] = torch::ones({n, sizes.layers[l].ffn}, torch::requires_grad(groups > 0));
      }
    }
    // Summed, not averaged: row i of a gate's gradient is then example i's own gradient.
    const at::Tensor loss = torch::nn::functional::cross_entropy(
        GatedForward(trained, batch.images, head_gates, neuron_gates), batch.labels,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    std::vector<at::Tensor> inputs;
    for (int l = 0; l < layers; ++l) {
      if (head_gates[l].defined()) inputs.push_back(head_gates[l]);
      if (groups > 0 && neuron_gates[l].defined()) inputs.push_back(neuron_gates[l]);
    }
    // The parameters need no gradient: only the gates'.
    const std::vector<at::Tensor> grads = torch::autograd::grad({loss}, inputs);

    // Columns in unit order: the inputs are in unit order already, a layer's neuron gradients
    // summed per group.
    std::vector<at::Tensor> columns;
    std::size_t next = 0;
    for (int l = 0; l < layers; ++l) {
      if (head_gates[l].defined()) columns.push_back(grads[next++]);
      if (groups > 0 && neuron_gates[l].defined()) {
        columns.push_back(grads[next++].view({n, groups, -1}).sum(2));
      }
    }
    const at::Tensor block = at::cat(columns, 1).contiguous();
    std::copy(block.data_ptr<float>(), block.data_ptr<float>() + block.numel(),
              result.values.begin() + begin * result.units);
  }
  return result;
}

}  // namespace sculpt
