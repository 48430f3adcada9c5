#pragma once
// SposTrainer: trains an Nb201Supernet by single-path one-shot (SPOS, Guo et al. 2020): every step
// samples one architecture uniformly (each edge's op independently), runs forward and backward
// through that path only, and takes an SGD step (Nesterov momentum, weight decay, per-step cosine
// learning rate) on that path's weights only: the other candidates get no gradient, no weight
// decay and no momentum update (their grads are left undefined, which LibTorch's SGD skips; a
// zero grad would still decay and move them).
//
// Reproducible and resumable: the order of the train split, the sampled paths and the
// augmentation of epoch e all come from an Rng seeded by (seed, e), so a run resumed from the
// checkpoint of epoch e makes exactly the same steps as an uninterrupted one, and no RNG state
// needs saving. After every epoch the checkpoint file (weights, optimizer state, epochs done and
// a fingerprint of the settings) is written atomically; a checkpoint whose epochs are all done
// marks a finished supernet, which Train() loads instead of retraining.
// The caller sets LibTorch's intra-op threads (SetTorchThreads); the trainer never does.
// Thread-safety: one thread; the supernet must not be used elsewhere while Train() runs.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "spaces/architecture.h"
#include "spaces/prepare.h"
#include "spaces/rng.h"
#include "supernet/nb201_supernet.h"

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
  // Empty: no checkpoints (nothing survives the process).
  std::filesystem::path checkpoint;
};

// Reads "epochs", "batch_size", "steps_per_epoch", "learning_rate", "min_learning_rate",
// "momentum", "nesterov", "weight_decay", "grad_clip", "seed" (default `default_seed`). The
// checkpoint path is the caller's choice. Does not call Finish().
SposOptions ReadSposOptions(Options& options, std::uint64_t default_seed);

// One architecture of the nb201 space, each edge's op uniform.
Architecture SampleNb201Uniform(Rng& rng);

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

class SposTrainer {
 public:
  // Throws UserError when the options do not fit the data (e.g. a batch larger than the split).
  SposTrainer(Nb201Supernet supernet, const ImageDataset& data, SposOptions options);
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

 private:
  struct Optimizer;

  void LoadCheckpoint();
  void SaveCheckpoint() const;
  // Empty when `on_step` abandoned the epoch.
  std::optional<EpochStats> TrainEpoch(std::int64_t epoch, const StepCallback& on_step);
  std::string Fingerprint() const;

  Nb201Supernet supernet_;
  const ImageDataset& data_;
  SposOptions options_;
  std::int64_t steps_per_epoch_ = 0;
  std::int64_t completed_epochs_ = 0;
  std::unique_ptr<Optimizer> optimizer_;
};

}  // namespace sculpt
