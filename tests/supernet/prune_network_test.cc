// Cutting a trained transformer to a prune mask: the pruned network computes what the trained
// one computes with the removed heads' and FFN units' outputs zeroed (a sublayer with nothing
// kept passing its input through), and is smaller for real.

#include <gtest/gtest.h>

#include <torch/torch.h>

#include "spaces/transformer.h"
#include "supernet/prune/prune_network.h"
#include "supernet/transformer/transformer_ops.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

transformer::Skeleton Small() { return testing::TinyTransformerSkeleton(3, {0, 4}); }

// The trained network run with masks: removed heads' attention outputs and removed units'
// activations multiplied by zero; a sublayer with nothing kept skipped.
at::Tensor MaskedForward(TransformerNetworkImpl& net, const prune::Mask& mask,
                         const at::Tensor& images) {
  const std::int64_t head_dim = net.options.skeleton().head_dim;
  at::Tensor x = net.embedding->forward(images, net.sizes.embed);
  for (auto& [l, layer] : net.layers) {
    const transformer::Layer& sizes = net.sizes.layers[l];
    if (sizes.heads > 0 && !mask.heads[l].empty()) {
      at::Tensor keep = torch::zeros({sizes.heads * head_dim});
      for (const int h : mask.heads[l]) keep.slice(0, h * head_dim, (h + 1) * head_dim).fill_(1);
      auto attn = layer->attn;
      const at::Tensor qkv = Dense(attn->norm->forward(x), attn->qkv->weight, attn->qkv->bias);
      const at::Tensor joined = MultiHeadAttention(qkv, sizes.heads, head_dim) * keep;
      x = x + Dense(joined, attn->proj->weight, attn->proj->bias);
    }
    if (sizes.ffn > 0 && !mask.neurons[l].empty()) {
      at::Tensor keep = torch::zeros({sizes.ffn});
      for (const int n : mask.neurons[l]) keep[n] = 1;
      auto ffn = layer->ffn;
      const at::Tensor h =
          at::gelu(Dense(ffn->norm->forward(x), ffn->fc1->weight, ffn->fc1->bias)) * keep;
      x = x + Dense(h, ffn->fc2->weight, ffn->fc2->bias);
    }
  }
  return net.head->forward(x);
}

std::int64_t Parameters(torch::nn::Module& module) {
  std::int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

class PruneNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(0);
    // Layer 0: 4 heads, FFN 16; layer 1: FFN only; layer 2: 4 heads only.
    const transformer::Skeleton s = Small();
    trained_ = TransformerNetwork(transformer::MakeSpace(s)->Parse("d16|h4:f16|h0:f16|h4:f0"),
                                  TransformerNetworkOptions(s).seed(5));
    trained_->eval();
    images_ = torch::randn({6, 1, 8, 8});
  }

  prune::Mask Full() const { return testing::KeepEverything(trained_->sizes); }

  TransformerNetwork trained_{nullptr};
  at::Tensor images_;
};

TEST_F(PruneNetworkTest, KeepingEverythingIsTheTrainedNetwork) {
  torch::NoGradGuard no_grad;
  TransformerNetwork pruned = PruneNetwork(*trained_, Full());
  EXPECT_EQ(Parameters(*pruned), Parameters(*trained_));
  EXPECT_TRUE(torch::allclose(pruned->forward(images_), trained_->forward(images_), 1e-6, 1e-6));
}

TEST_F(PruneNetworkTest, RemovingUnitsEqualsMaskingThem) {
  torch::NoGradGuard no_grad;
  prune::Mask mask = Full();
  mask.heads[0] = {1, 3};          // two of four heads
  mask.neurons[0] = {0, 5, 6, 15};  // four of sixteen units
  mask.heads[2] = {};              // layer 2's attention removed: the layer passes through
  mask.neurons[1] = {};            // layer 1's FFN removed: an identity layer
  TransformerNetwork pruned = PruneNetwork(*trained_, mask);
  const at::Tensor expected = MaskedForward(*trained_, mask, images_);
  EXPECT_TRUE(torch::allclose(pruned->forward(images_), expected, 1e-5, 1e-5))
      << (pruned->forward(images_) - expected).abs().max().item<float>();
  EXPECT_EQ(pruned->sizes.layers[0].heads, 2);
  EXPECT_EQ(pruned->sizes.layers[0].ffn, 4);
  EXPECT_TRUE(pruned->sizes.layers[1].Identity());
  EXPECT_TRUE(pruned->sizes.layers[2].Identity());
  // Smaller for real, as the prune space counts it.
  EXPECT_EQ(static_cast<double>(Parameters(*pruned)),
            transformer::CountParams(pruned->sizes, Small()));
  EXPECT_LT(Parameters(*pruned), Parameters(*trained_));
  // The copy is a copy: training the pruned network leaves the trained one alone.
  const at::Tensor before = trained_->layers[0].second->attn->qkv->weight.clone();
  pruned->layers[0].second->attn->qkv->weight.add_(1);
  EXPECT_TRUE(torch::equal(trained_->layers[0].second->attn->qkv->weight, before));
}

TEST_F(PruneNetworkTest, TheOrderOfKeptHeadsIsTheTrainedOne) {
  torch::NoGradGuard no_grad;
  prune::Mask mask = Full();
  mask.heads[0] = {2};
  TransformerNetwork pruned = PruneNetwork(*trained_, mask);
  const std::int64_t hd = 4;
  const at::Tensor& qkv = trained_->layers[0].second->attn->qkv->weight;
  EXPECT_TRUE(torch::equal(pruned->layers[0].second->attn->qkv->weight,
                           qkv.slice(0, 3 * 2 * hd, 3 * 3 * hd)));
  EXPECT_TRUE(torch::equal(pruned->layers[0].second->attn->proj->weight,
                           trained_->layers[0].second->attn->proj->weight.slice(1, 2 * hd, 3 * hd)));
}

}  // namespace
}  // namespace sculpt
