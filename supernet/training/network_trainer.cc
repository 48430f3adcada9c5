#include "supernet/training/network_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "supernet/training/optimizer.h"
#include "supernet/data/split_scorer.h"
#include "supernet/training/training_checkpoint.h"

namespace sculpt {
namespace {

// Tells head drop's draws from the shuffle's, which share the (seed, epoch) pair.
constexpr std::uint64_t kHeadDropStream = 0x68656164'64726f70;  // "headdrop"

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void CheckFits(const ImageDataset& data, const SposOptions& options) {
  if (options.batch_size < 2 || options.batch_size > data.Size(Split::kTrain)) {
    throw UserError("training batch_size " + std::to_string(options.batch_size) +
                    " must be in 2.." + std::to_string(data.Size(Split::kTrain)) +
                    " (the train split's size)");
  }
}

std::string Fingerprint(const ImageDataset& data, const SposOptions& options,
                        const NetworkTrainingHooks& hooks) {
  return hooks.checkpoint_identity + " " + SposOptionsJson(options).dump() + " " +
         TrainDataFingerprint(data) + " valid_images=" + std::to_string(hooks.valid_images) +
         (hooks.distillation != nullptr
              ? " distilled weight=" + std::to_string(hooks.distillation->weight) +
                    " temperature=" + std::to_string(hooks.distillation->temperature)
              : std::string());
}

// What a checkpoint keeps besides the weights: the figures of the last epoch, for the result
// of a run that resumes with nothing left to train, and the seconds spent so far.
nlohmann::json Note(const NetworkTrainingResult& result, double seconds) {
  return {{"train_loss", result.train_loss}, {"train_accuracy", result.train_accuracy},
          {"valid_loss", result.valid_loss}, {"valid_accuracy", result.valid_accuracy},
          {"seconds", seconds}};
}

}  // namespace

Metrics NetworkTrainingResult::AsMetrics() const {
  Metrics metrics = {{"epochs", static_cast<double>(epochs_done)},
                     {"seconds", seconds},
                     {"train_loss", train_loss},
                     {"train_accuracy", train_accuracy},
                     {"valid_loss", valid_loss},
                     {"valid_accuracy", valid_accuracy}};
  if (!std::isnan(test_accuracy)) {
    metrics["test_loss"] = test_loss;
    metrics["test_accuracy"] = test_accuracy;
  }
  return metrics;
}

Metrics NetworkEpoch::AsMetrics() const {
  return {{"train_loss", train_loss},         {"train_accuracy", train_accuracy},
          {"valid_loss", valid_loss},         {"valid_accuracy", valid_accuracy},
          {"lr", learning_rate},              {"seconds", seconds},
          {"images_per_second", images_per_second}};
}

NetworkTrainingResult TrainNetwork(Network& network, const ImageDataset& data,
                                   const SposOptions& options, const NetworkTrainingHooks& hooks) {
  CheckFits(data, options);
  const auto run_start = std::chrono::steady_clock::now();
  const std::int64_t full = data.Size(Split::kTrain) / options.batch_size;
  const std::int64_t steps = options.steps_per_epoch > 0
                                 ? std::min(options.steps_per_epoch, full)
                                 : full;
  torch::nn::Module& module = network.Module();
  std::vector<torch::Tensor> params = module.parameters();
  const std::unique_ptr<torch::optim::Optimizer> optimizer = MakeOptimizer(params, options);
  const std::int64_t total_steps = options.epochs * steps;
  const ForwardFunction forward = [&network](const at::Tensor& x) { return network.Forward(x); };

  NetworkTrainingResult result;
  const std::string fingerprint = Fingerprint(data, options, hooks);
  double earlier_seconds = 0;
  if (const std::optional<CheckpointProgress> resumed = LoadTrainingCheckpoint(
          options.checkpoint, "training", fingerprint, module, *optimizer)) {
    result.resumed_epochs = result.epochs_done = resumed->completed_epochs;
    const nlohmann::json& note = resumed->note;
    result.train_loss = note.value("train_loss", 0.0);
    result.train_accuracy = note.value("train_accuracy", 0.0);
    result.valid_loss = note.value("valid_loss", 0.0);
    result.valid_accuracy = note.value("valid_accuracy", 0.0);
    earlier_seconds = note.value("seconds", 0.0);
  }
  auto seconds = [&] { return earlier_seconds + SecondsSince(run_start); };
  for (std::int64_t epoch = result.epochs_done; epoch < options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    Rng rng(MixSeed(options.seed, static_cast<std::uint64_t>(epoch)));
    // Head drop's draws of an epoch depend on the seed and the epoch alone, as the shuffle's,
    // so that a resumed training drops what an uninterrupted one would have.
    if (options.head_drop > 0) {
      network.SetHeadDrop(options.head_drop,
                          MixSeed(MixSeed(options.seed, static_cast<std::uint64_t>(epoch)),
                                  kHeadDropStream));
    }
    std::vector<std::int64_t> order(static_cast<std::size_t>(data.Size(Split::kTrain)));
    std::iota(order.begin(), order.end(), 0);
    for (std::int64_t i = static_cast<std::int64_t>(order.size()) - 1; i > 0; --i) {
      std::swap(order[i], order[UniformIndex(rng, static_cast<int>(i + 1))]);
    }
    module.train();
    double loss_sum = 0;
    std::int64_t correct = 0;
    std::int64_t seen = 0;
    double lr = options.learning_rate;
    for (std::int64_t step = 0; step < steps; ++step) {
      const auto first = order.begin() + step * options.batch_size;
      const std::vector<std::int64_t> positions(first, first + options.batch_size);
      const Batch batch = data.GetBatch(Split::kTrain, positions, &rng);
      lr = LearningRateAt(options, epoch * steps + step, steps, total_steps);
      SetLearningRate(*optimizer, lr);
      optimizer->zero_grad();
      const torch::Tensor logits = network.Forward(batch.images);
      const torch::Tensor loss =
          hooks.distillation != nullptr
              ? DistilledLoss(*hooks.distillation, logits, batch.images, batch.labels)
              : torch::nn::functional::cross_entropy(logits, batch.labels);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        throw UserError("training diverged at epoch " + std::to_string(epoch + 1) + ", step " +
                        std::to_string(step + 1) + " (loss " + std::to_string(loss_value) +
                        "); lower learning_rate");
      }
      loss.backward();
      if (options.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options.grad_clip);
      optimizer->step();
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
          module.eval();
          result.stopped = true;
          result.seconds = seconds();
          return result;
        }
      }
    }
    const double train_seconds = SecondsSince(start);
    module.eval();
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
    // The hook records the epoch before the checkpoint says it is done: a kill in between
    // trains and records it again, never leaves it unrecorded.
    const bool go_on = !hooks.on_epoch || hooks.on_epoch(stats);
    if (!options.checkpoint.empty()) {
      SaveTrainingCheckpoint(options.checkpoint, "training", fingerprint, module, *optimizer,
                             {epoch + 1, Note(result, seconds())});
    }
    if (!go_on && epoch + 1 < options.epochs) {
      result.stopped = true;
      result.seconds = seconds();
      return result;
    }
  }
  module.eval();
  network.SetHeadDrop(0, 0);
  if (data.Size(Split::kTest) > 0) {
    torch::NoGradGuard no_grad;
    const SplitScore test = ScoreSplit(forward, data, Split::kTest, 0, hooks.eval_batch_size);
    result.test_loss = test.loss;
    result.test_accuracy = test.accuracy;
  }
  result.seconds = seconds();
  return result;
}

}  // namespace sculpt
