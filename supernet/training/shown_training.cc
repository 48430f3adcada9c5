#include "supernet/training/shown_training.h"

#include <string>
#include <utility>

namespace sculpt {

ShownTraining::ShownTraining(TrainingProgress* progress, std::string title,
                             const std::atomic<bool>* stop)
    : progress_(progress), title_(std::move(title)), stop_(stop) {}

ShownTraining::~ShownTraining() { End(); }

bool ShownTraining::Step(const TrainingStep& step) {
  if (!began_) {
    began_ = true;
    if (progress_ != nullptr && !resumed_what_.empty() && step.epoch > 1) {
      progress_->Note("resuming the " + resumed_what_ + "'s training after epoch " +
                      std::to_string(step.epoch - 1) + " from " + checkpoint_);
    }
    if (before_first_) before_first_(step);
    if (progress_ != nullptr) progress_->Begin(title_, step.epoch, step.epochs, step.steps);
  }
  if (progress_ != nullptr) progress_->Step(step);
  return !StopRequested();
}

bool ShownTraining::EpochDone(std::int64_t epoch, const Metrics& values) {
  if (progress_ != nullptr) progress_->EpochDone(epoch, values);
  return !StopRequested();
}

void ShownTraining::End() {
  if (!began_ || ended_) return;
  ended_ = true;
  if (progress_ != nullptr) progress_->End();
}

}  // namespace sculpt
