#include "supernet/training/shown_training.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sculpt {
namespace {

// Writes down what a training showed, one event a string.
class RecordingProgress final : public TrainingProgress {
 public:
  void Begin(std::string_view title, std::int64_t first_epoch, std::int64_t epochs,
             std::int64_t /*steps_per_epoch*/) override {
    events.push_back("begin " + std::string(title) + " " + std::to_string(first_epoch) + "/" +
                     std::to_string(epochs));
  }
  void Step(const TrainingStep& step) override {
    events.push_back("step " + std::to_string(step.epoch) + "." + std::to_string(step.step));
  }
  void EpochDone(std::int64_t epoch, const Metrics& /*values*/) override {
    events.push_back("epoch " + std::to_string(epoch));
  }
  void EpochDoneOf(std::string_view, std::int64_t, std::int64_t, const Metrics&) override {}
  void End() override { events.push_back("end"); }
  void Note(std::string_view text) override { events.push_back("note " + std::string(text)); }

  std::vector<std::string> events;
};

TrainingStep StepOf(std::int64_t epoch, std::int64_t step) { return {epoch, 4, step, 2, 0, 0, 0}; }

TEST(ShownTrainingTest, BeginsAtTheFirstStepWithItsEpochAndEndsOnce) {
  RecordingProgress progress;
  std::atomic<bool> stop{false};
  ShownTraining shown(&progress, "retrain", &stop);
  int before = 0;
  shown.ResumesFrom("model", "run.ckpt");
  shown.BeforeFirstStep([&](const TrainingStep& step) {
    ++before;
    progress.Note("logged from epoch " + std::to_string(step.epoch));
  });
  EXPECT_FALSE(shown.Began());
  EXPECT_TRUE(shown.Step(StepOf(3, 1)));  // a training resumed after epoch 2
  EXPECT_TRUE(shown.Step(StepOf(3, 2)));
  EXPECT_TRUE(shown.EpochDone(3, {}));
  stop = true;
  EXPECT_FALSE(shown.Step(StepOf(4, 1)));  // a stop request stops the training
  EXPECT_FALSE(shown.EpochDone(4, {}));
  shown.End();
  shown.End();
  EXPECT_EQ(before, 1);
  EXPECT_TRUE(shown.Began());
  const std::vector<std::string> expected = {"note resuming the model's training after epoch 2 "
                                             "from run.ckpt",
                                             "note logged from epoch 3", "begin retrain 3/4",
                                             "step 3.1", "step 3.2", "epoch 3", "step 4.1",
                                             "epoch 4", "end"};
  EXPECT_EQ(progress.events, expected);
}

TEST(ShownTrainingTest, ATrainingThatThrowsLeavesNoDisplayOpenAndOneWithoutStepsOpensNone) {
  RecordingProgress progress;
  try {
    ShownTraining shown(&progress, "supernet", nullptr);
    shown.Step(StepOf(1, 1));
    throw std::runtime_error("the training failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(progress.events.back(), "end");
  progress.events.clear();
  {
    ShownTraining untouched(&progress, "supernet", nullptr);  // reused: nothing to train
    untouched.End();
    EXPECT_FALSE(untouched.Began());
  }
  EXPECT_TRUE(progress.events.empty());
  // Without a display the stop request is still answered.
  std::atomic<bool> stop{true};
  ShownTraining hidden(nullptr, "retrain", &stop);
  EXPECT_FALSE(hidden.Step(StepOf(1, 1)));
}

}  // namespace
}  // namespace sculpt
