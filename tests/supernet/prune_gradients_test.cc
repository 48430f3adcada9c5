// Gate gradients of a trained transformer: the gated forward is the network's at gates 1, and
// every example's gradient with respect to a head's or a neuron group's gate matches finite
// differences of that example's loss.

#include <gtest/gtest.h>

#include <torch/torch.h>

#include "spaces/transformer.h"
#include "supernet/prune/prune_gradients.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

transformer::Skeleton Small() { return testing::TinyTransformerSkeleton(2, {0, 2, 4}); }

ImageSet RandomImages(std::int64_t count, std::uint64_t seed) {
  Rng rng(seed);
  ImageSet set;
  set.count = count;
  set.height = 8;
  set.width = 8;
  for (std::int64_t i = 0; i < count * 64; ++i) set.pixels.push_back(static_cast<std::uint8_t>(rng() % 256));
  for (std::int64_t i = 0; i < count; ++i) set.labels.push_back(static_cast<std::uint8_t>(rng() % 3));
  return set;
}

class PruneGradientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const transformer::Skeleton s = Small();
    const std::string arch = "d16|h4:f16|h2:f16";
    trained_ = TransformerNetwork(transformer::MakeSpace(s)->Parse(arch),
                                  TransformerNetworkOptions(s).seed(3));
    trained_->eval();
    prune::Model model{"/nowhere", s, arch, trained_->sizes, nullptr, nullptr};
    space_ = prune::MakeSpace(model, 4);  // heads, and FFN units in groups of 4
    DatasetOptions options;
    options.validation_size = 2;
    data_ = std::make_unique<ImageDataset>(RandomImages(8, 1), ImageSet{}, options);
  }

  // Example `e`'s loss (of the train split) with every gate 1 but `unit`'s at `value`.
  double Loss(std::int64_t e, int unit, double value) {
    const Batch batch = data_->GetBatch(Split::kTrain, {e}, nullptr);
    std::vector<at::Tensor> heads;
    std::vector<at::Tensor> neurons;
    for (const transformer::Layer& layer : trained_->sizes.layers) {
      heads.push_back(torch::ones({1, layer.heads}));
      neurons.push_back(torch::ones({1, layer.ffn}));
    }
    // Units in the space's order: layer 0's 4 heads, its 4 groups, layer 1's 2 heads, 4 groups.
    const int layer = unit < 8 ? 0 : 1;
    const int within = unit < 8 ? unit : unit - 8;
    const int layer_heads = trained_->sizes.layers[layer].heads;
    if (within < layer_heads) {
      heads[layer][0][within] = value;
    } else {
      neurons[layer].slice(1, (within - layer_heads) * 4, (within - layer_heads + 1) * 4).fill_(value);
    }
    torch::NoGradGuard no_grad;
    return torch::nn::functional::cross_entropy(
               GatedForward(*trained_, batch.images, heads, neurons), batch.labels)
        .item<double>();
  }

  TransformerNetwork trained_{nullptr};
  std::unique_ptr<prune::PruneSpace> space_;
  std::unique_ptr<ImageDataset> data_;
};

TEST_F(PruneGradientsTest, GatesOfOneAreTheTrainedNetwork) {
  torch::NoGradGuard no_grad;
  const at::Tensor images = torch::randn({5, 1, 8, 8});
  std::vector<at::Tensor> heads;
  std::vector<at::Tensor> neurons;
  for (const transformer::Layer& layer : trained_->sizes.layers) {
    heads.push_back(torch::ones({5, layer.heads}));
    neurons.push_back(torch::ones({5, layer.ffn}));
  }
  EXPECT_TRUE(torch::allclose(GatedForward(*trained_, images, heads, neurons),
                              trained_->forward(images), 1e-5, 1e-5));
  // A zero gate is a removed head: what the pruned network computes (prune_network_test).
  heads[0].zero_();
  EXPECT_FALSE(torch::allclose(GatedForward(*trained_, images, heads, neurons),
                               trained_->forward(images), 1e-3, 1e-3));
}

TEST_F(PruneGradientsTest, EveryExamplesGradientsMatchFiniteDifferences) {
  GateGradientOptions options;
  options.images = 100;  // more than the 6 training images: all of them, in split order
  options.batch_size = 4;  // two batches, the second partial
  const UnitGradients gradients = GateGradients(*trained_, *space_, *data_, options);
  ASSERT_EQ(gradients.examples, 6);
  ASSERT_EQ(gradients.units, 14);
  ASSERT_EQ(gradients.groups.size(), 4U);
  EXPECT_EQ(gradients.groups[1].kind, "neurons");
  EXPECT_EQ(gradients.groups[2].units, (std::vector<int>{8, 9}));
  const double eps = 1e-2;
  for (std::int64_t e = 0; e < 6; ++e) {
    for (int u = 0; u < 14; ++u) {
      const double numeric = (Loss(e, u, 1 + eps) - Loss(e, u, 1 - eps)) / (2 * eps);
      EXPECT_NEAR(gradients.At(e, u), numeric, 2e-3 + 1e-2 * std::abs(numeric))
          << "example " << e << ", unit " << u;
    }
  }
}

TEST_F(PruneGradientsTest, TheSampleIsSeededAndBatchSizeDoesNotMatter) {
  GateGradientOptions options;
  options.images = 3;
  options.batch_size = 3;
  const UnitGradients whole = GateGradients(*trained_, *space_, *data_, options);
  options.batch_size = 1;
  const UnitGradients single = GateGradients(*trained_, *space_, *data_, options);
  ASSERT_EQ(whole.examples, 3);
  for (std::size_t i = 0; i < whole.values.size(); ++i) {
    EXPECT_NEAR(whole.values[i], single.values[i], 1e-5);
  }
}

}  // namespace
}  // namespace sculpt
