#include "supernet/training/spos_trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "supernet/data/dataset.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/torch_threads.h"
#include "tests/supernet/test_data.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

nb201::Skeleton Tiny() { return testing::TinySkeleton(4); }
const ModelFamily& TinyFamily() {
  static const std::unique_ptr<ModelFamily> family = MakeNb201Family(Tiny());
  return *family;
}

class SposTrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    DatasetOptions options;
    options.validation_size = 64;
    options.augmentation.horizontal_flip = true;
    data_ = std::make_unique<ImageDataset>(testing::MakeImages(320, 8, 4, 1), ImageSet{},
                                           options);
  }

  static SposOptions Small(std::int64_t epochs) {
    SposOptions options;
    options.epochs = epochs;
    options.batch_size = 32;
    options.learning_rate = 0.1;
    options.seed = 17;
    return options;
  }

  static std::vector<torch::Tensor> Snapshot(const SposTrainer& trainer) {
    std::vector<torch::Tensor> copies;
    for (const auto& p : trainer.Model()->Module().parameters()) {
      copies.push_back(p.detach().clone());
    }
    return copies;
  }

  static bool SameWeights(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!torch::equal(a[i], b[i])) return false;
    }
    return true;
  }

  std::unique_ptr<ImageDataset> data_;
};

TEST_F(SposTrainerTest, LossDecreases) {
  SposTrainer trainer(TinyFamily(), *data_, Small(6));
  EXPECT_EQ(trainer.StepsPerEpoch(), 8);
  std::vector<EpochStats> epochs;
  trainer.Train([&](const EpochStats& stats) {
    epochs.push_back(stats);
    return true;
  });
  ASSERT_EQ(epochs.size(), 6u);
  EXPECT_TRUE(trainer.Finished());
  EXPECT_EQ(epochs.back().epoch, 6);
  EXPECT_GT(epochs.front().loss, 1.2 * epochs.back().loss);
  EXPECT_GT(epochs.back().accuracy, 0.45);  // 4 classes: chance is 0.25
  EXPECT_GT(epochs.front().images_per_second, 0);
  EXPECT_LT(epochs.back().learning_rate, 0.1 * 0.1);  // cosine towards 0
  EXPECT_FALSE(trainer.Model()->Module().is_training());
}

TEST_F(SposTrainerTest, ResumedRunEqualsUninterruptedRunAndFinishedIsReused) {
  const auto dir = testing::TempDir("ckpt");
  SposOptions options = Small(3);
  options.checkpoint = dir / "whole.pt";
  SposTrainer whole(TinyFamily(), *data_, options);
  whole.Train();

  options.checkpoint = dir / "parts.pt";
  {
    SposTrainer trainer(TinyFamily(), *data_, options);
    trainer.Train([](const EpochStats&) { return false; });  // stop after one epoch
    EXPECT_EQ(trainer.CompletedEpochs(), 1);
    EXPECT_FALSE(SameWeights(Snapshot(trainer), Snapshot(whole)));
  }
  std::vector<std::int64_t> trained;
  SposTrainer trainer(TinyFamily(), *data_, options);
  trainer.Train([&](const EpochStats& stats) {
    trained.push_back(stats.epoch);
    return true;
  });
  EXPECT_EQ(trained, (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(SameWeights(Snapshot(trainer), Snapshot(whole)));

  // A finished checkpoint is loaded, not retrained.
  int calls = 0;
  SposTrainer again(TinyFamily(), *data_, options);
  again.Train([&](const EpochStats&) { return ++calls > 0; });
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(again.Finished());
  EXPECT_TRUE(SameWeights(Snapshot(again), Snapshot(whole)));

  // Other settings: refused, with the difference shown.
  options.learning_rate = 0.2;
  try {
    SposTrainer(TinyFamily(), *data_, options).Train();
    FAIL() << "a checkpoint of other settings was used";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("lr=0.2"), std::string::npos) << e.what();
  }
  std::filesystem::resize_file(dir / "whole.pt", 100);
  options = Small(3);
  options.checkpoint = dir / "whole.pt";
  EXPECT_THROW(SposTrainer(TinyFamily(), *data_, options).Train(), UserError);
}

// The sandwich rule trains several paths a step, and is part of the checkpoint's settings.
TEST_F(SposTrainerTest, SandwichTrainsAndIsPartOfTheFingerprint) {
  const auto dir = testing::TempDir("sandwich");
  SposOptions options = Small(2);
  options.checkpoint = dir / "s.pt";
  options.sampling = PathSampling::kSandwich;
  options.sandwich_random = 1;
  SposTrainer sandwich(TinyFamily(), *data_, options);
  std::vector<EpochStats> epochs;
  sandwich.Train([&](const EpochStats& stats) {
    epochs.push_back(stats);
    return true;
  });
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_LT(epochs.back().loss, epochs.front().loss);
  options.sampling = PathSampling::kUniform;
  EXPECT_THROW(SposTrainer(TinyFamily(), *data_, options).Train(), UserError);
}

// Weight decay and momentum must not move candidates off the sampled path: between two steps,
// only the conv candidates of the second step's path change.
TEST_F(SposTrainerTest, UnsampledCandidatesStayPut) {
  SposOptions options = Small(2);
  options.steps_per_epoch = 1;
  options.weight_decay = 0.01;
  SposTrainer trainer(TinyFamily(), *data_, options);
  Nb201Supernet supernet = AsNb201(*trainer.Model());
  auto& cell = *supernet->cells->ptr(0)->as<Nb201SearchCellImpl>();
  auto changed = [&](const std::vector<std::vector<torch::Tensor>>& before) {
    std::vector<int> ops(nb201::kNumEdges, -1);
    for (int e = 0; e < nb201::kNumEdges; ++e) {
      for (int op : {nb201::kConv1x1, nb201::kConv3x3}) {
        const auto now = cell.Candidate(e, op)->parameters();
        const auto& then = before[e * nb201::kNumOps + op];
        bool moved = false;
        for (std::size_t i = 0; i < now.size(); ++i) moved |= !torch::equal(now[i], then[i]);
        if (moved) {
          EXPECT_EQ(ops[e], -1) << "two candidates of edge " << e << " moved in one step";
          ops[e] = op;
        }
      }
    }
    return ops;
  };
  auto snapshot = [&] {
    std::vector<std::vector<torch::Tensor>> all(nb201::kNumEdges * nb201::kNumOps);
    for (int e = 0; e < nb201::kNumEdges; ++e) {
      for (int op : {nb201::kConv1x1, nb201::kConv3x3}) {
        for (const auto& p : cell.Candidate(e, op)->parameters()) {
          all[e * nb201::kNumOps + op].push_back(p.detach().clone());
        }
      }
    }
    return all;
  };
  auto start = snapshot();
  std::vector<std::vector<int>> moved;
  trainer.Train([&](const EpochStats&) {
    moved.push_back(changed(start));
    start = snapshot();
    return true;
  });
  ASSERT_EQ(moved.size(), 2u);
  // The test only means something if a conv of step 1 was not on step 2's path.
  bool left_behind = false;
  for (int e = 0; e < nb201::kNumEdges; ++e) {
    left_behind |= moved[0][e] != -1 && moved[1][e] != moved[0][e];
  }
  EXPECT_TRUE(left_behind) << "pick another seed";
}

TEST_F(SposTrainerTest, RejectsOptionsThatDoNotFitTheData) {
  SposOptions options = Small(1);
  options.batch_size = 512;
  EXPECT_THROW(SposTrainer(TinyFamily(), *data_, options), UserError);
  options = Small(1);
  options.steps_per_epoch = 9;
  EXPECT_THROW(SposTrainer(TinyFamily(), *data_, options), UserError);
  nb201::Skeleton wrong = Tiny();
  wrong.input_size = 12;
  try {
    SposTrainer(*MakeNb201Family(wrong), *data_, Small(1));
    FAIL() << "a 12x12 skeleton trained on 8x8 images";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("\"input_size\": 8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sculpt
