#include "supernet/nb201/nb201_ops.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "supernet/torch_threads.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

using testing::CountParameters;

class Nb201OpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    x_ = torch::randn({2, 4, 8, 8}, torch::TensorOptions().dtype(torch::kFloat32));
  }
  torch::Tensor x_;
};

TEST_F(Nb201OpsTest, CellOpsKeepShapeAndMeanWhatTheySay) {
  for (int op = 0; op < nb201::kNumOps; ++op) {
    CellOp cell_op(CellOpOptions(static_cast<nb201::Op>(op), 4));
    const torch::Tensor y = cell_op->forward(x_);
    EXPECT_EQ(y.sizes(), x_.sizes()) << nb201::kOpNames[op];
  }
  EXPECT_TRUE(torch::equal(CellOp(CellOpOptions(nb201::kNone, 4))->forward(x_),
                           torch::zeros_like(x_)));
  EXPECT_TRUE(torch::equal(CellOp(CellOpOptions(nb201::kSkipConnect, 4))->forward(x_), x_));
  // count_include_pad = false: a constant image stays constant, borders included.
  const torch::Tensor ones = torch::ones({1, 4, 8, 8});
  EXPECT_TRUE(torch::allclose(CellOp(CellOpOptions(nb201::kAvgPool3x3, 4))->forward(ones), ones));
  EXPECT_EQ(CountParameters(*CellOp(CellOpOptions(nb201::kConv3x3, 4))), 9 * 16 + 8);
  EXPECT_EQ(CountParameters(*CellOp(CellOpOptions(nb201::kConv1x1, 4))), 16 + 8);
  EXPECT_EQ(CountParameters(*CellOp(CellOpOptions(nb201::kAvgPool3x3, 4))), 0);
  // affine = false drops the batch norm's weights.
  EXPECT_EQ(CountParameters(*CellOp(CellOpOptions(nb201::kConv1x1, 4).bn({false, false}))), 16);
}

TEST_F(Nb201OpsTest, ReluConvBnAppliesReluFirst) {
  ReLUConvBN block(ReLUConvBNOptions(4, 6, 3).padding(1));
  const torch::Tensor negative = -torch::rand({2, 4, 8, 8}) - 0.1;
  // ReLU zeroes the input, the conv has no bias, BN in training mode maps zeros to its bias 0.
  EXPECT_TRUE(torch::equal(block->forward(negative), torch::zeros({2, 6, 8, 8})));
  EXPECT_EQ(block->forward(x_).sizes(), (std::vector<std::int64_t>{2, 6, 8, 8}));
}

TEST_F(Nb201OpsTest, ReductionStemAndShapes) {
  ResNetBasicblock reduction(ResNetBasicblockOptions(4, 8));
  EXPECT_EQ(reduction->forward(x_).sizes(), (std::vector<std::int64_t>{2, 8, 4, 4}));
  // 3x3 4->8 + BN, 3x3 8->8 + BN, 1x1 shortcut 4->8.
  EXPECT_EQ(CountParameters(*reduction), 9 * 32 + 16 + 9 * 64 + 16 + 32);
  Stem stem(StemOptions(1, 4));
  EXPECT_EQ(stem->forward(torch::randn({3, 1, 8, 8})).sizes(),
            (std::vector<std::int64_t>{3, 4, 8, 8}));
  EXPECT_EQ(CountParameters(*stem), 9 * 4 + 8);
}

TEST_F(Nb201OpsTest, CellSumsEdgesAndTreatsUnfedNodesAsZero) {
  CellOp skip(CellOpOptions(nb201::kSkipConnect, 4));
  CellOp pool(CellOpOptions(nb201::kAvgPool3x3, 4));
  // Only 0->3 skip: the output is the input.
  EXPECT_TRUE(torch::equal(ForwardCell(x_, {nullptr, nullptr, nullptr, skip.get(), nullptr,
                                            nullptr}),
                           x_));
  // 0->1 skip, 1->3 skip, 0->3 skip: 2x.
  EXPECT_TRUE(torch::allclose(
      ForwardCell(x_, {skip.get(), nullptr, nullptr, skip.get(), skip.get(), nullptr}), 2 * x_));
  // Nothing reaches node 3: zeros. Node 2 has no input, so 2->3 pool reads zeros.
  EXPECT_TRUE(torch::equal(ForwardCell(x_, {skip.get(), nullptr, nullptr, nullptr, nullptr,
                                            nullptr}),
                           torch::zeros_like(x_)));
  EXPECT_TRUE(torch::equal(ForwardCell(x_, {nullptr, nullptr, nullptr, nullptr, nullptr,
                                            pool.get()}),
                           torch::zeros_like(x_)));
}

TEST_F(Nb201OpsTest, InitializationIsSeeded) {
  ReLUConvBN a(ReLUConvBNOptions(4, 4, 3));
  ReLUConvBN b(ReLUConvBNOptions(4, 4, 3));
  InitializeWeights(*a, 11);
  InitializeWeights(*b, 11);
  EXPECT_TRUE(torch::equal(a->conv->weight, b->conv->weight));
  InitializeWeights(*b, 12);
  EXPECT_FALSE(torch::equal(a->conv->weight, b->conv->weight));
  EXPECT_LE(a->conv->weight.abs().max().item<double>(), 1.0 / 6.0);  // 1/sqrt(fan_in = 36)
  CopyState(*a, *b);
  EXPECT_TRUE(torch::equal(a->conv->weight, b->conv->weight));
}

}  // namespace
}  // namespace sculpt
