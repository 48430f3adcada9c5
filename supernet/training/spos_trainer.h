#pragma once
// SposTrainer: trains the weight-sharing supernet of any model family (supernet/model_family.h)
// by single-path one-shot (SPOS, Guo et al. 2020): every step samples one architecture uniformly
// (the family's TrainingPaths: nb201 draws each edge's op independently), runs forward and
// backward through that path only, and takes an optimizer step (supernet/training/optimizer.h) on that
// path's weights only: weights off the path get no gradient, no weight decay and no momentum
// update (their grads are left undefined, which LibTorch's optimizers skip; a zero grad would
// still decay and move them). With weight entanglement (transformer) a path uses slices of
// shared tensors, so a tensor any path touches is updated as a whole. The sandwich rule
// (BigNAS/OFA) trains the largest, the smallest and `sandwich_random` uniform paths each step,
// their gradients summed.
//
// Reproducible and resumable: the order of the train split, the sampled paths and the
// augmentation of epoch e all come from an Rng seeded by (seed, e), so a run resumed from the
// checkpoint of epoch e makes exactly the same steps as an uninterrupted one, and no RNG state
// needs saving. After every epoch the checkpoint file (weights, optimizer state, epochs done and
// a fingerprint of the settings) is written atomically; a checkpoint whose epochs are all done
// marks a finished supernet, which Train() loads instead of retraining.
//
// A few-shot sub-supernet (supernet/few_shot/few_shot_supernet.h) is trained by the same trainer
// given a SubSpaceStart: it starts from a copy of the trained one-shot supernet's weights, and
// every sampled path gets the sub-space's value of the split decision (the family's choices are
// independent, so the rest of the path stays uniform over the sub-space).
// The caller sets LibTorch's intra-op threads (SetTorchThreads); the trainer never does.
// Thread-safety: one thread; the supernet must not be used elsewhere while Train() runs.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/optim/optimizer.h>

#include "spaces/architecture.h"
#include "spaces/prepare.h"
#include "spaces/rng.h"
#include "supernet/model_family.h"

namespace sculpt {

class ImageDataset;
class Options;

struct SposOptions {
  std::int64_t epochs = 10;
  std::int64_t batch_size = 128;
  // 0: one pass over the train split per epoch (the last partial batch is dropped: batch norm
  // uses batch statistics); n > 0: the first n batches of each epoch's shuffle.
  std::int64_t steps_per_epoch = 0;
  double learning_rate = 0.05;
  double min_learning_rate = 0.0;  // the cosine schedule's end
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-4;
  double grad_clip = 5.0;  // maximum global gradient norm; 0 = no clipping
  std::uint64_t seed = 0;
  // "sgd" (momentum, nesterov) or "adamw" (betas 0.9/0.999; momentum and nesterov unused).
  std::string optimizer = "sgd";
  // Linear learning-rate warm-up before the cosine schedule, in epochs (may be fractional).
  double warmup_epochs = 0;
  // SPOS only: which paths a step trains (see the file comment).
  PathSampling sampling = PathSampling::kUniform;
  int sandwich_random = 2;
  // Stand-alone training only (TrainNetwork): the chance that a training step drops an attention
  // head for one image (Network::SetHeadDrop). 0: off.
  double head_drop = 0;
  // Empty: no checkpoints (nothing survives the process).
  std::filesystem::path checkpoint;
};

// Reads "epochs", "batch_size", "steps_per_epoch", "learning_rate", "min_learning_rate",
// "momentum", "nesterov", "weight_decay", "grad_clip", "seed" (default `default_seed`),
// "optimizer" and "warmup_epochs". The checkpoint path is the caller's choice. Does not call
// Finish().
SposOptions ReadSposOptions(Options& options, std::uint64_t default_seed);
// Reads the SPOS-only "sampling" ("uniform" | "sandwich") and "sandwich_random" (2) into
// `result`.
void ReadPathSampling(Options& options, SposOptions& result);
// Reads the stand-alone-training-only "head_drop" (0, below 1) into `result`; an error when it
// is positive and `family` has no attention heads (ModelFamily::HasAttentionHeads).
void ReadHeadDrop(Options& options, const ModelFamily& family, SposOptions& result);

// The options as a JSON object of their config keys (the checkpoint path left out). Keys added
// after the first release appear only when they differ from their default, so that records and
// checkpoint fingerprints of earlier runs stay as they were.
nlohmann::json SposOptionsJson(const SposOptions& options);

struct EpochStats {
  std::int64_t epoch = 0;  // 1-based
  std::int64_t epochs = 0;
  std::int64_t steps = 0;
  double loss = 0;      // mean training loss of the sampled paths
  double accuracy = 0;  // training accuracy of the sampled paths, in [0, 1]
  double learning_rate = 0;  // at the epoch's last step
  double seconds = 0;
  double images_per_second = 0;
};

// Called after each trained epoch, once its checkpoint is written; return false to stop.
using EpochCallback = std::function<bool(const EpochStats&)>;
// Called after each step (for progress displays); return false to abandon the epoch at once: it
// is not checkpointed, so a resumed run trains it again from its start, exactly as it would have.
using StepCallback = std::function<bool(const TrainingStep&)>;

// What a sub-supernet starts from and trains (see the file comment).
struct SubSpaceStart {
  Supernet* parent = nullptr;      // the trained one-shot supernet; copied, not kept
  std::string parent_fingerprint;  // its trainer's CheckpointFingerprint()
  int decision = 0;                // a position of Architecture::choices
  int choice = 0;                  // the value every path gets there
};

class SposTrainer {
 public:
  // Builds the family's supernet, initialised from options.seed, or, with `sub`, from a copy of
  // sub->parent's weights. Throws UserError when the options or the family's skeleton do not
  // fit the data (e.g. a batch larger than the split).
  SposTrainer(const ModelFamily& family, const ImageDataset& data, SposOptions options,
              std::optional<SubSpaceStart> sub = std::nullopt);
  ~SposTrainer();
  SposTrainer(const SposTrainer&) = delete;
  SposTrainer& operator=(const SposTrainer&) = delete;

  // Loads the checkpoint when there is one (throws UserError when it was made with other
  // settings or cannot be read), then trains the remaining epochs. A finished checkpoint is
  // loaded and nothing is trained. Leaves the supernet in eval mode.
  void Train(const EpochCallback& on_epoch = {}, const StepCallback& on_step = {});

  std::int64_t CompletedEpochs() const { return completed_epochs_; }
  bool Finished() const { return completed_epochs_ >= options_.epochs; }
  std::int64_t StepsPerEpoch() const { return steps_per_epoch_; }
  // The supernet being trained (shared: it outlives the trainer).
  const std::shared_ptr<Supernet>& Model() const { return supernet_; }
  // Everything that changes the steps taken (the family, the options, the data, a sub-space and
  // its parent's fingerprint): a checkpoint made under another one is refused.
  std::string CheckpointFingerprint() const;

 private:

  void LoadCheckpoint();
  void SaveCheckpoint() const;
  // Empty when `on_step` abandoned the epoch.
  std::optional<EpochStats> TrainEpoch(std::int64_t epoch, const StepCallback& on_step);

  const ModelFamily& family_;
  std::shared_ptr<Supernet> supernet_;
  const ImageDataset& data_;
  SposOptions options_;
  std::optional<SubSpaceStart> sub_;  // parent reset to null once copied
  std::int64_t steps_per_epoch_ = 0;
  std::int64_t completed_epochs_ = 0;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
};

}  // namespace sculpt
