#pragma once
// The optimizer and learning-rate schedule every training in Sculpt shares (SPOS supernets and
// stand-alone networks): SGD with (Nesterov) momentum, the default, which suits convolutional
// cells, or AdamW, which vision transformers need; a per-step cosine schedule from learning_rate
// to min_learning_rate after an optional linear warm-up. Weight decay and gradient clipping come
// from SposOptions as well.
// Thread-safety: an optimizer belongs to the one thread that trains its parameters.

#include <cstdint>
#include <memory>
#include <vector>

#include <torch/optim/optimizer.h>

#include "supernet/training/spos_trainer.h"

namespace sculpt {

// The optimizer SposOptions::optimizer names, over `params`.
std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(const std::vector<at::Tensor>& params,
                                                       const SposOptions& options);

// Learning rate of global step `step` (0-based) of `total_steps`: linear warm-up over the first
// warmup_epochs x steps_per_epoch steps, then cosine to min_learning_rate. Without warm-up this
// is exactly min + (max - min) (1 + cos(pi step / total)) / 2.
double LearningRateAt(const SposOptions& options, std::int64_t step, std::int64_t steps_per_epoch,
                      std::int64_t total_steps);

// Sets every parameter group's learning rate.
void SetLearningRate(torch::optim::Optimizer& optimizer, double learning_rate);

}  // namespace sculpt
