#include "supernet/training/spos_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <sstream>
#include <utility>
#include <vector>

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/utils.h>

#include "spaces/errors.h"
#include "spaces/options.h"
#include "supernet/data/dataset.h"
#include "supernet/training/optimizer.h"
#include "supernet/training/training_checkpoint.h"

namespace sculpt {

SposOptions ReadSposOptions(Options& options, std::uint64_t default_seed) {
  SposOptions result;
  result.epochs = options.Int("epochs", result.epochs, 1);
  result.batch_size = options.Int("batch_size", result.batch_size, 2);
  result.steps_per_epoch = options.Int("steps_per_epoch", 0, 0);
  result.learning_rate = options.Number("learning_rate", result.learning_rate, 0.0);
  result.min_learning_rate = options.Number("min_learning_rate", 0.0, 0.0);
  result.momentum = options.Number("momentum", result.momentum, 0.0, 1.0);
  result.nesterov = options.Bool("nesterov", result.nesterov);
  result.weight_decay = options.Number("weight_decay", result.weight_decay, 0.0);
  result.grad_clip = options.Number("grad_clip", result.grad_clip, 0.0);
  result.seed = static_cast<std::uint64_t>(
      options.Int("seed", static_cast<std::int64_t>(default_seed & 0x7fffffffffffffff), 0));
  result.optimizer = options.String("optimizer", result.optimizer, {"sgd", "adamw"});
  result.warmup_epochs = options.Number("warmup_epochs", 0.0, 0.0);
  if (result.warmup_epochs >= static_cast<double>(result.epochs)) {
    options.Error("warmup_epochs", "must be less than epochs (" + std::to_string(result.epochs) + ")");
  }
  if (result.optimizer == "sgd" && result.nesterov && result.momentum <= 0) {
    options.Error("nesterov", "Nesterov momentum needs momentum > 0");
  }
  if (result.min_learning_rate > result.learning_rate) {
    options.Error("min_learning_rate", "must not exceed learning_rate");
  }
  return result;
}

void ReadPathSampling(Options& options, SposOptions& result) {
  const std::string sampling = options.String("sampling", "uniform", {"uniform", "sandwich"});
  result.sampling = sampling == "sandwich" ? PathSampling::kSandwich : PathSampling::kUniform;
  result.sandwich_random = static_cast<int>(options.Int("sandwich_random", 2, 0, 64));
}

void ReadHeadDrop(Options& options, const ModelFamily& family, SposOptions& result) {
  result.head_drop = options.Number("head_drop", 0.0, 0.0, 0.95);
  options.Describe("head_drop",
                   "the chance that a training step drops an attention head for one image "
                   "(structured dropout: trains a network that loses little when heads are "
                   "pruned; transformer only; 0 = off, at most 0.95)");
  if (result.head_drop > 0 && !family.HasAttentionHeads()) {
    options.Error("head_drop", "the " + family.Name() + " family's networks have no attention "
                               "heads to drop; remove head_drop");
  }
}

nlohmann::json SposOptionsJson(const SposOptions& o) {
  nlohmann::json json = {{"epochs", o.epochs},
                         {"batch_size", o.batch_size},
                         {"steps_per_epoch", o.steps_per_epoch},
                         {"learning_rate", o.learning_rate},
                         {"min_learning_rate", o.min_learning_rate},
                         {"momentum", o.momentum},
                         {"nesterov", o.nesterov},
                         {"weight_decay", o.weight_decay},
                         {"grad_clip", o.grad_clip},
                         {"seed", o.seed}};
  if (o.optimizer != "sgd") json["optimizer"] = o.optimizer;
  if (o.warmup_epochs != 0) json["warmup_epochs"] = o.warmup_epochs;
  if (o.sampling == PathSampling::kSandwich) {
    json["sampling"] = "sandwich";
    json["sandwich_random"] = o.sandwich_random;
  }
  if (o.head_drop != 0) json["head_drop"] = o.head_drop;
  return json;
}

namespace {

// Copies every parameter and buffer of `from` into `to`, two modules of the same family and
// skeleton.
void CopyWeights(torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto copy = [](const auto& source, const auto& target, const char* what) {
    if (source.size() != target.size()) {
      throw InternalError(std::string("a sub-supernet's ") + what + " differ from its parent's");
    }
    for (const auto& item : source) {
      const torch::Tensor* destination = target.find(item.key());
      if (destination == nullptr || !destination->sizes().equals(item.value().sizes())) {
        throw InternalError("a sub-supernet has no " + std::string(what) + " '" + item.key() +
                            "' of its parent's shape");
      }
      const_cast<torch::Tensor&>(*destination).copy_(item.value());
    }
  };
  copy(from.named_parameters(), to.named_parameters(), "parameters");
  copy(from.named_buffers(), to.named_buffers(), "buffers");
}

}  // namespace

SposTrainer::SposTrainer(const ModelFamily& family, const ImageDataset& data, SposOptions options,
                         std::optional<SubSpaceStart> sub)
    : family_(family), data_(data), options_(std::move(options)), sub_(std::move(sub)) {
  if (const std::string mismatch = family_.DataMismatch(
          {data_.Channels(), data_.Height(), data_.Width(), data_.Classes()});
      !mismatch.empty()) {
    throw UserError(mismatch);
  }
  if (options_.batch_size < 2) {
    throw UserError("SPOS batch_size must be >= 2 (batch norm uses batch statistics)");
  }
  const std::int64_t full = data_.Size(Split::kTrain) / options_.batch_size;
  if (full < 1) {
    throw UserError("SPOS batch_size " + std::to_string(options_.batch_size) +
                    " is larger than the train split (" +
                    std::to_string(data_.Size(Split::kTrain)) + " images)");
  }
  if (options_.steps_per_epoch > full) {
    throw UserError("SPOS steps_per_epoch " + std::to_string(options_.steps_per_epoch) +
                    " is more than the " + std::to_string(full) + " batches of " +
                    std::to_string(options_.batch_size) + " in the train split");
  }
  steps_per_epoch_ = options_.steps_per_epoch > 0 ? options_.steps_per_epoch : full;
  supernet_ = family_.BuildSupernet(options_.seed);
  if (sub_) {
    if (sub_->parent == nullptr) throw InternalError("a sub-supernet needs its parent supernet");
    CopyWeights(sub_->parent->Module(), supernet_->Module());
    sub_->parent = nullptr;
  }
  optimizer_ = MakeOptimizer(supernet_->Module().parameters(), options_);
}

SposTrainer::~SposTrainer() = default;

std::string SposTrainer::CheckpointFingerprint() const {
  // Everything that changes the steps taken: resuming under other settings would silently mix
  // two runs, so such a checkpoint is refused instead.
  std::ostringstream out;
  out.precision(17);
  out << family_.Fingerprint() << " init_seed=" << options_.seed << " epochs=" << options_.epochs
      << " batch=" << options_.batch_size << " steps=" << steps_per_epoch_
      << " lr=" << options_.learning_rate << " min_lr=" << options_.min_learning_rate
      << " momentum=" << options_.momentum << " nesterov=" << options_.nesterov
      << " wd=" << options_.weight_decay << " clip=" << options_.grad_clip
      << " seed=" << options_.seed << " " << TrainDataFingerprint(data_);
  // Options added later are named only when set, so earlier checkpoints stay valid.
  if (options_.optimizer != "sgd") out << " optimizer=" << options_.optimizer;
  if (options_.warmup_epochs != 0) out << " warmup=" << options_.warmup_epochs;
  if (options_.sampling == PathSampling::kSandwich) out << " sandwich=" << options_.sandwich_random;
  if (sub_) {
    out << " sub_space=" << sub_->decision << ":" << sub_->choice << " of [" << sub_->parent_fingerprint
        << "]";
  }
  return out.str();
}

void SposTrainer::LoadCheckpoint() {
  if (const std::optional<CheckpointProgress> progress = LoadTrainingCheckpoint(
          options_.checkpoint, "SPOS", CheckpointFingerprint(), supernet_->Module(), *optimizer_)) {
    completed_epochs_ = progress->completed_epochs;
  }
}

void SposTrainer::SaveCheckpoint() const {
  if (options_.checkpoint.empty()) return;
  SaveTrainingCheckpoint(options_.checkpoint, "SPOS", CheckpointFingerprint(), supernet_->Module(),
                         *optimizer_, {completed_epochs_, nlohmann::json::object()});
}

std::optional<EpochStats> SposTrainer::TrainEpoch(std::int64_t epoch,
                                                  const StepCallback& on_step) {
  const auto start = std::chrono::steady_clock::now();
  Rng rng(MixSeed(options_.seed, static_cast<std::uint64_t>(epoch)));
  std::vector<std::int64_t> order(static_cast<std::size_t>(data_.Size(Split::kTrain)));
  std::iota(order.begin(), order.end(), 0);
  for (std::int64_t i = static_cast<std::int64_t>(order.size()) - 1; i > 0; --i) {
    std::swap(order[i], order[UniformIndex(rng, static_cast<int>(i + 1))]);
  }
  std::vector<torch::Tensor> params = supernet_->Module().parameters();
  const std::int64_t total_steps = options_.epochs * steps_per_epoch_;
  double loss_sum = 0;
  std::int64_t correct = 0;
  std::int64_t seen = 0;
  double lr = options_.learning_rate;
  supernet_->Module().train();
  for (std::int64_t step = 0; step < steps_per_epoch_; ++step) {
    std::vector<Architecture> paths =
        family_.TrainingPaths(rng, options_.sampling, options_.sandwich_random);
    if (sub_) {
      for (Architecture& path : paths) path.choices.at(sub_->decision) = sub_->choice;
    }
    const auto first = order.begin() + step * options_.batch_size;
    const std::vector<std::int64_t> positions(first, first + options_.batch_size);
    const Batch batch = data_.GetBatch(Split::kTrain, positions, &rng);

    lr = LearningRateAt(options_, epoch * steps_per_epoch_ + step, steps_per_epoch_, total_steps);
    SetLearningRate(*optimizer_, lr);
    // Undefined, not zero: the optimizer skips a parameter without a grad, so the candidates off
    // this step's paths keep their weights and momentum untouched.
    for (torch::Tensor& p : params) p.mutable_grad().reset();
    // The sandwich rule sums the paths' gradients; the reported loss and accuracy are means.
    double step_loss = 0;
    std::int64_t step_correct = 0;
    for (const Architecture& arch : paths) {
      const torch::Tensor logits = supernet_->Forward(batch.images, arch);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        throw UserError("SPOS training diverged at epoch " + std::to_string(epoch + 1) +
                        ", step " + std::to_string(step + 1) + " (loss " +
                        std::to_string(loss_value) + "); lower learning_rate");
      }
      loss.backward();
      step_loss += loss_value;
      step_correct += logits.argmax(1).eq(batch.labels).sum().item<std::int64_t>();
    }
    if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options_.grad_clip);
    optimizer_->step();

    const auto path_count = static_cast<double>(paths.size());
    loss_sum += step_loss / path_count * static_cast<double>(positions.size());
    correct += static_cast<std::int64_t>(std::llround(static_cast<double>(step_correct) / path_count));
    seen += static_cast<std::int64_t>(positions.size());
    if (on_step) {
      TrainingStep progress;
      progress.epoch = epoch + 1;
      progress.epochs = options_.epochs;
      progress.step = step + 1;
      progress.steps = steps_per_epoch_;
      progress.loss = loss_sum / static_cast<double>(seen);
      progress.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress.images_per_second = static_cast<double>(seen) / std::max(elapsed, 1e-9);
      if (!on_step(progress)) return std::nullopt;
    }
  }
  EpochStats stats;
  stats.epoch = epoch + 1;
  stats.epochs = options_.epochs;
  stats.steps = steps_per_epoch_;
  stats.loss = loss_sum / static_cast<double>(seen);
  stats.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
  stats.learning_rate = lr;
  stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats.images_per_second = static_cast<double>(seen) / std::max(stats.seconds, 1e-9);
  return stats;
}

void SposTrainer::Train(const EpochCallback& on_epoch, const StepCallback& on_step) {
  LoadCheckpoint();
  while (completed_epochs_ < options_.epochs) {
    const std::optional<EpochStats> stats = TrainEpoch(completed_epochs_, on_step);
    if (!stats) break;
    ++completed_epochs_;
    SaveCheckpoint();
    if (on_epoch && !on_epoch(*stats)) break;
  }
  supernet_->Module().eval();
}

}  // namespace sculpt
