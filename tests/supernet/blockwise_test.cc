// Block-wise distillation (supernet/blockwise/): the family's block decisions, block training
// against a teacher of another width, side-by-side training, the block score table, and
// teachers that do not fit.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>
#include <set>

#include "spaces/errors.h"
#include "spaces/nb201.h"
#include "spaces/rng.h"
#include "spaces/transformer.h"
#include "supernet/blockwise/block_distiller.h"
#include "supernet/blockwise/block_score_table.h"
#include "supernet/blockwise/block_shrinking.h"
#include "supernet/data/dataset.h"
#include "supernet/families.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/torch_threads.h"
#include "tests/supernet/test_data.h"
#include "tests/supernet/thread_workers.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

// 4 layers (2 blocks of 2 layers), widths 8 and 16, heads 0-2 of 4 channels, FFN 0 or 16.
transformer::Skeleton Student() {
  transformer::Skeleton s = testing::TinyTransformerSkeleton(4, {0, 1, 2});
  s.embed_dims = {8, 16};
  return s;
}

// A wider teacher on the same images and classes: 24 channels, 2 heads per layer.
transformer::Skeleton Teacher() {
  transformer::Skeleton s = testing::TinyTransformerSkeleton(4, {2});
  s.embed_dims = {24};
  s.ffn_dims = {32};
  return s;
}

SposOptions Small(std::int64_t epochs) {
  SposOptions options;
  options.epochs = epochs;
  options.batch_size = 32;
  options.optimizer = "adamw";
  options.learning_rate = 0.01;
  options.weight_decay = 0.0;
  options.seed = 5;
  return options;
}

class BlockwiseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    DatasetOptions options;
    options.validation_size = 64;
    data_ = std::make_unique<ImageDataset>(testing::MakeImages(320, 8, 3, 1), ImageSet{}, options);
    space_ = transformer::MakeSpace(Student());
    family_ = MakeTransformerFamilyFor(Student());
    teacher_family_ = MakeTransformerFamilyFor(Teacher());
    teacher_ = teacher_family_->BuildNetwork(*transformer::MakeSpace(Teacher())->Largest(), 7);
  }

  std::unique_ptr<BlockDistiller> Distiller(const SposOptions& options, std::uint64_t seed = 3) {
    return std::make_unique<BlockDistiller>(*space_, *family_, family_->BuildSupernet(seed),
                                            *teacher_family_, teacher_, options);
  }

  std::vector<TeacherActivations> ValidationBatches(const BlockDistiller& distiller) const {
    std::vector<TeacherActivations> batches;
    for (std::int64_t first = 0; first < 64; first += 32) {
      std::vector<std::int64_t> positions(32);
      std::iota(positions.begin(), positions.end(), first);
      batches.push_back(
          distiller.Teach(data_->GetBatch(Split::kValidation, positions, nullptr).images));
    }
    return batches;
  }

  std::unique_ptr<ImageDataset> data_;
  std::unique_ptr<SearchSpace> space_;
  std::unique_ptr<ModelFamily> family_;
  std::unique_ptr<ModelFamily> teacher_family_;
  std::shared_ptr<Network> teacher_;
};

TEST_F(BlockwiseTest, TheBlockDecisionsAreAllABlockReads) {
  EXPECT_EQ(family_->BlockDecisions(0), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(family_->BlockDecisions(1), (std::vector<int>{0, 5, 6, 7, 8}));
  EXPECT_EQ(family_->BlockInputFeatures(1, space_->Parse("d8|h1:f16|h0:f0|h2:f0|h1:f16")), 8);
  const auto nb201 = MakeNb201Family(testing::TinySkeleton());
  EXPECT_EQ(nb201->BlockDecisions(2).size(), static_cast<std::size_t>(nb201::kNumEdges));
  EXPECT_EQ(
      nb201->BlockInputFeatures(2, nb201::MakeSpace(testing::TinySkeleton())
                                       ->Parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|"
                                               "none~1|avg_pool_3x3~2|")),
      8);  // C = 4, doubled by stage 2
}

TEST_F(BlockwiseTest, BlockTrainingLowersTheBlockLossOnATinySet) {
  const auto distiller = Distiller(Small(4));
  const std::vector<TeacherActivations> batches = ValidationBatches(*distiller);
  const Architecture path = space_->Parse("d8|h1:f16|h2:f0|h2:f16|h1:f16");
  std::vector<double> before;
  for (int b = 0; b < distiller->Blocks(); ++b) {
    before.push_back(distiller->BlockLoss(b, path, batches.front()));
  }
  const std::vector<BlockTraining> trained =
      distiller->TrainBlocks(*data_, nullptr, 1, nullptr, nullptr, nullptr);
  ASSERT_EQ(trained.size(), 2u);
  for (int b = 0; b < distiller->Blocks(); ++b) {
    const std::vector<double>& losses = trained[static_cast<std::size_t>(b)].epoch_losses;
    ASSERT_EQ(losses.size(), 4u);
    EXPECT_LT(losses.back(), losses.front()) << "block " << b;
    EXPECT_LT(distiller->BlockLoss(b, path, batches.front()), 0.8 * before[b]) << "block " << b;
  }
}

// A skipped block scores as its bridges' fit to the teacher's block. Where the space offers the
// teacher's width beside others, that width is bridged too (so a skipped block of it learns like
// any other width's); where it is the only width, nothing is bridged and a skipped block is the
// identity, its loss fixed.
TEST_F(BlockwiseTest, TheTeachersWidthIsBridgedWhereTheSpaceOffersOthers) {
  transformer::Skeleton teacher = Teacher();
  teacher.block_layers = 1;
  const auto teacher_family = MakeTransformerFamilyFor(teacher);
  const std::shared_ptr<Network> teacher_network =
      teacher_family->BuildNetwork(*transformer::MakeSpace(teacher)->Largest(), 7);
  auto skipped_block_loss = [&](const std::vector<int>& widths, bool train) {
    transformer::Skeleton skeleton = Student();
    skeleton.embed_dims = widths;
    skeleton.block_layers = 1;  // 4 blocks: block 1 (the second layer) is neither first nor last
    const auto space = transformer::MakeSpace(skeleton);
    const auto family = MakeTransformerFamilyFor(skeleton);
    BlockDistiller distiller(*space, *family, family->BuildSupernet(3), *teacher_family,
                             teacher_network, Small(3));
    if (train) distiller.TrainBlocks(*data_, nullptr, 1, nullptr, nullptr, nullptr);
    const TeacherActivations batch = ValidationBatches(distiller).front();
    return distiller.BlockLoss(1, space->Parse("d24|h1:f16|h0:f0|h2:f0|h1:f16"), batch);
  };
  EXPECT_LT(skipped_block_loss({8, 24}, true), 0.9 * skipped_block_loss({8, 24}, false));
  EXPECT_DOUBLE_EQ(skipped_block_loss({24}, true), skipped_block_loss({24}, false));
}

TEST_F(BlockwiseTest, BlocksTrainedSideBySideEqualBlocksTrainedInTurn) {
  const auto in_turn = Distiller(Small(2));
  const auto side_by_side = Distiller(Small(2));
  in_turn->TrainBlocks(*data_, nullptr, 1, nullptr, nullptr, nullptr);
  testing::ThreadWorkers workers(2);
  side_by_side->TrainBlocks(*data_, &workers, 1, nullptr, nullptr, nullptr);
  EXPECT_EQ(workers.job_threads.size(), 2u);
  for (int b = 0; b < in_turn->Blocks(); ++b) {
    const std::vector<at::Tensor> a = in_turn->BlockParameters(b);
    const std::vector<at::Tensor> c = side_by_side->BlockParameters(b);
    ASSERT_EQ(a.size(), c.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], c[i])) << b;
  }
  // Every tensor of the student belongs to exactly one block.
  std::size_t owned = 0;
  for (int b = 0; b < in_turn->Blocks(); ++b) {
    for (const at::Tensor& p : in_turn->BlockParameters(b)) {
      for (const at::Tensor& q : in_turn->Student().Module().parameters()) {
        owned += p.is_same(q) ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(owned, in_turn->Student().Module().parameters().size());
}

TEST_F(BlockwiseTest, AnArchitecturesScoreIsTheSumOfItsBlocksLossesLookedUp) {
  const auto distiller = Distiller(Small(1));
  distiller->TrainBlocks(*data_, nullptr, 1, nullptr, nullptr, nullptr);
  const std::vector<TeacherActivations> batches = ValidationBatches(*distiller);
  testing::ThreadWorkers workers(2);
  int entries = 0;
  std::mutex mutex;
  const BlockScoreTable table =
      BlockScoreTable::Build(*distiller, *family_, batches, &workers, 1, [&] {
        std::lock_guard lock(mutex);
        ++entries;
      }).value();
  // Widths x (3 heads x 2 FFN)^2 layers per block.
  EXPECT_EQ(table.Entries(0), 2u * 36u);
  EXPECT_EQ(table.Entries(1), 2u * 36u);
  EXPECT_EQ(entries, 144);
  Rng rng(11);
  for (int i = 0; i < 20; ++i) {
    const Architecture arch = space_->Sample(rng);
    double sum = 0;
    for (int b = 0; b < table.Blocks(); ++b) {
      // The entry was scored with other choices outside the block: it is the block's own loss.
      double direct = 0;
      for (const TeacherActivations& batch : batches)
        direct += distiller->BlockLoss(b, arch, batch);
      direct /= static_cast<double>(batches.size());
      EXPECT_NEAR(table.BlockScore(b, arch), direct, 1e-6 * (1 + direct)) << space_->Format(arch);
      sum += table.BlockScore(b, arch);
    }
    EXPECT_DOUBLE_EQ(table.Score(arch), sum);
  }
}

TEST_F(BlockwiseTest, AStopRequestEndsScoringTheTableWithNoTable) {
  const auto distiller = Distiller(Small(1));
  const std::vector<TeacherActivations> batches = ValidationBatches(*distiller);
  testing::ThreadWorkers workers(2);
  std::atomic<bool> stop = false;
  std::atomic<int> entries = 0;
  // The request comes while the fifth entry is scored, as a signal would.
  const std::optional<BlockScoreTable> table = BlockScoreTable::Build(
      *distiller, *family_, batches, &workers, 1, [&] { if (++entries == 5) stop = true; },
      &stop);
  EXPECT_FALSE(table.has_value());
  // Each worker finishes the entry it is on, and takes no other: far from the table's 144.
  EXPECT_LE(entries.load(), 6);
}

TEST_F(BlockwiseTest, AStoppedScoringKeepsItsEntriesAndALaterOneScoresOnlyTheRest) {
  const auto distiller = Distiller(Small(1));
  const std::vector<TeacherActivations> batches = ValidationBatches(*distiller);
  testing::ThreadWorkers workers(2);
  const BlockScoreTable full =
      BlockScoreTable::Build(*distiller, *family_, batches, &workers, 1).value();

  BlockScoreTable partial = BlockScoreTable::Layout(distiller->Decisions(), *family_);
  EXPECT_EQ(partial.ScoredEntries(), 0);
  EXPECT_EQ(partial.AllEntries(), 144);
  std::atomic<bool> stop = false;
  std::atomic<int> entries = 0;
  EXPECT_FALSE(partial.ScoreRemaining(
      *distiller, batches, &workers, 1,
      [&] {
        if (++entries == 10) stop = true;
      },
      &stop));
  EXPECT_GE(partial.ScoredEntries(), 10);
  EXPECT_LE(partial.ScoredEntries(), 11);
  EXPECT_FALSE(partial.Complete());

  // Kept as JSON and read back, as a stopped run's file is by the next run.
  std::optional<BlockScoreTable> resumed =
      BlockScoreTable::FromJson(partial.Json(), distiller->Decisions(), *family_);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->ScoredEntries(), partial.ScoredEntries());
  entries = 0;
  EXPECT_TRUE(resumed->ScoreRemaining(*distiller, batches, &workers, 1, [&] { ++entries; }));
  EXPECT_EQ(entries.load(), 144 - partial.ScoredEntries());
  for (int b = 0; b < full.Blocks(); ++b) {
    for (std::size_t e = 0; e < full.Entries(b); ++e) {
      Architecture arch = distiller->BasePath();
      full.WriteEntry(b, static_cast<std::int64_t>(e), arch);
      EXPECT_NEAR(resumed->BlockScore(b, arch), full.BlockScore(b, arch), 1e-9);
    }
  }
  // A complete table's JSON says nothing of which entries are scored: all are.
  EXPECT_FALSE(resumed->Json()["blocks"][0].contains("scored"));
  EXPECT_TRUE(partial.Json()["blocks"][0].contains("scored"));
}

TEST_F(BlockwiseTest, Nb201BlocksTrainWithATeacherOfTheSameSkeleton) {
  const auto space = nb201::MakeSpace(testing::TinySkeleton());
  const auto family = MakeNb201Family(testing::TinySkeleton());
  const std::shared_ptr<Network> teacher = family->BuildNetwork(*space->Largest(), 9);
  BlockDistiller distiller(*space, *family, family->BuildSupernet(2), *family, teacher, Small(4));
  ASSERT_EQ(distiller.Blocks(), 3);
  // The mean loss of ten fixed paths on the validation batches, per block (a step's loss
  // depends on its path far more than on the training so far).
  std::vector<Architecture> paths;
  Rng rng(4);
  for (int i = 0; i < 10; ++i) paths.push_back(space->Sample(rng));
  const std::vector<TeacherActivations> batches = ValidationBatches(distiller);
  auto mean_losses = [&] {
    std::vector<double> losses(3, 0.0);
    for (int b = 0; b < 3; ++b) {
      for (const Architecture& path : paths) {
        for (const TeacherActivations& batch : batches)
          losses[b] += distiller.BlockLoss(b, path, batch);
      }
    }
    return losses;
  };
  const std::vector<double> before = mean_losses();
  distiller.TrainBlocks(*data_, nullptr, 1, nullptr, nullptr, nullptr);
  const std::vector<double> after = mean_losses();
  for (int b = 0; b < 3; ++b) EXPECT_LT(after[b], before[b]) << "block " << b;
}

TEST_F(BlockwiseTest, ATeacherThatDoesNotFitIsRefusedWithItsShapes) {
  auto refused = [&](const transformer::Skeleton& skeleton, const std::string& expected) {
    const auto teacher_family = MakeTransformerFamilyFor(skeleton);
    const std::shared_ptr<Network> teacher =
        teacher_family->BuildNetwork(*transformer::MakeSpace(skeleton)->Largest(), 1);
    try {
      BlockDistiller(*space_, *family_, family_->BuildSupernet(1), *teacher_family, teacher,
                     Small(1));
      ADD_FAILURE() << "accepted a teacher that does not fit: " << expected;
    } catch (const UserError& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  };
  transformer::Skeleton classes = Teacher();
  classes.classes = 5;
  refused(classes, "the logits must match");
  transformer::Skeleton patches = Teacher();
  patches.patch_size = 2;  // 16 tokens instead of 4
  refused(patches, "only the feature size may differ");
  transformer::Skeleton deeper = Teacher();
  deeper.layers = 6;  // 3 blocks
  refused(deeper, "a transformer network, has 3 blocks (layers1-2, layers3-4, layers5-6)");
}

// Shrinking: the cost bins of block 0's alive choices before a round, as Shrink makes them.
std::vector<std::vector<std::int64_t>> CostBins(const BlockShrinking& shrinking,
                                                const SearchSpace& space,
                                                const BlockDistiller& distiller,
                                                const BlockScoreTable& layout, int bins) {
  std::vector<std::int64_t> alive = shrinking.Alive(0);
  auto cost = [&](std::int64_t e) {
    Architecture arch = distiller.BasePath();
    layout.WriteEntry(0, e, arch);
    return space.Cost(arch).at("params");
  };
  std::stable_sort(alive.begin(), alive.end(),
                   [&](std::int64_t a, std::int64_t b) { return cost(a) < cost(b); });
  std::vector<std::vector<std::int64_t>> result;
  const auto size = static_cast<std::int64_t>(alive.size());
  for (int k = 0; k < bins; ++k) {
    result.emplace_back(alive.begin() + size * k / bins, alive.begin() + size * (k + 1) / bins);
  }
  return result;
}

TEST_F(BlockwiseTest, ShrinkingDropsTheWorseHalfOfEachCostBinDownToTheStopSize) {
  const auto distiller = Distiller(Small(1));
  distiller->TrainBlocks(*data_, nullptr, 1, nullptr, nullptr, nullptr);
  ShrinkOptions options;
  options.bins = 4;
  options.stop = 10;
  options.warmup_epochs = 2;
  BlockShrinking shrinking(*distiller, *space_, *family_, ValidationBatches(*distiller), options);
  const BlockScoreTable layout = BlockScoreTable::Layout(distiller->Decisions(), *family_);
  ASSERT_EQ(shrinking.Alive(0).size(), 72u);
  Rng rng(1);
  EXPECT_TRUE(shrinking.Shrink(0, 1, rng).empty()) << "before warmup_epochs";
  // A stop request ends a round before it drops anything.
  const std::atomic<bool> stop_now{true};
  EXPECT_TRUE(shrinking.Shrink(0, 2, rng, &stop_now).empty());
  EXPECT_EQ(shrinking.Alive(0).size(), 72u);

  const std::vector<std::vector<std::int64_t>> bins =
      CostBins(shrinking, *space_, *distiller, layout, 4);
  const std::vector<DroppedChoice> dropped = shrinking.Shrink(0, 2, rng);
  ASSERT_EQ(dropped.size(), 36u);
  EXPECT_EQ(shrinking.Alive(0).size(), 36u);
  EXPECT_EQ(shrinking.Alive(1).size(), 72u) << "another block's choices are its own";
  const std::set<std::int64_t> alive(shrinking.Alive(0).begin(), shrinking.Alive(0).end());
  std::vector<int> per_bin(4, 0);
  for (const DroppedChoice& d : dropped) ++per_bin[static_cast<std::size_t>(d.bin)];
  EXPECT_EQ(per_bin, (std::vector<int>{9, 9, 9, 9}));
  // In each bin, every dropped choice scored worse than every kept one.
  for (std::size_t k = 0; k < bins.size(); ++k) {
    double worst_kept = 0;
    for (const std::int64_t e : bins[k]) {
      if (!alive.count(e)) continue;
      Architecture arch = distiller->BasePath();
      layout.WriteEntry(0, e, arch);
      double sum = 0;
      const std::vector<TeacherActivations> batches = ValidationBatches(*distiller);
      for (const TeacherActivations& batch : batches) sum += distiller->BlockLoss(0, arch, batch);
      worst_kept = std::max(worst_kept, sum / static_cast<double>(batches.size()));
    }
    for (const DroppedChoice& d : dropped) {
      if (d.bin == static_cast<int>(k)) {
        EXPECT_GE(d.score, worst_kept) << d.choice;
      }
    }
  }
  EXPECT_EQ(dropped.front().block, "layers1-2");
  EXPECT_EQ(dropped.front().choice.rfind("embed=", 0), 0u) << dropped.front().choice;

  // Halved again (bins of 9 lose 4, of 5 lose 2), and then never below stop: of 12 in bins
  // of 3, the 2 that may go come from the first two bins.
  EXPECT_EQ(shrinking.Shrink(0, 3, rng).size(), 16u);
  EXPECT_EQ(shrinking.Shrink(0, 4, rng).size(), 8u);
  const std::vector<DroppedChoice> last = shrinking.Shrink(0, 5, rng);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].bin, 0);
  EXPECT_EQ(last[1].bin, 1);
  EXPECT_EQ(shrinking.Alive(0).size(), 10u);
  EXPECT_TRUE(shrinking.Shrink(0, 6, rng).empty());

  // Paths are drawn from the alive choices only.
  const std::set<std::int64_t> left(shrinking.Alive(0).begin(), shrinking.Alive(0).end());
  for (int i = 0; i < 200; ++i) {
    Architecture arch = distiller->BasePath();
    shrinking.Sample(0, rng, arch);
    EXPECT_TRUE(left.count(layout.Entry(0, arch))) << space_->Format(arch);
  }
}

TEST_F(BlockwiseTest, ShrinkingScoresSamplesPerBinAndNeedsACostMetric) {
  const auto distiller = Distiller(Small(1));
  ShrinkOptions options;
  options.bins = 2;
  options.samples_per_bin = 4;
  BlockShrinking shrinking(*distiller, *space_, *family_, ValidationBatches(*distiller), options);
  Rng rng(2);
  std::vector<std::pair<std::int64_t, std::int64_t>> counts;  // what a progress display is told
  EXPECT_EQ(shrinking
                .Shrink(1, 1, rng, nullptr,
                        [&](std::int64_t scored, std::int64_t total) {
                          counts.emplace_back(scored, total);
                        })
                .size(),
            4u);  // 2 of the 4 scored in each bin
  EXPECT_EQ(shrinking.Alive(1).size(), 68u);
  ASSERT_EQ(counts.size(), 8u);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    EXPECT_EQ(counts[i], std::make_pair(static_cast<std::int64_t>(i + 1), std::int64_t{8}));
  }
  options.by = "latency_lut_ms";
  EXPECT_THROW(
      BlockShrinking(*distiller, *space_, *family_, ValidationBatches(*distiller), options),
      UserError);
}

// A TrainingLog that keeps what shrinking recorded, and says that the runs of `finished`'s
// checkpoints are already recorded (as a resumed run's first attempt's are).
class DroppedLog final : public TrainingLog {
 public:
  std::int64_t BeginRun(std::string_view, const nlohmann::json& config) override {
    configs.push_back(config);
    return runs++;
  }
  bool HasFinishedRun(std::string_view, const std::string& checkpoint) override {
    return finished.count(checkpoint) > 0;
  }
  void RecordEpoch(std::int64_t, int, const Metrics& values) override {
    alive.push_back(values.at("choices_alive"));
  }
  void FinishRun(std::int64_t, std::string_view, const Metrics&) override {}
  void RecordDropped(std::int64_t, int epoch, const std::vector<DroppedChoice>& d) override {
    dropped[epoch] += static_cast<int>(d.size());
  }
  std::int64_t runs = 0;
  std::vector<nlohmann::json> configs;
  std::vector<double> alive;
  std::map<int, int> dropped;
  std::set<std::string> finished;
};

TEST_F(BlockwiseTest, TrainingWithShrinkingLogsTheDropsAndItsCheckpointsKeepTheAliveChoices) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("sculpt_blockwise_shrink_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ShrinkOptions options;
  options.bins = 3;
  options.stop = 20;
  const auto first = Distiller(Small(2));
  BlockShrinking shrinking(*first, *space_, *family_, ValidationBatches(*first), options);
  first->ShrinkWith(&shrinking);
  DroppedLog log;
  const std::vector<BlockTraining> trained =
      first->TrainBlocks(*data_, nullptr, 1, nullptr, &log, nullptr, dir);
  first->ShrinkWith(nullptr);
  // 72 -> 36 after epoch 1, -> 20 (stop) after epoch 2, in each of the 2 blocks.
  EXPECT_EQ(log.alive, (std::vector<double>{36, 20, 36, 20}));
  EXPECT_EQ(log.dropped, (std::map<int, int>{{1, 72}, {2, 32}}));
  EXPECT_EQ(trained[0].alive, (std::vector<std::int64_t>{36, 20}));

  // A second run reads the blocks, their alive choices and what was dropped from the
  // checkpoints, and logs each block it read as a reused run with the same records.
  const auto second = Distiller(Small(2));
  BlockShrinking again(*second, *space_, *family_, ValidationBatches(*second), options);
  second->ShrinkWith(&again);
  DroppedLog second_log;
  const std::vector<BlockTraining> read =
      second->TrainBlocks(*data_, nullptr, 1, nullptr, &second_log, nullptr, dir);
  second->ShrinkWith(nullptr);
  for (int b = 0; b < 2; ++b) {
    const BlockTraining& r = read[static_cast<std::size_t>(b)];
    const BlockTraining& t = trained[static_cast<std::size_t>(b)];
    EXPECT_TRUE(r.reused);
    EXPECT_EQ(again.Alive(b), shrinking.Alive(b));
    EXPECT_EQ(r.epoch_losses, t.epoch_losses);
    ASSERT_EQ(r.dropped.size(), t.dropped.size());
    for (std::size_t e = 0; e < t.dropped.size(); ++e) {
      ASSERT_EQ(r.dropped[e].size(), t.dropped[e].size());
      for (std::size_t i = 0; i < t.dropped[e].size(); ++i) {
        EXPECT_EQ(r.dropped[e][i].choice, t.dropped[e][i].choice);
        EXPECT_EQ(r.dropped[e][i].bin, t.dropped[e][i].bin);
        EXPECT_EQ(r.dropped[e][i].score, t.dropped[e][i].score);
      }
    }
  }
  EXPECT_EQ(second_log.runs, 2);
  EXPECT_EQ(second_log.configs.at(0).value("reused", false), true);
  EXPECT_EQ(second_log.alive, log.alive);
  EXPECT_EQ(second_log.dropped, log.dropped);
  // Where the log already holds the blocks' runs (a resumed experiment), nothing is logged.
  const auto third = Distiller(Small(2));
  BlockShrinking resumed(*third, *space_, *family_, ValidationBatches(*third), options);
  third->ShrinkWith(&resumed);
  DroppedLog third_log;
  for (const nlohmann::json& config : second_log.configs) {
    third_log.finished.insert(config.at("checkpoint").get<std::string>());
  }
  third->TrainBlocks(*data_, nullptr, 1, nullptr, &third_log, nullptr, dir);
  third->ShrinkWith(nullptr);
  EXPECT_EQ(third_log.runs, 0);
  // Without shrinking the same files are refused: they were trained on the alive choices.
  const auto plain = Distiller(Small(2));
  EXPECT_THROW(plain->TrainBlocks(*data_, nullptr, 1, nullptr, nullptr, nullptr, dir),
               UserError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sculpt
