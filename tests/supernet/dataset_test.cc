#include "supernet/data/dataset.h"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "spaces/options.h"
#include "supernet/data/idx_reader.h"
#include "supernet/torch_threads.h"
#include "tests/supernet/test_data.h"

namespace sculpt {
namespace {

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override { SetTorchThreads(1); }

  static DatasetOptions SmallOptions(std::int64_t validation, std::uint64_t seed) {
    DatasetOptions options;
    options.validation_size = validation;
    options.split_seed = seed;
    return options;
  }
};

TEST_F(DatasetTest, SplitIsSeededDeterministicAndDisjoint) {
  const ImageSet pool = testing::MakeImages(100, 8, 10, 1);
  const ImageDataset a(pool, {}, SmallOptions(30, 7));
  const ImageDataset b(pool, {}, SmallOptions(30, 7));
  const ImageDataset c(pool, {}, SmallOptions(30, 8));
  EXPECT_EQ(a.Size(Split::kTrain), 70);
  EXPECT_EQ(a.Size(Split::kValidation), 30);
  EXPECT_EQ(a.Size(Split::kTest), 0);
  EXPECT_EQ(a.Indices(Split::kTrain), b.Indices(Split::kTrain));
  EXPECT_EQ(a.Indices(Split::kValidation), b.Indices(Split::kValidation));
  EXPECT_NE(a.Indices(Split::kValidation), c.Indices(Split::kValidation));
  std::set<std::int64_t> all(a.Indices(Split::kTrain).begin(), a.Indices(Split::kTrain).end());
  for (std::int64_t i : a.Indices(Split::kValidation)) EXPECT_TRUE(all.insert(i).second) << i;
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(*all.begin(), 0);
  EXPECT_EQ(*all.rbegin(), 99);
  // The held-out images are spread over the file, not its last block.
  EXPECT_LT(a.Indices(Split::kValidation).front(), 70);
}

TEST_F(DatasetTest, TrainSizeTakesASubsetOfTheSameSplit) {
  const ImageSet pool = testing::MakeImages(100, 8, 10, 1);
  DatasetOptions options = SmallOptions(30, 7);
  const ImageDataset full(pool, {}, options);
  options.train_size = 20;
  const ImageDataset small(pool, {}, options);
  EXPECT_EQ(small.Size(Split::kTrain), 20);
  EXPECT_EQ(small.Indices(Split::kValidation), full.Indices(Split::kValidation));
  for (std::int64_t i : small.Indices(Split::kTrain)) {
    EXPECT_TRUE(std::binary_search(full.Indices(Split::kTrain).begin(),
                                   full.Indices(Split::kTrain).end(), i));
  }
  options.train_size = 71;
  EXPECT_THROW(ImageDataset(pool, {}, options), UserError);
  EXPECT_THROW(ImageDataset(pool, {}, SmallOptions(100, 7)), UserError);
  EXPECT_THROW(ImageDataset(pool, {}, SmallOptions(0, 7)), UserError);
  EXPECT_THROW(ImageDataset(pool, testing::MakeImages(10, 4, 10, 1), SmallOptions(10, 7)),
               UserError);
}

TEST_F(DatasetTest, NormalisesWithTrainStatisticsAndKeepsLabels) {
  const ImageDataset data(testing::MakeImages(100, 8, 10, 1), testing::MakeImages(20, 8, 10, 2),
                          SmallOptions(30, 7));
  EXPECT_EQ(data.Classes(), 10);
  EXPECT_EQ(data.Size(Split::kTest), 20);
  std::vector<std::int64_t> positions(70);
  std::iota(positions.begin(), positions.end(), 0);
  const Batch batch = data.GetBatch(Split::kTrain, positions, nullptr);
  EXPECT_EQ(batch.images.sizes(), (std::vector<std::int64_t>{70, 1, 8, 8}));
  EXPECT_EQ(batch.images.dtype(), torch::kFloat32);
  EXPECT_NEAR(batch.images.mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(batch.images.std(/*unbiased=*/false).item<double>(), 1.0, 1e-3);
  for (int b = 0; b < 70; ++b) {
    EXPECT_EQ(batch.labels[b].item<std::int64_t>(), data.Indices(Split::kTrain)[b] % 10);
  }
  const Batch test = data.GetBatch(Split::kTest, {3, 0}, nullptr);
  EXPECT_EQ(test.labels[0].item<std::int64_t>(), 3);
  EXPECT_THROW(data.GetBatch(Split::kValidation, {30}, nullptr), InternalError);
}

TEST_F(DatasetTest, AugmentationIsReproducibleAndShapePreserving) {
  DatasetOptions options = SmallOptions(30, 7);
  options.augmentation.horizontal_flip = true;
  const ImageDataset flip_only(testing::MakeImages(100, 8, 10, 1), {}, options);
  const std::vector<std::int64_t> positions = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const Batch plain = flip_only.GetBatch(Split::kTrain, positions, nullptr);
  Rng rng(5);
  const Batch flipped = flip_only.GetBatch(Split::kTrain, positions, &rng);
  int mirrored = 0;
  for (int b = 0; b < 10; ++b) {
    const bool same = torch::equal(flipped.images[b], plain.images[b]);
    const bool mirror = torch::equal(flipped.images[b], plain.images[b].flip({2}));
    EXPECT_TRUE(same || mirror) << b;
    mirrored += mirror && !same;
  }
  EXPECT_GT(mirrored, 0);
  EXPECT_LT(mirrored, 10);

  options.augmentation.random_crop = true;
  options.augmentation.crop_padding = 2;
  const ImageDataset cropped(testing::MakeImages(100, 8, 10, 1), {}, options);
  Rng rng1(9);
  Rng rng2(9);
  Rng rng3(10);
  const Batch x = cropped.GetBatch(Split::kTrain, positions, &rng1);
  const Batch y = cropped.GetBatch(Split::kTrain, positions, &rng2);
  const Batch z = cropped.GetBatch(Split::kTrain, positions, &rng3);
  EXPECT_TRUE(torch::equal(x.images, y.images));
  EXPECT_FALSE(torch::equal(x.images, z.images));
  EXPECT_EQ(x.images.sizes(), plain.images.sizes());
  // Padding is a raw 0 pixel, i.e. -mean/std after normalisation.
  const float pad = -cropped.Mean()[0] / cropped.Std()[0];
  EXPECT_TRUE((x.images == pad).any().item<bool>());
}

TEST_F(DatasetTest, ReadsOptionsAndFilesFromAFolder) {
  const auto dir = testing::TempDir("data");
  auto write = [&](const std::string& name, const ImageSet& set, bool gzip) {
    WriteIdx(dir / (name + "-images-idx3-ubyte" + (gzip ? ".gz" : "")), IdxKind::kImages,
             {{set.count, set.height, set.width}, set.pixels}, gzip);
    WriteIdx(dir / (name + "-labels-idx1-ubyte" + (gzip ? ".gz" : "")), IdxKind::kLabels,
             {{set.count}, set.labels}, gzip);
  };
  write("train", testing::MakeImages(60, 8, 10, 1), true);
  write("t10k", testing::MakeImages(12, 8, 10, 2), false);
  ConfigErrors errors;
  nlohmann::json canonical;
  const nlohmann::json config = {{"path", dir.filename().string()},
                                 {"validation_size", 10},
                                 {"split_seed", 3},
                                 {"horizontal_flip", true}};
  Options block(config, "dataset", errors, &canonical);
  const DatasetOptions options = ReadDatasetOptions(block, dir.parent_path());
  ASSERT_TRUE(errors.Empty()) << errors.Messages().front();
  EXPECT_EQ(options.train_images, dir / "train-images-idx3-ubyte.gz");
  EXPECT_EQ(options.test_labels, dir / "t10k-labels-idx1-ubyte");
  EXPECT_TRUE(options.augmentation.horizontal_flip);
  EXPECT_FALSE(options.augmentation.random_crop);
  // The same files named relative to the working directory, through "..", describe the same:
  // weights trained on them are reused from any working directory.
  const std::filesystem::path here = std::filesystem::current_path();
  std::filesystem::current_path(dir.parent_path());
  DatasetOptions relative = options;
  relative.train_images = std::filesystem::path(dir.filename()) / ".." / dir.filename() /
                          options.train_images.filename();
  relative.train_labels = dir.filename() / options.train_labels.filename();
  relative.test_images = dir.filename() / options.test_images.filename();
  relative.test_labels = dir.filename() / options.test_labels.filename();
  const std::string described = DescribeDataset(relative);
  std::filesystem::current_path(here);
  EXPECT_EQ(described, DescribeDataset(options));
  EXPECT_NE(described.find("train=" + options.train_images.string() + ","), std::string::npos)
      << described;
  const auto data = ImageDataset::Load(options);
  EXPECT_EQ(data->Size(Split::kTrain), 50);
  EXPECT_EQ(data->Size(Split::kValidation), 10);
  EXPECT_EQ(data->Size(Split::kTest), 12);

  ConfigErrors bad_errors;
  const nlohmann::json bad = {{"path", "no/such/folder"}, {"validation_size", -1}};
  Options bad_block(bad, "dataset", bad_errors, &canonical);
  ReadDatasetOptions(bad_block, dir);
  ASSERT_EQ(bad_errors.Messages().size(), 2u);
  EXPECT_NE(bad_errors.Messages()[0].find("no such folder"), std::string::npos);
  EXPECT_NE(bad_errors.Messages()[1].find("dataset.validation_size"), std::string::npos);
}

}  // namespace
}  // namespace sculpt
