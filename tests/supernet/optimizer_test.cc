#include "supernet/training/optimizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <numbers>

namespace sculpt {
namespace {

TEST(OptimizerTest, ScheduleWarmsUpLinearlyThenFollowsTheCosine) {
  SposOptions options;
  options.learning_rate = 0.1;
  options.min_learning_rate = 0.0;
  // Without warm-up: exactly the cosine every training used before warm-up existed.
  for (std::int64_t step : {0, 7, 50, 99}) {
    EXPECT_DOUBLE_EQ(LearningRateAt(options, step, 10, 100),
                     0.05 * (1.0 + std::cos(std::numbers::pi * step / 100.0)));
  }
  options.warmup_epochs = 2;  // 20 steps of 10 a epoch
  EXPECT_DOUBLE_EQ(LearningRateAt(options, 0, 10, 100), 0.1 / 20);
  EXPECT_DOUBLE_EQ(LearningRateAt(options, 9, 10, 100), 0.1 / 2);
  EXPECT_DOUBLE_EQ(LearningRateAt(options, 19, 10, 100), 0.1);
  EXPECT_DOUBLE_EQ(LearningRateAt(options, 20, 10, 100), 0.1);  // the cosine's start
  EXPECT_NEAR(LearningRateAt(options, 60, 10, 100), 0.05, 1e-12);  // half way down
  EXPECT_LT(LearningRateAt(options, 99, 10, 100), 0.001);
}

TEST(OptimizerTest, BothOptimizersFitALinearMapAndTakeTheScheduledRate) {
  for (const char* name : {"sgd", "adamw"}) {
    torch::manual_seed(0);
    const torch::Tensor x = torch::randn({64, 4});
    const torch::Tensor y = x.matmul(torch::tensor({1.0f, -2.0f, 0.5f, 3.0f}));
    torch::nn::Linear model(4, 1);
    SposOptions options;
    options.optimizer = name;
    options.learning_rate = 0.05;
    options.weight_decay = 0;
    const auto optimizer = MakeOptimizer(model->parameters(), options);
    auto loss = [&] { return torch::mse_loss(model->forward(x).squeeze(1), y); };
    const double first = loss().item<double>();
    for (int step = 0; step < 200; ++step) {
      SetLearningRate(*optimizer, LearningRateAt(options, step, 10, 200));
      optimizer->zero_grad();
      loss().backward();
      optimizer->step();
    }
    EXPECT_LT(loss().item<double>(), 0.01 * first) << name;
    SetLearningRate(*optimizer, 0.125);
    for (const auto& group : optimizer->param_groups()) {
      EXPECT_EQ(group.options().get_lr(), 0.125) << name;
    }
  }
}

}  // namespace
}  // namespace sculpt
