#include "supernet/nb201/avg_pool3x3.h"

#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "supernet/torch_threads.h"

namespace sculpt {
namespace {

torch::Tensor Reference(const torch::Tensor& x) {
  return torch::nn::functional::avg_pool2d(
      x, torch::nn::functional::AvgPool2dFuncOptions(3).stride(1).padding(1).count_include_pad(
             false));
}

class AvgPool3x3Test : public ::testing::TestWithParam<std::vector<std::int64_t>> {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    torch::manual_seed(3);
  }
};

// Forward and backward agree with ATen's avg_pool2d (count_include_pad = false), borders,
// corners and one-pixel-wide images included.
TEST_P(AvgPool3x3Test, MatchesAtenForwardAndBackward) {
  const torch::Tensor x = torch::randn(GetParam()).requires_grad_();
  const torch::Tensor x_ref = x.detach().clone().requires_grad_();
  const torch::Tensor weights = torch::randn(GetParam());
  const torch::Tensor y = AvgPool3x3(x);
  const torch::Tensor y_ref = Reference(x_ref);
  ASSERT_EQ(y.sizes(), y_ref.sizes());
  EXPECT_TRUE(torch::allclose(y, y_ref, 1e-5, 1e-6)) << (y - y_ref).abs().max();
  (y * weights).sum().backward();
  (y_ref * weights).sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), x_ref.grad(), 1e-5, 1e-6))
      << (x.grad() - x_ref.grad()).abs().max();
}

INSTANTIATE_TEST_SUITE_P(Shapes, AvgPool3x3Test,
                         ::testing::Values(std::vector<std::int64_t>{2, 3, 7, 5},
                                           std::vector<std::int64_t>{4, 2, 28, 28},
                                           std::vector<std::int64_t>{1, 2, 1, 4},
                                           std::vector<std::int64_t>{1, 1, 3, 1},
                                           std::vector<std::int64_t>{3, 6, 6}));

TEST(AvgPool3x3, NonContiguousInputAndTwoThreads) {
  SetTorchThreads(2);
  const torch::Tensor x = torch::randn({8, 16, 9, 9}).transpose(2, 3);
  EXPECT_TRUE(torch::allclose(AvgPool3x3(x), Reference(x), 1e-5, 1e-6));
  SetTorchThreads(1);
}

TEST(AvgPool3x3, OtherTypesFallBackToAten) {
  const torch::Tensor x = torch::randn({2, 3, 5, 5}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(AvgPool3x3(x), Reference(x)));
}

}  // namespace
}  // namespace sculpt
