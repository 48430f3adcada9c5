#pragma once
// ShownTraining: one training run as a person watches it. The progress display begins at the
// run's first step, which knows the epoch a resumed training starts from (the display's ETA
// counts this process's epochs only); every step and epoch is shown; and the display ends
// however the training ends: End() after it, or the destructor when it threw. Every training
// that shows progress goes through one: the supernet's, the block-wise teacher's, a retraining.
// Thread-safety: none; the thread the training's hooks run on.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "spaces/metrics.h"
#include "spaces/prepare.h"

namespace sculpt {

class ShownTraining {
 public:
  // `progress` null: nothing is shown (the stop request is still answered). `stop` (may be
  // null) becomes true when the training should stop (Ctrl-C).
  ShownTraining(TrainingProgress* progress, std::string title, const std::atomic<bool>* stop);
  ~ShownTraining();
  ShownTraining(const ShownTraining&) = delete;
  ShownTraining& operator=(const ShownTraining&) = delete;

  // Runs once, at the first step, before the display begins (the run's record in a log).
  void BeforeFirstStep(std::function<void(const TrainingStep&)> before) {
    before_first_ = std::move(before);
  }

  // A training that can resume from `checkpoint`: when its first step is past epoch 1, notes
  // "resuming the <what>'s training after epoch N from <checkpoint>" before the display begins.
  void ResumesFrom(std::string what, std::string checkpoint) {
    resumed_what_ = std::move(what);
    checkpoint_ = std::move(checkpoint);
  }

  // A step's hook: shows it. False when a stop was requested (the training then stops).
  bool Step(const TrainingStep& step);
  // An epoch's hook: shows its values. False when a stop was requested.
  bool EpochDone(std::int64_t epoch, const Metrics& values);
  // Ends the display, if it began; once.
  void End();
  // Whether the training took a step (a finished one found in its checkpoint takes none).
  bool Began() const { return began_; }

 private:
  bool StopRequested() const { return stop_ != nullptr && stop_->load(); }

  TrainingProgress* progress_;
  std::string title_;
  const std::atomic<bool>* stop_;
  std::function<void(const TrainingStep&)> before_first_;
  std::string resumed_what_;  // empty: no resume note
  std::string checkpoint_;
  bool began_ = false;
  bool ended_ = false;
};

}  // namespace sculpt
