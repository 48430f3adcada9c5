#pragma once
// ImageDataset: a small image-classification data set held in memory as bytes (Fashion-MNIST by
// default; any IDX files of the same format: MNIST, KMNIST). The training file is split once, by
// a fixed seed, into a train split (weights are fitted on it) and a validation split (candidates
// are ranked on it); the test file is only for reporting. Batches come out as normalised float
// tensors, with the mean and standard deviation of the train split, optionally augmented (random
// crop with zero padding, horizontal flip) by a caller-owned Rng so that runs are reproducible.
// Thread-safety: immutable after construction; GetBatch may be called from many threads at once
// (each with its own Rng).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "spaces/rng.h"

namespace sculpt {

class Options;

// Images of one file pair: count x channels x height x width bytes, one label byte per image.
struct ImageSet {
  std::int64_t count = 0;
  int channels = 1;
  int height = 0;
  int width = 0;
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;
};

// Reads an IDX image file and its IDX label file (gzip or raw); throws UserError when either is
// not a valid IDX file or their counts differ.
ImageSet ReadIdxImageSet(const std::filesystem::path& images, const std::filesystem::path& labels);

enum class Split { kTrain, kValidation, kTest };
const char* SplitName(Split split);

struct Augmentation {
  bool random_crop = false;
  int crop_padding = 2;  // zero pixels added on each side before cropping back to size
  bool horizontal_flip = false;

  bool Any() const { return random_crop || horizontal_flip; }
};

struct DatasetOptions {
  std::filesystem::path train_images;
  std::filesystem::path train_labels;
  std::filesystem::path test_images;  // empty: no test split
  std::filesystem::path test_labels;
  // Images of the training file held out for validation.
  std::int64_t validation_size = 10000;
  // 0: every training image not held out; n > 0: only the first n of them (quick runs).
  std::int64_t train_size = 0;
  // Seeds the train/validation split only, so that the split is the same across experiments.
  std::uint64_t split_seed = 0;
  Augmentation augmentation;
};

inline constexpr const char* kDefaultDatasetDir = "/usr/share/datasets/fashion-mnist";

// Reads a data set block: "path" (folder, default kDefaultDatasetDir; relative paths resolve
// against `base_dir`), "train_images", "train_labels", "test_images", "test_labels" (file names in
// that folder; a missing file is also looked for with ".gz"), "validation_size", "train_size",
// "split_seed", "random_crop", "crop_padding", "horizontal_flip". Errors are recorded in
// `options`; it does not call Finish() (the caller's block may hold other keys).
DatasetOptions ReadDatasetOptions(Options& options, const std::filesystem::path& base_dir);

// Everything in `options` that changes the data a network sees, as text (for fingerprints), the
// files as absolute paths without "..": the same files read the same from any working directory.
std::string DescribeDataset(const DatasetOptions& options);

// A batch: float images [n, channels, height, width] and int64 labels [n].
struct Batch {
  at::Tensor images;
  at::Tensor labels;
};

class ImageDataset {
 public:
  // `pool` is the training file (split into train and validation); `test` may be empty.
  // Throws UserError when the sizes do not allow the split or the two sets' shapes differ.
  ImageDataset(ImageSet pool, ImageSet test, const DatasetOptions& options);

  // Reads the files named by `options`.
  static std::unique_ptr<ImageDataset> Load(const DatasetOptions& options);

  std::int64_t Size(Split split) const { return static_cast<std::int64_t>(Indices(split).size()); }
  // Positions of the split's images in their file (the training file for train and validation).
  const std::vector<std::int64_t>& Indices(Split split) const;

  int Channels() const { return pool_.channels; }
  int Height() const { return pool_.height; }
  int Width() const { return pool_.width; }
  // 1 + the largest label of either file.
  int Classes() const { return classes_; }
  // Per-channel statistics of the train split, pixel values scaled to [0, 1].
  const std::vector<float>& Mean() const { return mean_; }
  const std::vector<float>& Std() const { return std_; }
  const Augmentation& Augment() const { return augmentation_; }

  // The images at `positions` (0 .. Size(split) - 1) of `split`. With a non-null `augment_rng`
  // the data set's augmentation is applied, drawing from that Rng; null means none.
  Batch GetBatch(Split split, const std::vector<std::int64_t>& positions, Rng* augment_rng) const;

 private:
  const ImageSet& SetOf(Split split) const { return split == Split::kTest ? test_ : pool_; }

  ImageSet pool_;
  ImageSet test_;
  Augmentation augmentation_;
  std::vector<std::int64_t> train_;
  std::vector<std::int64_t> validation_;
  std::vector<std::int64_t> test_indices_;
  std::vector<float> mean_;
  std::vector<float> std_;
  int classes_ = 0;
};

}  // namespace sculpt
