#include "supernet/spos_trainer.h"

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
#include <torch/optim/sgd.h>
#include <torch/serialize.h>
#include <torch/serialize/archive.h>

#include "spaces/errors.h"
#include "spaces/options.h"
#include "supernet/dataset.h"

namespace sculpt {

struct SposTrainer::Optimizer {
  explicit Optimizer(const std::vector<torch::Tensor>& params, const SposOptions& options)
      : sgd(params, torch::optim::SGDOptions(options.learning_rate)
                        .momentum(options.momentum)
                        .nesterov(options.nesterov)
                        .weight_decay(options.weight_decay)) {}
  torch::optim::SGD sgd;
};

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
  if (result.nesterov && result.momentum <= 0) {
    options.Error("nesterov", "Nesterov momentum needs momentum > 0");
  }
  if (result.min_learning_rate > result.learning_rate) {
    options.Error("min_learning_rate", "must not exceed learning_rate");
  }
  return result;
}

Architecture SampleNb201Uniform(Rng& rng) {
  Architecture arch;
  for (int e = 0; e < nb201::kNumEdges; ++e) arch.choices.push_back(UniformIndex(rng, nb201::kNumOps));
  return arch;
}

SposTrainer::SposTrainer(Nb201Supernet supernet, const ImageDataset& data, SposOptions options)
    : supernet_(std::move(supernet)), data_(data), options_(std::move(options)) {
  const nb201::Skeleton& s = supernet_->options.skeleton();
  if (data_.Channels() != s.input_channels || data_.Height() != s.input_size ||
      data_.Width() != s.input_size) {
    throw UserError("the supernet expects " + std::to_string(s.input_channels) + "x" +
                    std::to_string(s.input_size) + "x" + std::to_string(s.input_size) +
                    " images but the data set has " + std::to_string(data_.Channels()) + "x" +
                    std::to_string(data_.Height()) + "x" + std::to_string(data_.Width()));
  }
  if (data_.Classes() > s.classes) {
    throw UserError("the data set has " + std::to_string(data_.Classes()) +
                    " classes but the supernet's classifier has " + std::to_string(s.classes));
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
  optimizer_ = std::make_unique<Optimizer>(supernet_->parameters(), options_);
}

SposTrainer::~SposTrainer() = default;

std::string SposTrainer::Fingerprint() const {
  // Everything that changes the steps taken: resuming under other settings would silently mix
  // two runs, so such a checkpoint is refused instead.
  const auto& sn = supernet_->options;
  const nb201::Skeleton& s = sn.skeleton();
  std::ostringstream out;
  out.precision(17);
  out << "nb201-spos-v1 C=" << s.channels << " N=" << s.cells_per_stage
      << " in=" << s.input_channels << "x" << s.input_size << " classes=" << s.classes
      << " affine=" << sn.affine() << " init_seed=" << sn.seed() << " epochs=" << options_.epochs
      << " batch=" << options_.batch_size << " steps=" << steps_per_epoch_
      << " lr=" << options_.learning_rate << " min_lr=" << options_.min_learning_rate
      << " momentum=" << options_.momentum << " nesterov=" << options_.nesterov
      << " wd=" << options_.weight_decay << " clip=" << options_.grad_clip
      << " seed=" << options_.seed << " train=" << data_.Size(Split::kTrain)
      << " mean=" << data_.Mean()[0] << " std=" << data_.Std()[0]
      << " crop=" << data_.Augment().random_crop << "/" << data_.Augment().crop_padding
      << " flip=" << data_.Augment().horizontal_flip;
  return out.str();
}

void SposTrainer::LoadCheckpoint() {
  const std::filesystem::path& path = options_.checkpoint;
  if (path.empty() || !std::filesystem::exists(path)) return;
  std::string fingerprint;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    c10::IValue value;
    archive.read("fingerprint", value);
    fingerprint = value.toStringRef();
    if (fingerprint != Fingerprint()) {
      throw UserError("SPOS checkpoint '" + path.string() +
                      "' was made with other settings:\n  checkpoint: " + fingerprint +
                      "\n  now:        " + Fingerprint() +
                      "\nrestore the settings or delete the checkpoint to train anew");
    }
    torch::serialize::InputArchive model;
    archive.read("model", model);
    supernet_->load(model);
    torch::serialize::InputArchive optimizer;
    archive.read("optimizer", optimizer);
    optimizer_->sgd.load(optimizer);
    torch::Tensor epochs;
    archive.read("completed_epochs", epochs);
    completed_epochs_ = epochs.item<std::int64_t>();
  } catch (const c10::Error& e) {
    throw UserError("SPOS checkpoint '" + path.string() + "' cannot be read (" +
                    e.what_without_backtrace() + "); delete it to train anew");
  }
}

void SposTrainer::SaveCheckpoint() const {
  const std::filesystem::path& path = options_.checkpoint;
  if (path.empty()) return;
  torch::serialize::OutputArchive archive;
  archive.write("fingerprint", c10::IValue(Fingerprint()));
  torch::serialize::OutputArchive model;
  supernet_->save(model);
  archive.write("model", model);
  torch::serialize::OutputArchive optimizer;
  optimizer_->sgd.save(optimizer);
  archive.write("optimizer", optimizer);
  archive.write("completed_epochs", torch::tensor(completed_epochs_, torch::kInt64));
  // Write then rename: a crash mid-write leaves the previous checkpoint intact.
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  try {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    archive.save_to(temporary.string());
    std::filesystem::rename(temporary, path);
  } catch (const std::exception& e) {
    throw UserError("cannot write SPOS checkpoint '" + path.string() + "': " + e.what());
  }
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
  std::vector<torch::Tensor> params = supernet_->parameters();
  const double total_steps = static_cast<double>(options_.epochs * steps_per_epoch_);
  double loss_sum = 0;
  std::int64_t correct = 0;
  std::int64_t seen = 0;
  double lr = options_.learning_rate;
  supernet_->train();
  for (std::int64_t step = 0; step < steps_per_epoch_; ++step) {
    const Architecture arch = SampleNb201Uniform(rng);
    const auto first = order.begin() + step * options_.batch_size;
    const std::vector<std::int64_t> positions(first, first + options_.batch_size);
    const Batch batch = data_.GetBatch(Split::kTrain, positions, &rng);

    const double t = static_cast<double>(epoch * steps_per_epoch_ + step) / total_steps;
    lr = options_.min_learning_rate + 0.5 * (options_.learning_rate - options_.min_learning_rate) *
                                          (1.0 + std::cos(std::numbers::pi * t));
    for (auto& group : optimizer_->sgd.param_groups()) {
      static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
    }
    // Undefined, not zero: SGD skips a parameter without a grad, so the candidates off this
    // path keep their weights and momentum untouched.
    for (torch::Tensor& p : params) p.mutable_grad().reset();
    const torch::Tensor logits = supernet_->forward(batch.images, arch);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels);
    const double loss_value = loss.item<double>();
    if (!std::isfinite(loss_value)) {
      throw UserError("SPOS training diverged at epoch " + std::to_string(epoch + 1) + ", step " +
                      std::to_string(step + 1) + " (loss " + std::to_string(loss_value) +
                      "); lower learning_rate");
    }
    loss.backward();
    if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options_.grad_clip);
    optimizer_->sgd.step();

    loss_sum += loss_value * static_cast<double>(positions.size());
    correct += logits.argmax(1).eq(batch.labels).sum().item<std::int64_t>();
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
  supernet_->eval();
}

}  // namespace sculpt
