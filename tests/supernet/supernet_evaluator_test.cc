// The evaluators that train networks ("supernet", "train") on a tiny synthetic data set.

#include <gtest/gtest.h>

#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include <ATen/Parallel.h>

#include "spaces/nb201.h"
#include "spaces/options.h"
#include "supernet/evaluators/evaluators.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/torch_threads.h"
#include "tests/supernet/test_data.h"
#include "tests/supernet/thread_workers.h"

namespace sculpt {
namespace {

// Records what Prepare logs, and raises a stop flag after `stop_after_epochs` epochs.
class RecordingLog final : public TrainingLog, public TrainingProgress {
 public:
  std::int64_t BeginRun(std::string_view kind, const nlohmann::json& config) override {
    kinds.emplace_back(kind);
    configs.push_back(config);
    first_epochs.push_back(config.value("first_epoch", -1));
    return static_cast<std::int64_t>(kinds.size());
  }
  void RecordEpoch(std::int64_t /*run*/, int epoch, const Metrics& values) override {
    epochs.push_back(epoch);
    EXPECT_TRUE(values.count("train_loss") == 1 && values.count("train_accuracy") == 1);
  }
  void FinishRun(std::int64_t /*run*/, std::string_view status, const Metrics&) override {
    statuses.emplace_back(status);
  }
  void Begin(std::string_view title, std::int64_t, std::int64_t, std::int64_t) override {
    titles.emplace_back(title);
  }
  void Step(const TrainingStep& step) override { ++steps; last_step = step; }
  void EpochDone(std::int64_t epoch, const Metrics&) override {
    ++total_epochs;
    if (stop_after_epochs > 0 && epoch >= stop_after_epochs) stop = true;
    if (stop_after_total_epochs > 0 && total_epochs >= stop_after_total_epochs) stop = true;
  }
  void EpochDoneOf(std::string_view title, std::int64_t epoch, std::int64_t,
                   const Metrics& values) override {
    epoch_titles.emplace_back(title);
    EpochDone(epoch, values);
  }
  void End() override {}
  void Note(std::string_view text) override { notes.emplace_back(text); }

  std::vector<std::string> kinds, statuses, notes, titles, epoch_titles;
  std::vector<nlohmann::json> configs;
  std::vector<std::int64_t> first_epochs;
  std::vector<int> epochs;
  std::int64_t steps = 0;
  TrainingStep last_step;
  std::int64_t stop_after_epochs = 0;        // of one training run
  int total_epochs = 0;                      // of all training runs
  int stop_after_total_epochs = 0;
  std::atomic<bool> stop{false};
};

class SupernetEvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    dir_ = testing::TempDir("data");
    testing::WriteIdxDataset(dir_ / "data", 320, 64, 8, 4);
    skeleton_.channels = 4;
    skeleton_.cells_per_stage = 1;
    skeleton_.input_channels = 1;
    skeleton_.input_size = 8;
    skeleton_.classes = 4;
    space_ = nb201::MakeSpace(skeleton_);
  }

  nlohmann::json SupernetConfig() const {
    return {{"dataset", {{"path", (dir_ / "data").string()}, {"validation_size", 64}}},
            {"training", {{"epochs", 3}, {"batch_size", 32}, {"learning_rate", 0.1}}},
            {"eval_images", 64},
            {"eval_batch_size", 32},
            {"latency_runs", 3}};
  }

  // Builds an evaluator from `config`; fails the test on config errors (shown).
  std::unique_ptr<Evaluator> Build(const std::string& type, const nlohmann::json& config,
                                   std::vector<std::string>* errors = nullptr) const {
    ConfigErrors found;
    nlohmann::json canonical;
    Options options(config, "evaluator", found, &canonical);
    EvaluatorContext context{space_.get(), dir_, 1, 7};
    context.space_config = nb201::SkeletonJson(skeleton_);
    std::shared_ptr<const ModelFamily> family;
    if (with_family_) family = MakeNb201Family(skeleton_);
    auto evaluator = type == "supernet" ? MakeSupernetEvaluator(options, context, family, ExportedModelReader())
                                        : MakeTrainEvaluator(options, context, family);
    options.Finish();
    if (errors != nullptr) {
      *errors = found.Messages();
    } else {
      EXPECT_TRUE(found.Empty()) << found.Messages().front();
    }
    return found.Empty() ? std::move(evaluator) : nullptr;
  }

  // A few-shot supernet: 2 one-shot epochs, then `few_shot`'s settings.
  nlohmann::json FewShotConfig(const nlohmann::json& few_shot) const {
    nlohmann::json config = SupernetConfig();
    config["training"]["epochs"] = 2;
    config["kind"] = "few_shot";
    config["few_shot"] = few_shot;
    config["latency_runs"] = 0;
    return config;
  }

  std::vector<Architecture> SomeCells() const {
    std::vector<Architecture> cells;
    Rng rng(3);
    while (cells.size() < 8) {
      Architecture arch = space_->Sample(rng);
      if (space_->IsValid(arch)) cells.push_back(arch);
    }
    return cells;
  }

  std::filesystem::path dir_;
  nb201::Skeleton skeleton_;
  std::unique_ptr<SearchSpace> space_;
  bool with_family_ = true;  // false: as for a space without networks
};

TEST_F(SupernetEvaluatorTest, ParallelScoresEqualSerialScores) {
  auto evaluator = Build("supernet", SupernetConfig());
  ASSERT_NE(evaluator, nullptr);
  PrepareContext context;  // no checkpoint, log or display
  evaluator->Prepare(context);
  const std::vector<Architecture> cells = SomeCells();
  std::vector<Metrics> serial;
  for (const Architecture& arch : cells) serial.push_back(evaluator->Evaluate(arch, {}));
  std::vector<Metrics> parallel(cells.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      // Each thread walks the cells in its own order.
      for (std::size_t k = 0; k < cells.size(); ++k) {
        const std::size_t i = (k * 3 + static_cast<std::size_t>(t)) % cells.size();
        if (i % 3 == static_cast<std::size_t>(t)) parallel[i] = evaluator->Evaluate(cells[i], {});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  bool differ = false;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(parallel[i].at("accuracy"), serial[i].at("accuracy")) << i;
    EXPECT_EQ(parallel[i].at("loss"), serial[i].at("loss")) << i;
    EXPECT_GT(serial[i].at("latency_ms"), 0.0);
    EXPECT_GE(serial[i].at("accuracy"), 0.0);
    EXPECT_LE(serial[i].at("accuracy"), 1.0);
    differ = differ || serial[i].at("loss") != serial[0].at("loss");
  }
  EXPECT_TRUE(differ) << "every cell scored the same: the path does not matter";
  EXPECT_EQ(evaluator->VisibleMetrics(),
            (std::vector<std::string>{"accuracy", "loss", "latency_ms"}));
}

TEST_F(SupernetEvaluatorTest, EvaluateBeforePrepareIsABug) {
  auto evaluator = Build("supernet", SupernetConfig());
  ASSERT_NE(evaluator, nullptr);
  EXPECT_THROW(evaluator->Evaluate(SomeCells().front(), {}), InternalError);
}

TEST_F(SupernetEvaluatorTest, InterruptedTrainingResumesAndFinishedSupernetIsReused) {
  const std::filesystem::path checkpoints = dir_ / "db.supernet";
  const Architecture arch = SomeCells().front();

  // Reference: trained in one go, without checkpoints.
  auto reference = Build("supernet", SupernetConfig());
  PrepareContext plain;
  reference->Prepare(plain);
  const Metrics expected = reference->Evaluate(arch, {});

  // Interrupted after the first epoch: nothing usable yet.
  RecordingLog first;
  first.stop_after_epochs = 1;
  auto interrupted = Build("supernet", SupernetConfig());
  PrepareContext context{&first, &first, &first.stop, checkpoints};
  interrupted->Prepare(context);
  EXPECT_EQ(first.kinds, std::vector<std::string>{"supernet"});
  EXPECT_EQ(first.epochs, std::vector<int>{1});
  EXPECT_EQ(first.statuses, std::vector<std::string>{"interrupted"});
  EXPECT_THROW(interrupted->Evaluate(arch, {}), InternalError);

  // The next run resumes at epoch 2 and ends where the uninterrupted run ended.
  RecordingLog second;
  auto resumed = Build("supernet", SupernetConfig());
  PrepareContext context2{&second, &second, &second.stop, checkpoints};
  resumed->Prepare(context2);
  EXPECT_EQ(second.first_epochs, std::vector<std::int64_t>{2});
  EXPECT_EQ(second.epochs, (std::vector<int>{2, 3}));
  EXPECT_EQ(second.statuses, std::vector<std::string>{"finished"});
  EXPECT_EQ(resumed->Evaluate(arch, {}).at("loss"), expected.at("loss"));

  // A third run of the same settings trains nothing and scores the same.
  RecordingLog third;
  auto reused = Build("supernet", SupernetConfig());
  PrepareContext context3{&third, &third, &third.stop, checkpoints};
  reused->Prepare(context3);
  EXPECT_TRUE(third.kinds.empty());
  EXPECT_EQ(third.steps, 0);
  ASSERT_EQ(third.notes.size(), 1U);
  EXPECT_NE(third.notes[0].find("reusing"), std::string::npos) << third.notes[0];
  EXPECT_EQ(reused->Evaluate(arch, {}).at("loss"), expected.at("loss"));

  // Other settings get a checkpoint of their own: they train.
  nlohmann::json other = SupernetConfig();
  other["training"]["epochs"] = 1;
  RecordingLog fourth;
  auto retrained = Build("supernet", other);
  PrepareContext context4{&fourth, &fourth, &fourth.stop, checkpoints};
  retrained->Prepare(context4);
  EXPECT_EQ(fourth.epochs, std::vector<int>{1});
}

TEST_F(SupernetEvaluatorTest, SkeletonThatDoesNotFitTheDataIsAConfigError) {
  skeleton_.input_size = 12;
  space_ = nb201::MakeSpace(skeleton_);
  std::vector<std::string> errors;
  EXPECT_EQ(Build("supernet", SupernetConfig(), &errors), nullptr);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0].find("evaluator.dataset"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("\"input_size\": 8"), std::string::npos) << errors[0];

  nlohmann::json config = SupernetConfig();
  config["dataset"]["path"] = (dir_ / "nowhere").string();
  config.erase("eval_images");
  config.erase("latency_runs");
  config["valid_imags"] = 3;
  EXPECT_EQ(Build("train", config, &errors), nullptr);
  ASSERT_EQ(errors.size(), 2U) << errors[0] << "\n" << errors[1] << "\n" << errors[2];
  EXPECT_NE(errors[0].find("evaluator.dataset.path: no such folder"), std::string::npos)
      << errors[0];
  EXPECT_NE(errors[1].find("did you mean 'valid_images'?"), std::string::npos) << errors[1];
}

TEST_F(SupernetEvaluatorTest, ASpaceWithoutNetworksIsAConfigError) {
  with_family_ = false;
  std::vector<std::string> errors;
  EXPECT_EQ(Build("supernet", SupernetConfig(), &errors), nullptr);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("needs a space with networks"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("'nb201'"), std::string::npos) << errors[0];
}

TEST_F(SupernetEvaluatorTest, TrainEvaluatorTrainsFromScratchAndReportsTestAccuracy) {
  nlohmann::json config = {
      {"dataset", {{"path", (dir_ / "data").string()}, {"validation_size", 64}}},
      {"training", {{"epochs", 4}, {"batch_size", 32}, {"learning_rate", 0.1}}}};
  auto evaluator = Build("train", config);
  ASSERT_NE(evaluator, nullptr);
  EXPECT_EQ(evaluator->ReportedMetrics(),
            (std::vector<std::string>{"test_accuracy", "test_loss", "train_seconds"}));
  const Architecture conv = space_->Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|"
                                          "skip_connect~0|skip_connect~1|nor_conv_3x3~2|");
  const Metrics first = evaluator->Evaluate(conv, {});
  EXPECT_GT(first.at("valid_accuracy"), 0.5);  // 4 classes: chance is 0.25
  EXPECT_GT(first.at("test_accuracy"), 0.5);
  EXPECT_GT(first.at("train_seconds"), 0.0);
  // Same seeds: the same score again, whenever it is computed.
  EXPECT_EQ(evaluator->Evaluate(conv, {}).at("valid_loss"), first.at("valid_loss"));
}

TEST_F(SupernetEvaluatorTest, FewShotTrainsOneSubSupernetPerValueResumesAndIsReused) {
  const nlohmann::json few_shot = {{"split", "edge1"}, {"epochs", 1}};
  Rng rng(4);
  std::vector<Architecture> cells;
  for (int i = 0; i < 6; ++i) cells.push_back(space_->Sample(rng));

  // Reference: in one go, without checkpoints.
  auto reference = Build("supernet", FewShotConfig(few_shot));
  PrepareContext plain;
  reference->Prepare(plain);
  std::vector<double> expected;
  for (const Architecture& arch : cells) {
    expected.push_back(reference->Evaluate(arch, {}).at("loss"));
  }

  // Interrupted during the third sub-supernet: 2 one-shot epochs + 2 sub-supernets + 1.
  const std::filesystem::path checkpoints = dir_ / "db.supernet";
  RecordingLog first;
  first.stop_after_total_epochs = 2 + 2;
  auto interrupted = Build("supernet", FewShotConfig(few_shot));
  PrepareContext context{&first, &first, &first.stop, checkpoints};
  interrupted->Prepare(context);
  EXPECT_EQ(first.titles, (std::vector<std::string>{"supernet", "sub-supernet 1/5 (edge1=none)",
                                                    "sub-supernet 2/5 (edge1=skip_connect)"}));
  EXPECT_EQ(first.statuses, (std::vector<std::string>{"finished", "finished", "finished"}));
  EXPECT_THROW(interrupted->Evaluate(cells[0], {}), InternalError);
  ASSERT_EQ(first.configs.size(), 3U);
  EXPECT_EQ(first.configs[2]["few_shot"]["value"], "skip_connect");

  // Resumed: the one-shot supernet and two sub-supernets are reused, three more trained; the
  // scores equal the uninterrupted run's.
  RecordingLog second;
  auto resumed = Build("supernet", FewShotConfig(few_shot));
  PrepareContext context2{&second, &second, &second.stop, checkpoints};
  resumed->Prepare(context2);
  EXPECT_EQ(second.titles.size(), 3U);
  EXPECT_EQ(second.total_epochs, 3);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(resumed->Evaluate(cells[i], {}).at("loss"), expected[i]) << i;
  }
  ASSERT_FALSE(second.notes.empty());
  EXPECT_NE(second.notes.back().find("5 sub-supernets split on edge1"), std::string::npos)
      << second.notes.back();

  // Later runs of the same settings train nothing.
  RecordingLog third;
  auto reused = Build("supernet", FewShotConfig(few_shot));
  PrepareContext context3{&third, &third, &third.stop, checkpoints};
  reused->Prepare(context3);
  EXPECT_EQ(third.total_epochs, 0);
  EXPECT_TRUE(third.kinds.empty());
  EXPECT_EQ(reused->Evaluate(cells[1], {}).at("loss"), expected[1]);

  // The one-shot supernet alone is the same checkpoint: a one-shot run reuses it.
  nlohmann::json one_shot = FewShotConfig(few_shot);
  one_shot.erase("kind");
  one_shot.erase("few_shot");
  RecordingLog fourth;
  auto plain_run = Build("supernet", one_shot);
  PrepareContext context4{&fourth, &fourth, &fourth.stop, checkpoints};
  plain_run->Prepare(context4);
  EXPECT_EQ(fourth.total_epochs, 0);
}

TEST_F(SupernetEvaluatorTest, SubSupernetsTrainSideBySideOnTheWorkersAsTheyWouldInTurn) {
  const nlohmann::json few_shot = {{"split", "edge2"}, {"epochs", 2}};
  Rng rng(5);
  std::vector<Architecture> cells;
  for (int i = 0; i < 6; ++i) cells.push_back(space_->Sample(rng));
  // One after the other, one thread, no checkpoints.
  nlohmann::json in_turn = FewShotConfig(few_shot);
  in_turn["few_shot"]["side_by_side"] = false;
  auto reference = Build("supernet", in_turn);
  testing::ThreadWorkers unused(2);
  PrepareContext plain;
  plain.workers = &unused;
  reference->Prepare(plain);
  EXPECT_TRUE(unused.job_threads.empty());
  std::vector<double> expected;
  for (const Architecture& arch : cells) {
    expected.push_back(reference->Evaluate(arch, {}).at("loss"));
  }

  // Side by side on 2 workers of one thread each, interrupted once 3 sub-supernet epochs are
  // done (2 one-shot epochs before them): what was running stops at its next step.
  const std::filesystem::path checkpoints = dir_ / "db.supernet";
  testing::ThreadWorkers workers(2);
  RecordingLog first;
  first.stop_after_total_epochs = 2 + 3;
  auto interrupted = Build("supernet", FewShotConfig(few_shot));
  PrepareContext context{&first, &first, &first.stop, checkpoints, &workers};
  interrupted->Prepare(context);
  EXPECT_FALSE(workers.job_threads.empty());
  EXPECT_THROW(interrupted->Evaluate(cells[0], {}), InternalError);
  // The bar is shared; each sub-supernet's epochs are lines of their own, and runs in the log.
  ASSERT_EQ(first.titles.size(), 2U);
  EXPECT_EQ(first.titles[1],
            "5 sub-supernets (edge2), 2 side by side (2 epochs each; the 10 epochs of them all "
            "counted below as one)");
  EXPECT_GE(first.epoch_titles.size(), 3U);
  for (const std::string& title : first.epoch_titles) {
    EXPECT_EQ(title.rfind("sub-supernet ", 0), 0U) << title;
  }
  EXPECT_GE(first.kinds.size(), 3U);
  EXPECT_LE(first.kinds.size(), 1U + 5U);
  for (std::size_t i = 1; i < first.configs.size(); ++i) {
    EXPECT_EQ(first.configs[i]["threads"], 1) << i;
  }

  // Resumed side by side: the same scores as in turn, whatever ran where and when.
  RecordingLog second;
  auto resumed = Build("supernet", FewShotConfig(few_shot));
  PrepareContext context2{&second, &second, &second.stop, checkpoints, &workers};
  resumed->Prepare(context2);
  // (A sub-supernet at the last step of an epoch when the stop came may have finished it.)
  EXPECT_EQ(second.total_epochs, 2 * 5 - (first.total_epochs - 2));
  for (std::size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(resumed->Evaluate(cells[i], {}).at("loss"), expected[i]) << i;
  }
  EXPECT_EQ(second.last_step.epochs, 2 * 5);
  EXPECT_EQ(second.last_step.epoch, 2 * 5);
}

TEST_F(SupernetEvaluatorTest, SideBySideJobsUseTheWorkersShareOfTheCoresAndGiveTheRestBack) {
  // The one-shot supernet trains on Prepare's thread with the process's 2 threads; each
  // sub-supernet with threads_per_worker (1); Prepare's thread keeps its 2 afterwards.
  SetTorchThreads(2);
  testing::ThreadWorkers workers(2);
  RecordingLog log;
  auto evaluator = Build("supernet", FewShotConfig({{"split", "edge0"}, {"epochs", 1}}));
  PrepareContext context{nullptr, &log, nullptr, {}, &workers};
  evaluator->Prepare(context);
  EXPECT_EQ(at::get_num_threads(), 2);
  ASSERT_EQ(log.configs.size(), 1U + nb201::kNumOps);
  EXPECT_EQ(log.configs[0]["threads"], 2);
  for (std::size_t i = 1; i < log.configs.size(); ++i) EXPECT_EQ(log.configs[i]["threads"], 1) << i;
  EXPECT_EQ(log.statuses, std::vector<std::string>(1 + nb201::kNumOps, "finished"));
}

TEST_F(SupernetEvaluatorTest, FewShotAutoSplitsWhereGradientsDisagreeMostAndKeepsTheChoice) {
  const nlohmann::json few_shot = {{"split", "auto"}, {"epochs", 1}, {"auto_batches", 2}};
  const std::filesystem::path checkpoints = dir_ / "db.supernet";
  RecordingLog first;
  auto evaluator = Build("supernet", FewShotConfig(few_shot));
  PrepareContext context{&first, &first, &first.stop, checkpoints};
  evaluator->Prepare(context);
  ASSERT_FALSE(first.notes.empty());
  EXPECT_EQ(first.notes.front().rfind("gradient matching splits on edge", 0), 0U)
      << first.notes.front();
  const std::string chosen = first.notes.front().substr(28, 5);  // "edgeK"
  EXPECT_EQ(first.titles.size(), 1U + nb201::kNumOps);
  EXPECT_NE(first.titles[1].find("(" + chosen + "=none)"), std::string::npos) << first.titles[1];

  // The choice is kept with the sub-supernets: the next run does not match gradients again.
  RecordingLog second;
  auto again = Build("supernet", FewShotConfig(few_shot));
  PrepareContext context2{&second, &second, &second.stop, checkpoints};
  again->Prepare(context2);
  for (const std::string& note : second.notes) {
    EXPECT_EQ(note.find("gradient matching"), std::string::npos) << note;
  }
  EXPECT_EQ(second.total_epochs, 0);
}

TEST_F(SupernetEvaluatorTest, FewShotBadSplitsAreConfigErrorsThatNameTheDecisions) {
  std::vector<std::string> errors;
  EXPECT_EQ(Build("supernet", FewShotConfig({{"split", "edge9"}}), &errors), nullptr);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0].find("evaluator.few_shot.split"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("no decision 'edge9'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("edge0, edge1, edge2, edge3, edge4, edge5, or auto"),
            std::string::npos)
      << errors[0];

  EXPECT_EQ(Build("supernet", FewShotConfig({{"split", "egde2"}}), &errors), nullptr);
  EXPECT_NE(errors.at(0).find("did you mean 'edge2'"), std::string::npos) << errors[0];

  EXPECT_EQ(Build("supernet", FewShotConfig({{"epochs", 0}}), &errors), nullptr);
  EXPECT_NE(errors.at(0).find("few_shot.epochs"), std::string::npos) << errors[0];

  nlohmann::json one_shot_with_block = FewShotConfig({{"split", "edge0"}});
  one_shot_with_block["kind"] = "one_shot";
  EXPECT_EQ(Build("supernet", one_shot_with_block, &errors), nullptr);
  EXPECT_NE(errors.at(0).find("only with \"kind\": \"few_shot\""), std::string::npos) << errors[0];

  nlohmann::json bad_kind = FewShotConfig({});
  bad_kind["kind"] = "two_shot";
  EXPECT_EQ(Build("supernet", bad_kind, &errors), nullptr);
  EXPECT_NE(errors.at(0).find("evaluator.kind"), std::string::npos) << errors[0];
}

TEST_F(SupernetEvaluatorTest, FewShotDefaultSplitIsTheFirstDecision) {
  RecordingLog log;
  PrepareContext context{&log, &log, &log.stop, {}};
  nlohmann::json config = FewShotConfig(nlohmann::json::object());
  config["training"]["epochs"] = 1;
  config["few_shot"]["epochs"] = 1;
  auto quick = Build("supernet", config);
  quick->Prepare(context);
  ASSERT_EQ(log.titles.size(), 6U);
  EXPECT_EQ(log.titles[5], "sub-supernet 5/5 (edge0=avg_pool_3x3)");
}

}  // namespace
}  // namespace sculpt
