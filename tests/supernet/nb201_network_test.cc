#include "supernet/nb201/nb201_network.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "spaces/nb201.h"
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

class Nb201NetworkTest : public ::testing::Test {
 protected:
  void SetUp() override { SetTorchThreads(1); }
};

// The test that ties the LibTorch model to the analytic counts of spaces/.
TEST_F(Nb201NetworkTest, ParameterCountEqualsCountParams) {
  const std::vector<Architecture> cells = {
      {{kNone, kNone, kNone, kNone, kNone, kNone}},
      {{kConv3x3, kConv3x3, kConv3x3, kConv3x3, kConv3x3, kConv3x3}},
      {{kConv3x3, kSkipConnect, kConv1x1, kNone, kAvgPool3x3, kConv3x3}},
      {{kConv1x1, kNone, kNone, kNone, kNone, kConv3x3}},  // a dead end still counts
  };
  nb201::Skeleton two = Tiny();
  two.cells_per_stage = 2;
  two.channels = 6;
  two.input_channels = 3;
  two.input_size = 12;
  for (const nb201::Skeleton& skeleton : {Tiny(), two}) {
    for (const Architecture& arch : cells) {
      Nb201Network net(arch, Nb201NetworkOptions(skeleton));
      EXPECT_EQ(static_cast<double>(CountParameters(*net)), nb201::CountParams(arch, skeleton));
    }
  }
  // NAS-Bench-201's CIFAR-10 network with every edge nor_conv_3x3: 1.531546 M parameters.
  Nb201Network big(cells[1], Nb201NetworkOptions(nb201::Skeleton{}));
  EXPECT_EQ(CountParameters(*big), nb201::CountParams(cells[1], nb201::Skeleton{}));
  EXPECT_NEAR(CountParameters(*big) / 1e6, 1.531546, 1e-6);
}

TEST_F(Nb201NetworkTest, OutputShapeForEveryOp) {
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  for (int op = 0; op < nb201::kNumOps; ++op) {
    Nb201Network net(Architecture{std::vector<int>(6, op)}, Nb201NetworkOptions(Tiny()));
    EXPECT_EQ(net->forward(x).sizes(), (std::vector<std::int64_t>{2, 3})) << nb201::kOpNames[op];
    net->eval();
    EXPECT_EQ(net->forward(x).sizes(), (std::vector<std::int64_t>{2, 3}));
  }
}

TEST_F(Nb201NetworkTest, SeededAndValidated) {
  const Architecture arch{{kConv3x3, kSkipConnect, kConv1x1, kNone, kAvgPool3x3, kConv3x3}};
  Nb201Network a(arch, Nb201NetworkOptions(Tiny()).seed(3));
  Nb201Network b(arch, Nb201NetworkOptions(Tiny()).seed(3));
  const torch::Tensor x = torch::randn({4, 1, 8, 8});
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
  EXPECT_THROW(Nb201Network(Architecture{{1, 2, 3}}, Nb201NetworkOptions(Tiny())), UserError);
  EXPECT_THROW(Nb201Network(Architecture{{0, 0, 0, 0, 0, 5}}, Nb201NetworkOptions(Tiny())),
               UserError);
  nb201::Skeleton odd = Tiny();
  odd.input_size = 6;
  EXPECT_THROW(Nb201Network(arch, Nb201NetworkOptions(odd)), UserError);
}

}  // namespace
}  // namespace sculpt
