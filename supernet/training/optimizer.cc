#include "supernet/training/optimizer.h"

#include <cmath>
#include <numbers>

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include "spaces/errors.h"

namespace sculpt {

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const std::vector<at::Tensor>& params,
                                                       const SposOptions& options) {
  if (options.optimizer == "adamw") {
    return std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(options.learning_rate)
                    .weight_decay(options.weight_decay));
  }
  SCULPT_ASSERT(options.optimizer == "sgd", "unknown optimizer " + options.optimizer);
  return std::make_unique<torch::optim::SGD>(params,
                                             torch::optim::SGDOptions(options.learning_rate)
                                                 .momentum(options.momentum)
                                                 .nesterov(options.nesterov)
                                                 .weight_decay(options.weight_decay));
}

double LearningRateAt(const SposOptions& options, std::int64_t step, std::int64_t steps_per_epoch,
                      std::int64_t total_steps) {
  const auto warmup = static_cast<std::int64_t>(
      std::llround(options.warmup_epochs * static_cast<double>(steps_per_epoch)));
  if (step < warmup) {
    return options.learning_rate * static_cast<double>(step + 1) / static_cast<double>(warmup);
  }
  const double t =
      static_cast<double>(step - warmup) / static_cast<double>(std::max<std::int64_t>(1, total_steps - warmup));
  return options.min_learning_rate + 0.5 * (options.learning_rate - options.min_learning_rate) *
                                         (1.0 + std::cos(std::numbers::pi * t));
}

void SetLearningRate(torch::optim::Optimizer& optimizer, double learning_rate) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(learning_rate);
}

}  // namespace sculpt
