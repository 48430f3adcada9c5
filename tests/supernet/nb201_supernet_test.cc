#include "supernet/nb201/nb201_supernet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "supernet/torch_threads.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

using nb201::kAvgPool3x3;
using nb201::kConv1x1;
using nb201::kConv3x3;
using nb201::kNone;
using nb201::kSkipConnect;

using testing::CountParameters;

nb201::Skeleton Tiny() { return testing::TinySkeleton(); }

class Nb201SupernetTest : public ::testing::Test {
 protected:
  void SetUp() override { SetTorchThreads(1); }
};

const std::vector<Architecture>& SomeCells() {
  static const std::vector<Architecture> cells = {
      {{kConv3x3, kConv3x3, kConv3x3, kConv3x3, kConv3x3, kConv3x3}},
      {{kConv3x3, kSkipConnect, kConv1x1, kNone, kAvgPool3x3, kConv3x3}},
      {{kConv1x1, kNone, kNone, kNone, kNone, kConv3x3}},  // node 2 unfed
      {{kNone, kNone, kNone, kNone, kNone, kNone}},
      {{kAvgPool3x3, kSkipConnect, kAvgPool3x3, kConv1x1, kSkipConnect, kAvgPool3x3}},
  };
  return cells;
}

TEST_F(Nb201SupernetTest, HoldsEveryCandidate) {
  nb201::Skeleton two = Tiny();
  two.cells_per_stage = 2;
  Nb201Supernet supernet{Nb201SupernetOptions(two)};
  // Shared parts plus, per cell, both convs on all six edges: CountParams of an all-conv1x1 cell
  // and an all-conv3x3 cell minus one copy of the shared parts.
  const Architecture none{std::vector<int>(6, kNone)};
  const Architecture c1{std::vector<int>(6, kConv1x1)};
  const Architecture c3{std::vector<int>(6, kConv3x3)};
  EXPECT_EQ(static_cast<double>(CountParameters(*supernet)),
            nb201::CountParams(c1, two) + nb201::CountParams(c3, two) -
                nb201::CountParams(none, two));
  auto& cell = *supernet->cells->ptr(0)->as<Nb201SearchCellImpl>();
  EXPECT_TRUE(cell.Candidate(0, kNone).is_empty());
  EXPECT_FALSE(cell.Candidate(5, kSkipConnect).is_empty());
}

TEST_F(Nb201SupernetTest, ExtractedNetworkComputesTheSamePath) {
  Nb201Supernet supernet(Nb201SupernetOptions(Tiny()).seed(5));
  const torch::Tensor x = torch::randn({6, 1, 8, 8});
  // Move the BN affine weights off their initial 1/0 so that copying them is tested too.
  {
    torch::NoGradGuard no_grad;
    for (auto& p : supernet->parameters()) p.add_(0.1 * torch::randn_like(p));
  }
  supernet->eval();
  for (const Architecture& arch : SomeCells()) {
    Nb201Network network = ExtractNetwork(supernet, arch);
    EXPECT_FALSE(network->is_training());
    EXPECT_EQ(static_cast<double>(CountParameters(*network)), nb201::CountParams(arch, Tiny()));
    const torch::Tensor expected = supernet->forward(x, arch);
    EXPECT_TRUE(torch::allclose(network->forward(x), expected, 1e-5, 1e-6));
    // Extraction copies: changing the network leaves the supernet alone.
    torch::NoGradGuard no_grad;
    network->classifier->bias.add_(1.0);
    EXPECT_TRUE(torch::equal(supernet->forward(x, arch), expected));
  }
  // Different paths compute different functions.
  EXPECT_FALSE(torch::allclose(supernet->forward(x, SomeCells()[0]),
                               supernet->forward(x, SomeCells()[1])));
  EXPECT_THROW(supernet->forward(x, Architecture{{0, 1}}), UserError);
}

TEST_F(Nb201SupernetTest, BackwardReachesOnlyThePath) {
  Nb201Supernet supernet{Nb201SupernetOptions(Tiny())};
  const Architecture arch = SomeCells()[1];
  supernet->forward(torch::randn({4, 1, 8, 8}), arch).sum().backward();
  auto& cell = *supernet->cells->ptr(0)->as<Nb201SearchCellImpl>();
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    for (int op : {kConv1x1, kConv3x3}) {
      for (const auto& p : cell.Candidate(e, op)->parameters()) {
        EXPECT_EQ(p.grad().defined(), arch.choices[e] == op) << e << " " << op;
      }
    }
  }
  EXPECT_TRUE(supernet->stem->conv->weight.grad().defined());
  EXPECT_TRUE(supernet->classifier->weight.grad().defined());
}

TEST_F(Nb201SupernetTest, ForwardHasNoStateToUpdate) {
  Nb201Supernet supernet{Nb201SupernetOptions(Tiny())};
  EXPECT_TRUE(supernet->buffers().empty());  // no running statistics anywhere
  const torch::Tensor x = torch::randn({4, 1, 8, 8});
  supernet->train();
  const torch::Tensor in_train = supernet->forward(x, SomeCells()[0]);
  supernet->eval();
  EXPECT_TRUE(torch::equal(supernet->forward(x, SomeCells()[0]), in_train));
}

}  // namespace
}  // namespace sculpt
