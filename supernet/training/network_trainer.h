#pragma once
// Training a stand-alone network of any model family from scratch: the ground truth a
// supernet's ranking is judged against, and how the winner of a search is retrained before
// deployment. Plain supervised training on the train split (SposOptions' optimizer and schedule,
// supernet/training/optimizer.h; its sampling fields are ignored), with the data set's
// augmentation, then scored on the validation split after every epoch and on the test split at
// the end; with options.head_drop, attention heads are dropped at random while training
// (Network::SetHeadDrop); with hooks.distillation, the loss is distilled from a teacher's logits
// (supernet/training/logit_distillation.h; the train loss reported is that loss). Batch norm
// keeps running statistics (NAS-Bench-201's stand-alone setting), so scores do not depend on how
// images are batched.
// Reproducible: the shuffle and augmentation of epoch e come from an Rng seeded by (seed, e) and
// the initial weights are the network's own (seeded) ones.
// Resumable: with options.checkpoint set, a checkpoint (supernet/training/training_checkpoint.h) is
// written after every epoch, and a training that finds one continues after its last epoch, so a
// killed retraining started again gives the network an uninterrupted one would have.
// Thread-safety: one call trains one network on the calling thread; several calls may run at
// once on different networks (the data set is only read).

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "spaces/metrics.h"
#include "spaces/prepare.h"
#include "supernet/data/dataset.h"
#include "supernet/model_family.h"
#include "supernet/training/logit_distillation.h"
#include "supernet/training/spos_trainer.h"

namespace sculpt {

struct NetworkEpoch {
  std::int64_t epoch = 0;  // 1-based
  std::int64_t epochs = 0;
  double train_loss = 0;
  double train_accuracy = 0;
  double valid_loss = 0;
  double valid_accuracy = 0;
  double learning_rate = 0;  // at the epoch's last step
  double seconds = 0;        // training and validation of this epoch
  double images_per_second = 0;

  // train_loss, train_accuracy, valid_loss, valid_accuracy, lr, seconds, images_per_second.
  Metrics AsMetrics() const;
};

struct NetworkTrainingHooks {
  // After each epoch; return false to stop training (the result then says stopped).
  std::function<bool(const NetworkEpoch&)> on_epoch;
  // After each step; return false to stop at once.
  StepCallback on_step;
  // Validation images scored after each epoch (0: the whole split) and the scoring batch.
  std::int64_t valid_images = 0;
  std::int64_t eval_batch_size = 500;
  // What the network is (its family's fingerprint and architecture) and, with a distillation,
  // which teacher: with the training options and the data, the fingerprint a checkpoint must
  // match to be continued.
  std::string checkpoint_identity;
  // Null: plain supervised training on the labels. Not owned; outlives the call.
  const LogitDistillation* distillation = nullptr;
};

struct NetworkTrainingResult {
  std::int64_t epochs_done = 0;
  bool stopped = false;  // a hook asked to stop before the last epoch
  std::int64_t resumed_epochs = 0;  // epochs a checkpoint had done before this call
  double train_loss = 0;  // of the last epoch
  double train_accuracy = 0;
  double valid_loss = 0;
  double valid_accuracy = 0;
  // NaN when the data set has no test split or training stopped early.
  double test_loss = std::numeric_limits<double>::quiet_NaN();
  double test_accuracy = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0;  // of every process that trained it, when resumed

  // epochs, seconds, train_loss, train_accuracy, valid_loss, valid_accuracy, and test_loss and
  // test_accuracy when measured (not NaN).
  Metrics AsMetrics() const;
};

// Trains `network` (freshly built) for options.epochs epochs and leaves it in eval mode.
// Throws UserError when the options do not fit the data (a batch larger than the train split)
// or training diverges. The caller checks that the network takes the data's images
// (ModelFamily::DataMismatch).
NetworkTrainingResult TrainNetwork(Network& network, const ImageDataset& data,
                                   const SposOptions& options,
                                   const NetworkTrainingHooks& hooks = {});

}  // namespace sculpt
