// ForwardCell's exact shortcuts (dead ends not run, ops on zero nodes not run) against the
// naive path: the same output, input gradient and parameter gradients, including which
// parameters get a gradient at all (SGD skips undefined ones but decays zero ones).

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "supernet/nb201/nb201_ops.h"
#include "supernet/nb201/nb201_supernet.h"
#include "supernet/torch_threads.h"

namespace sculpt {
namespace {

using nb201::kAvgPool3x3;
using nb201::kConv1x1;
using nb201::kConv3x3;
using nb201::kNone;
using nb201::kSkipConnect;

struct Pass {
  torch::Tensor output;
  torch::Tensor input_grad;
  std::vector<torch::Tensor> grads;  // undefined where the parameter got none
};

Pass RunCell(Nb201SearchCell& cell, const torch::Tensor& x, const torch::Tensor& weights,
         const Architecture& arch, bool shortcuts) {
  for (torch::Tensor& p : cell->parameters()) p.mutable_grad().reset();
  const torch::Tensor input = x.detach().clone().requires_grad_();
  std::array<CellOpImpl*, nb201::kNumEdges> ops{};
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    CellOp& op = cell->candidates[e * nb201::kNumOps + arch.choices[e]];
    ops[e] = op.is_empty() ? nullptr : op.get();
  }
  Pass pass;
  pass.output = ForwardCell(input, ops, shortcuts);
  // relu of the output: a loss that is not linear, so batch norm's gradients do not vanish.
  const torch::Tensor loss = (torch::relu(pass.output) * weights).sum();
  if (loss.requires_grad()) loss.backward();  // an all-none cell is a constant
  pass.input_grad = input.grad();
  for (const torch::Tensor& p : cell->parameters()) {
    pass.grads.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
  }
  return pass;
}

class CellShortcutsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    torch::manual_seed(11);
  }
};

TEST_P(CellShortcutsTest, SameOutputAndGradientsAsTheNaivePath) {
  const bool affine = GetParam();
  Nb201SearchCell cell(4, BatchNormMode{affine, /*track_running_stats=*/false});
  cell->train();
  // Random BN affine weights, so that a wrong bias or weight would show.
  {
    torch::NoGradGuard no_grad;
    for (torch::Tensor& p : cell->parameters()) p.uniform_(-1, 1);
  }
  const torch::Tensor x = torch::randn({3, 4, 6, 6});
  const torch::Tensor weights = torch::randn({3, 4, 6, 6});
  // Edges: 0->1, 0->2, 1->2, 0->3, 1->3, 2->3.
  const std::vector<Architecture> archs = {
      {{kConv3x3, kConv1x1, kConv3x3, kSkipConnect, kConv1x1, kConv3x3}},  // nothing to skip
      {{kConv3x3, kConv1x1, kConv3x3, kSkipConnect, kConv1x1, kNone}},     // node 2 dead
      {{kConv3x3, kAvgPool3x3, kNone, kConv1x1, kNone, kConv3x3}},         // node 1 dead
      {{kNone, kConv3x3, kConv1x1, kSkipConnect, kConv3x3, kConv1x1}},     // convs on zero node 1
      {{kNone, kSkipConnect, kAvgPool3x3, kNone, kSkipConnect, kConv3x3}},  // pool/skip on zero
      {{kConv1x1, kNone, kNone, kSkipConnect, kConv1x1, kConv3x3}},        // conv on zero node 2
      {{kNone, kNone, kConv3x3, kNone, kConv1x1, kConv3x3}},   // zero nodes feed only zero nodes
      {{kNone, kNone, kNone, kNone, kNone, kNone}},            // all none
      {{kConv3x3, kConv3x3, kNone, kNone, kConv3x3, kNone}},   // node 2 dead, node 1 live
  };
  for (const Architecture& arch : archs) {
    SCOPED_TRACE(testing::PrintToString(arch.choices));
    const Pass naive = RunCell(cell, x, weights, arch, false);
    const Pass fast = RunCell(cell, x, weights, arch, true);
    EXPECT_TRUE(torch::allclose(fast.output, naive.output, 1e-5, 1e-5));
    ASSERT_EQ(fast.input_grad.defined(), naive.input_grad.defined());
    if (naive.input_grad.defined()) {
      EXPECT_TRUE(torch::allclose(fast.input_grad, naive.input_grad, 1e-4, 1e-5));
    }
    ASSERT_EQ(fast.grads.size(), naive.grads.size());
    const auto names = cell->named_parameters().keys();
    for (std::size_t i = 0; i < naive.grads.size(); ++i) {
      SCOPED_TRACE(names[i]);
      ASSERT_EQ(fast.grads[i].defined(), naive.grads[i].defined());
      if (!naive.grads[i].defined()) continue;
      EXPECT_TRUE(torch::allclose(fast.grads[i], naive.grads[i], 1e-4, 1e-5))
          << (fast.grads[i] - naive.grads[i]).abs().max();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Affine, CellShortcutsTest, ::testing::Values(true, false));

// The supernet takes the shortcuts (its batch norms keep no running statistics); a conv on a
// zero node still gets a (zero) weight gradient, a dead-end op none.
TEST(CellShortcuts, SupernetGradientsFollowTheNaiveRules) {
  SetTorchThreads(1);
  nb201::Skeleton skeleton;
  skeleton.channels = 4;
  skeleton.cells_per_stage = 1;
  skeleton.input_channels = 1;
  skeleton.input_size = 8;
  Nb201Supernet supernet{Nb201SupernetOptions(skeleton)};
  supernet->train();
  // Node 1 is zero (edge 0->1 none); 1->2 conv3x3 reads it; node 2 -> 3 none makes node 2 a
  // dead end, so 0->2 and 1->2 do not run; 1->3 conv1x1 reads the zero node and reaches 3.
  const Architecture arch{{kNone, kConv3x3, kConv1x1, kSkipConnect, kConv1x1, kNone}};
  torch::nn::functional::cross_entropy(supernet->forward(torch::randn({4, 1, 8, 8}), arch),
                                       torch::tensor({0, 1, 2, 3}))
      .backward();
  const auto& cell = *supernet->cells->ptr(0)->as<Nb201SearchCellImpl>();
  auto conv_weight_grad = [&](int edge, int op) {
    return cell.Candidate(edge, op)->conv->conv->weight.grad();
  };
  EXPECT_FALSE(conv_weight_grad(1, kConv3x3).defined());  // dead end
  EXPECT_FALSE(conv_weight_grad(2, kConv1x1).defined());  // dead end
  const torch::Tensor zero_input = conv_weight_grad(4, kConv1x1);
  ASSERT_TRUE(zero_input.defined());
  EXPECT_TRUE(torch::equal(zero_input, torch::zeros_like(zero_input)));
  const torch::Tensor bias_grad = cell.Candidate(4, kConv1x1)->conv->bn->bias.grad();
  ASSERT_TRUE(bias_grad.defined());
  EXPECT_GT(bias_grad.abs().sum().item<double>(), 0);
}

}  // namespace
}  // namespace sculpt
