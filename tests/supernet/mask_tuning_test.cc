// Mask tuning: the least-squares scales lower every tuned sublayer's reconstruction error, the
// unpruned mask needs none (scales 1), and the scales folded into the pruned network's weights
// give what the trained network computes with those gates.

#include <gtest/gtest.h>

#include <torch/torch.h>

#include "spaces/transformer.h"
#include "supernet/prune/mask_tuning.h"
#include "supernet/prune/prune_gradients.h"
#include "supernet/prune/prune_network.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

transformer::Skeleton Small() { return testing::TinyTransformerSkeleton(2, {0, 4}); }

class MaskTuningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(0);
    trained_ = TransformerNetwork(transformer::MakeSpace(Small())->Parse("d16|h4:f16|h4:f16"),
                                  TransformerNetworkOptions(Small()).seed(11));
    trained_->eval();
    images_ = torch::randn({32, 1, 8, 8});
  }

  prune::Mask Full() const { return testing::KeepEverything(trained_->sizes); }

  TransformerNetwork trained_{nullptr};
  at::Tensor images_;
};

TEST_F(MaskTuningTest, ScalesLowerEveryTunedSublayersError) {
  prune::Mask mask = Full();
  mask.heads[0] = {0, 2};
  mask.heads[1] = {3};
  mask.neurons[0] = {1, 4, 5, 9, 12};
  mask.neurons[1] = {0, 2, 3, 7, 8, 10, 15};
  for (const TuningTarget target : {TuningTarget::kSublayer, TuningTarget::kTrained}) {
    TuningError error;
    const MaskScales scales = TuneMask(*trained_, mask, images_, target, &error);
    ASSERT_EQ(error.tuned.size(), 4U);
    double before = 0, after = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_LE(error.tuned[i], error.untuned[i] * (1 + 1e-9)) << "sublayer " << i;
      before += error.untuned[i];
      after += error.tuned[i];
    }
    EXPECT_LT(after, 0.99 * before);
    ASSERT_EQ(scales.heads[0].size(), 2U);
    ASSERT_EQ(scales.neurons[1].size(), 7U);
  }
}

TEST_F(MaskTuningTest, TheUnprunedMaskKeepsItsWeights) {
  const MaskScales scales = TuneMask(*trained_, Full(), images_);
  for (const auto& layer : scales.heads) {
    for (const double s : layer) EXPECT_NEAR(s, 1.0, 1e-3);
  }
  for (const auto& layer : scales.neurons) {
    for (const double s : layer) EXPECT_NEAR(s, 1.0, 1e-3);
  }
}

TEST_F(MaskTuningTest, FoldedScalesEqualGatesOnTheTrainedNetwork) {
  prune::Mask mask = Full();
  mask.heads[0] = {1, 3};
  mask.neurons[1] = {2, 5, 6};
  const MaskScales scales = TuneMask(*trained_, mask, images_);
  TransformerNetwork pruned = PruneNetwork(*trained_, mask);
  ApplyScales(*pruned, scales);
  // Gates: the scale where a unit is kept, 0 where it is removed.
  std::vector<at::Tensor> heads = {torch::zeros({1, 4}), torch::zeros({1, 4})};
  std::vector<at::Tensor> neurons = {torch::zeros({1, 16}), torch::zeros({1, 16})};
  for (int l = 0; l < 2; ++l) {
    for (std::size_t k = 0; k < mask.heads[l].size(); ++k) heads[l][0][mask.heads[l][k]] = scales.heads[l][k];
    for (std::size_t k = 0; k < mask.neurons[l].size(); ++k) {
      neurons[l][0][mask.neurons[l][k]] = scales.neurons[l][k];
    }
  }
  const at::Tensor x = torch::randn({5, 1, 8, 8});
  torch::NoGradGuard no_grad;
  const at::Tensor expected = GatedForward(*trained_, x, {heads[0].expand({5, 4}), heads[1].expand({5, 4})},
                                           {neurons[0].expand({5, 16}), neurons[1].expand({5, 16})});
  EXPECT_TRUE(torch::allclose(pruned->forward(x), expected, 1e-4, 1e-4));
  bool changed = false;
  for (const auto& layer : scales.neurons) {
    for (const double s : layer) changed = changed || std::abs(s - 1) > 1e-3;
  }
  EXPECT_TRUE(changed) << "a pruned mask that needs no tuning tests nothing";
}

}  // namespace
}  // namespace sculpt
