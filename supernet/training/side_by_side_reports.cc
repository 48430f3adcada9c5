#include "supernet/training/side_by_side_reports.h"

#include <algorithm>
#include <utility>

#include "spaces/counted.h"

namespace sculpt {

class SideBySideReports::RunProgress final : public TrainingProgress {
 public:
  RunProgress(SideBySideReports& reports, int run) : reports_(reports), run_(run) {}

  void Begin(std::string_view title, std::int64_t first_epoch, std::int64_t epochs,
             std::int64_t steps_per_epoch) override {
    std::lock_guard lock(reports_.mutex_);
    title_ = title;
    epochs_ = epochs;
    reports_.Begin(run_, first_epoch, steps_per_epoch);
    reports_.shown_->Note("training " + title_ + ": epochs " + std::to_string(first_epoch) +
                          ".." + std::to_string(epochs) + " side by side with the others");
  }
  void Step(const TrainingStep& step) override {
    std::lock_guard lock(reports_.mutex_);
    reports_.Step(run_, step);
  }
  void EpochDone(std::int64_t epoch, const Metrics& values) override {
    std::lock_guard lock(reports_.mutex_);
    reports_.shown_->EpochDoneOf(title_, epoch, epochs_, values);
  }
  void EpochDoneOf(std::string_view title, std::int64_t epoch, std::int64_t epochs,
                   const Metrics& values) override {
    std::lock_guard lock(reports_.mutex_);
    reports_.shown_->EpochDoneOf(title, epoch, epochs, values);
  }
  void End() override {
    std::lock_guard lock(reports_.mutex_);
    reports_.runs_[static_cast<std::size_t>(run_)].running = false;
  }
  void Note(std::string_view text) override {
    std::lock_guard lock(reports_.mutex_);
    reports_.shown_->Note(text);
  }

 private:
  SideBySideReports& reports_;
  int run_;
  std::string title_;
  std::int64_t epochs_ = 0;
};

class SideBySideReports::SerialLog final : public TrainingLog {
 public:
  SerialLog(TrainingLog& log, std::mutex& mutex) : log_(log), mutex_(mutex) {}

  std::int64_t BeginRun(std::string_view kind, const nlohmann::json& config) override {
    std::lock_guard lock(mutex_);
    return log_.BeginRun(kind, config);
  }
  void RecordEpoch(std::int64_t run, int epoch, const Metrics& values) override {
    std::lock_guard lock(mutex_);
    log_.RecordEpoch(run, epoch, values);
  }
  void FinishRun(std::int64_t run, std::string_view status, const Metrics& result) override {
    std::lock_guard lock(mutex_);
    log_.FinishRun(run, status, result);
  }
  void RecordDropped(std::int64_t run, int epoch,
                     const std::vector<DroppedChoice>& dropped) override {
    std::lock_guard lock(mutex_);
    log_.RecordDropped(run, epoch, dropped);
  }

 private:
  TrainingLog& log_;
  std::mutex& mutex_;
};

SideBySideReports::SideBySideReports(TrainingProgress* shown, TrainingLog* log,
                                     std::string title, int runs, std::int64_t epochs)
    : shown_(shown),
      title_(std::move(title)),
      epochs_(epochs),
      runs_(static_cast<std::size_t>(std::max(0, runs))) {
  if (shown_ != nullptr) {
    for (int run = 0; run < runs; ++run) {
      progress_.push_back(std::make_unique<RunProgress>(*this, run));
    }
  }
  if (log != nullptr) log_ = std::make_unique<SerialLog>(*log, mutex_);
}

SideBySideReports::~SideBySideReports() { End(); }

TrainingProgress* SideBySideReports::Progress(int run) {
  return shown_ != nullptr ? progress_.at(static_cast<std::size_t>(run)).get() : nullptr;
}

TrainingLog* SideBySideReports::Log() { return log_.get(); }

void SideBySideReports::Done(int run) {
  std::lock_guard lock(mutex_);
  RunState& state = runs_.at(static_cast<std::size_t>(run));
  state.running = false;
  state.finished = true;
}

void SideBySideReports::End() {
  std::lock_guard lock(mutex_);
  if (bar_open_) shown_->End();
  bar_open_ = false;
}

void SideBySideReports::Begin(int run, std::int64_t first_epoch, std::int64_t steps) {
  RunState& state = runs_[static_cast<std::size_t>(run)];
  state.running = true;
  state.done_steps = (first_epoch - 1) * steps;
  if (bar_open_) return;
  steps_ = steps;
  // The bar counts the epochs of every run (4 blocks of 4 epochs: 1..16); the title says what
  // one run's are and their sum, so that the count does not read as the config's epochs.
  const std::int64_t all = epochs_ * static_cast<std::int64_t>(runs_.size());
  shown_->Begin(title_ + " (" + Counted(epochs_, "epoch") + " each; the " + Counted(all, "epoch") +
                    " of them all counted below as one)",
                1, all, steps_);
  bar_open_ = true;
}

void SideBySideReports::Step(int run, const TrainingStep& step) {
  RunState& state = runs_[static_cast<std::size_t>(run)];
  state.done_steps = (step.epoch - 1) * step.steps + step.step;
  state.loss = step.loss;
  state.accuracy = step.accuracy;
  state.images_per_second = step.images_per_second;
  if (steps_ <= 0) return;
  std::int64_t done = 0;
  int running = 0;
  TrainingStep all;
  for (const RunState& each : runs_) {
    done += each.finished ? epochs_ * steps_ : each.done_steps;
    if (!each.running) continue;
    ++running;
    all.loss += each.loss;
    all.accuracy += each.accuracy;
    all.images_per_second += each.images_per_second;
  }
  all.loss /= std::max(1, running);
  all.accuracy /= std::max(1, running);
  all.epochs = epochs_ * static_cast<std::int64_t>(runs_.size());
  all.steps = steps_;
  all.epoch = std::clamp((done + steps_ - 1) / steps_, std::int64_t{1}, all.epochs);
  all.step = done - (all.epoch - 1) * steps_;
  shown_->Step(all);
}

}  // namespace sculpt
