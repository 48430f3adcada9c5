#include "supernet/network_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "supernet/split_scorer.h"

namespace sculpt {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void CheckFits(const Nb201Network& network, const ImageDataset& data, const SposOptions& options) {
  const nb201::Skeleton& s = network->options.skeleton();
  if (data.Channels() != s.input_channels || data.Height() != s.input_size ||
      data.Width() != s.input_size) {
    throw UserError("the network expects " + std::to_string(s.input_channels) + "x" +
                    std::to_string(s.input_size) + "x" + std::to_string(s.input_size) +
                    " images but the data set has " + std::to_string(data.Channels()) + "x" +
                    std::to_string(data.Height()) + "x" + std::to_string(data.Width()));
  }
  if (data.Classes() > s.classes) {
    throw UserError("the data set has " + std::to_string(data.Classes()) +
                    " classes but the network's classifier has " + std::to_string(s.classes));
  }
  if (options.batch_size < 2 || options.batch_size > data.Size(Split::kTrain)) {
    throw UserError("training batch_size " + std::to_string(options.batch_size) +
                    " must be in 2.." + std::to_string(data.Size(Split::kTrain)) +
                    " (the train split's size)");
  }
}

}  // namespace

Metrics NetworkEpoch::AsMetrics() const {
  return {{"train_loss", train_loss},         {"train_accuracy", train_accuracy},
          {"valid_loss", valid_loss},         {"valid_accuracy", valid_accuracy},
          {"lr", learning_rate},              {"seconds", seconds},
          {"images_per_second", images_per_second}};
}

NetworkTrainingResult TrainNetwork(Nb201Network& network, const ImageDataset& data,
                                   const SposOptions& options, const NetworkTrainingHooks& hooks) {
  CheckFits(network, data, options);
  const auto run_start = std::chrono::steady_clock::now();
  const std::int64_t full = data.Size(Split::kTrain) / options.batch_size;
  const std::int64_t steps = options.steps_per_epoch > 0
                                 ? std::min(options.steps_per_epoch, full)
                                 : full;
  std::vector<torch::Tensor> params = network->parameters();
  torch::optim::SGD sgd(params, torch::optim::SGDOptions(options.learning_rate)
                                    .momentum(options.momentum)
                                    .nesterov(options.nesterov)
                                    .weight_decay(options.weight_decay));
  const double total_steps = static_cast<double>(options.epochs * steps);
  const ForwardFunction forward = [&network](const at::Tensor& x) { return network->forward(x); };

  NetworkTrainingResult result;
  for (std::int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    Rng rng(MixSeed(options.seed, static_cast<std::uint64_t>(epoch)));
    std::vector<std::int64_t> order(static_cast<std::size_t>(data.Size(Split::kTrain)));
    std::iota(order.begin(), order.end(), 0);
    for (std::int64_t i = static_cast<std::int64_t>(order.size()) - 1; i > 0; --i) {
      std::swap(order[i], order[UniformIndex(rng, static_cast<int>(i + 1))]);
    }
    network->train();
    double loss_sum = 0;
    std::int64_t correct = 0;
    std::int64_t seen = 0;
    double lr = options.learning_rate;
    for (std::int64_t step = 0; step < steps; ++step) {
      const auto first = order.begin() + step * options.batch_size;
      const std::vector<std::int64_t> positions(first, first + options.batch_size);
      const Batch batch = data.GetBatch(Split::kTrain, positions, &rng);
      const double t = static_cast<double>(epoch * steps + step) / total_steps;
      lr = options.min_learning_rate + 0.5 * (options.learning_rate - options.min_learning_rate) *
                                           (1.0 + std::cos(std::numbers::pi * t));
      for (auto& group : sgd.param_groups()) {
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
      }
      sgd.zero_grad();
      const torch::Tensor logits = network->forward(batch.images);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        throw UserError("training diverged at epoch " + std::to_string(epoch + 1) + ", step " +
                        std::to_string(step + 1) + " (loss " + std::to_string(loss_value) +
                        "); lower learning_rate");
      }
      loss.backward();
      if (options.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options.grad_clip);
      sgd.step();
      loss_sum += loss_value * static_cast<double>(positions.size());
      correct += logits.argmax(1).eq(batch.labels).sum().item<std::int64_t>();
      seen += static_cast<std::int64_t>(positions.size());
      if (hooks.on_step) {
        TrainingStep progress;
        progress.epoch = epoch + 1;
        progress.epochs = options.epochs;
        progress.step = step + 1;
        progress.steps = steps;
        progress.loss = loss_sum / static_cast<double>(seen);
        progress.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
        progress.images_per_second =
            static_cast<double>(seen) / std::max(SecondsSince(start), 1e-9);
        if (!hooks.on_step(progress)) {
          network->eval();
          result.stopped = true;
          result.seconds = SecondsSince(run_start);
          return result;
        }
      }
    }
    const double train_seconds = SecondsSince(start);
    network->eval();
    SplitScore valid;
    {
      torch::NoGradGuard no_grad;
      valid = ScoreSplit(forward, data, Split::kValidation, hooks.valid_images,
                         hooks.eval_batch_size);
    }
    NetworkEpoch stats;
    stats.epoch = epoch + 1;
    stats.epochs = options.epochs;
    stats.train_loss = loss_sum / static_cast<double>(seen);
    stats.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    stats.valid_loss = valid.loss;
    stats.valid_accuracy = valid.accuracy;
    stats.learning_rate = lr;
    stats.seconds = SecondsSince(start);
    stats.images_per_second = static_cast<double>(seen) / std::max(train_seconds, 1e-9);
    result.epochs_done = epoch + 1;
    result.train_loss = stats.train_loss;
    result.train_accuracy = stats.train_accuracy;
    result.valid_loss = stats.valid_loss;
    result.valid_accuracy = stats.valid_accuracy;
    if (hooks.on_epoch && !hooks.on_epoch(stats) && epoch + 1 < options.epochs) {
      result.stopped = true;
      result.seconds = SecondsSince(run_start);
      return result;
    }
  }
  network->eval();
  if (data.Size(Split::kTest) > 0) {
    torch::NoGradGuard no_grad;
    const SplitScore test = ScoreSplit(forward, data, Split::kTest, 0, hooks.eval_batch_size);
    result.test_loss = test.loss;
    result.test_accuracy = test.accuracy;
  }
  result.seconds = SecondsSince(run_start);
  return result;
}

}  // namespace sculpt
