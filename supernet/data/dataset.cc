#include "supernet/data/dataset.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <sstream>
#include <utility>

#include <torch/types.h>

#include "spaces/errors.h"
#include "spaces/options.h"
#include "supernet/data/idx_reader.h"

namespace sculpt {
namespace {

// The file `name` in `dir`, or `name`.gz when only the compressed file exists.
std::filesystem::path FindFile(const std::filesystem::path& dir, const std::string& name) {
  std::filesystem::path path = dir / name;
  if (!std::filesystem::exists(path)) {
    std::filesystem::path gz = path;
    gz += ".gz";
    if (std::filesystem::exists(gz)) return gz;
  }
  return path;
}

void CheckSameShape(const ImageSet& a, const ImageSet& b) {
  if (a.channels != b.channels || a.height != b.height || a.width != b.width) {
    throw UserError("the test images are " + std::to_string(b.height) + "x" +
                    std::to_string(b.width) + " but the training images are " +
                    std::to_string(a.height) + "x" + std::to_string(a.width) +
                    "; both files must come from the same data set");
  }
}

}  // namespace

ImageSet ReadIdxImageSet(const std::filesystem::path& images, const std::filesystem::path& labels) {
  IdxData image_data = ReadIdx(images, IdxKind::kImages);
  IdxData label_data = ReadIdx(labels, IdxKind::kLabels);
  if (image_data.dims[0] != label_data.dims[0]) {
    throw UserError("IDX files '" + images.string() + "' and '" + labels.string() + "' disagree: " +
                    std::to_string(image_data.dims[0]) + " images but " +
                    std::to_string(label_data.dims[0]) + " labels (expected one label per image)");
  }
  ImageSet set;
  set.count = image_data.dims[0];
  set.channels = 1;  // IDX images are grey scale
  set.height = static_cast<int>(image_data.dims[1]);
  set.width = static_cast<int>(image_data.dims[2]);
  set.pixels = std::move(image_data.bytes);
  set.labels = std::move(label_data.bytes);
  return set;
}

const char* SplitName(Split split) {
  switch (split) {
    case Split::kTrain:
      return "train";
    case Split::kValidation:
      return "validation";
    case Split::kTest:
      return "test";
  }
  return "?";
}

DatasetOptions ReadDatasetOptions(Options& options, const std::filesystem::path& base_dir) {
  DatasetOptions result;
  std::filesystem::path dir = options.String("path", kDefaultDatasetDir);
  if (dir.is_relative()) dir = base_dir / dir;
  const bool dir_ok = std::filesystem::is_directory(dir);
  if (!dir_ok) options.Error("path", "no such folder '" + dir.string() + "'");
  auto file = [&](const char* key, const char* fallback, bool required) {
    const std::string name = options.String(key, fallback);
    std::filesystem::path path = FindFile(dir, name);
    if (dir_ok && (required || options.Has(key)) && !std::filesystem::is_regular_file(path)) {
      std::string message;
      if (std::filesystem::is_directory(path)) {
        message = path.string() + " is a folder, not an IDX file";
      } else {
        message = "no file '" + name + "' (or '" + name + ".gz')";
        // An absolute name is looked for where it says, not in the folder.
        if (!std::filesystem::path(name).is_absolute()) message += " in '" + dir.string() + "'";
      }
      options.Error(key, message);
    }
    return path;
  };
  result.train_images = file("train_images", "train-images-idx3-ubyte", true);
  result.train_labels = file("train_labels", "train-labels-idx1-ubyte", true);
  result.test_images = file("test_images", "t10k-images-idx3-ubyte", false);
  result.test_labels = file("test_labels", "t10k-labels-idx1-ubyte", false);
  // A folder without test files still works: the test split is only for reporting.
  if (!std::filesystem::is_regular_file(result.test_images) ||
      !std::filesystem::is_regular_file(result.test_labels)) {
    result.test_images.clear();
    result.test_labels.clear();
  }
  result.validation_size = options.Int("validation_size", result.validation_size, 1);
  result.train_size = options.Int("train_size", 0, 0);
  result.split_seed = static_cast<std::uint64_t>(options.Int("split_seed", 0, 0));
  result.augmentation.random_crop = options.Bool("random_crop", false);
  result.augmentation.crop_padding = static_cast<int>(options.Int("crop_padding", 2, 1, 64));
  result.augmentation.horizontal_flip = options.Bool("horizontal_flip", false);
  return result;
}

ImageDataset::ImageDataset(ImageSet pool, ImageSet test, const DatasetOptions& options)
    : pool_(std::move(pool)), test_(std::move(test)), augmentation_(options.augmentation) {
  SCULPT_ASSERT(static_cast<std::int64_t>(pool_.pixels.size()) ==
                        pool_.count * pool_.channels * pool_.height * pool_.width &&
                    static_cast<std::int64_t>(pool_.labels.size()) == pool_.count,
                "ImageSet sizes do not match its shape");
  if (test_.count > 0) CheckSameShape(pool_, test_);
  if (options.validation_size < 1 || options.validation_size >= pool_.count) {
    throw UserError("dataset validation_size must be in 1.." + std::to_string(pool_.count - 1) +
                    " (the training file has " + std::to_string(pool_.count) + " images), got " +
                    std::to_string(options.validation_size));
  }
  // Fisher-Yates with Sculpt's own UniformIndex: the split is identical on every platform.
  std::vector<std::int64_t> order(static_cast<std::size_t>(pool_.count));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(MixSeed(options.split_seed, 0x5b117));
  for (std::int64_t i = pool_.count - 1; i > 0; --i) {
    std::swap(order[i], order[UniformIndex(rng, static_cast<int>(i + 1))]);
  }
  validation_.assign(order.begin(), order.begin() + options.validation_size);
  train_.assign(order.begin() + options.validation_size, order.end());
  // Sorted, so that a smaller train_size takes a random subset that is a prefix of larger ones.
  std::sort(validation_.begin(), validation_.end());
  if (options.train_size > 0) {
    if (options.train_size > static_cast<std::int64_t>(train_.size())) {
      throw UserError("dataset train_size " + std::to_string(options.train_size) +
                      " is more than the " + std::to_string(train_.size()) +
                      " training images left after holding out validation_size " +
                      std::to_string(options.validation_size));
    }
    train_.resize(static_cast<std::size_t>(options.train_size));
  }
  std::sort(train_.begin(), train_.end());
  test_indices_.resize(static_cast<std::size_t>(test_.count));
  std::iota(test_indices_.begin(), test_indices_.end(), 0);

  int max_label = 0;
  for (std::uint8_t label : pool_.labels) max_label = std::max<int>(max_label, label);
  for (std::uint8_t label : test_.labels) max_label = std::max<int>(max_label, label);
  classes_ = max_label + 1;

  // Statistics of the train split only: validation and test must not leak into training.
  const std::int64_t plane = static_cast<std::int64_t>(pool_.height) * pool_.width;
  for (int c = 0; c < pool_.channels; ++c) {
    double sum = 0;
    double sum_sq = 0;
    for (std::int64_t index : train_) {
      const std::uint8_t* pixels = pool_.pixels.data() + (index * pool_.channels + c) * plane;
      for (std::int64_t p = 0; p < plane; ++p) {
        const double v = pixels[p] / 255.0;
        sum += v;
        sum_sq += v * v;
      }
    }
    const double n = static_cast<double>(train_.size()) * static_cast<double>(plane);
    const double mean = sum / n;
    const double var = std::max(0.0, sum_sq / n - mean * mean);
    mean_.push_back(static_cast<float>(mean));
    // A constant channel would divide by zero; leave it centred but unscaled.
    std_.push_back(static_cast<float>(var > 1e-12 ? std::sqrt(var) : 1.0));
  }
}

std::unique_ptr<ImageDataset> ImageDataset::Load(const DatasetOptions& options) {
  ImageSet pool = ReadIdxImageSet(options.train_images, options.train_labels);
  ImageSet test;
  if (!options.test_images.empty()) test = ReadIdxImageSet(options.test_images, options.test_labels);
  return std::make_unique<ImageDataset>(std::move(pool), std::move(test), options);
}

const std::vector<std::int64_t>& ImageDataset::Indices(Split split) const {
  switch (split) {
    case Split::kTrain:
      return train_;
    case Split::kValidation:
      return validation_;
    case Split::kTest:
      break;
  }
  return test_indices_;
}

Batch ImageDataset::GetBatch(Split split, const std::vector<std::int64_t>& positions,
                             Rng* augment_rng) const {
  const ImageSet& set = SetOf(split);
  const std::vector<std::int64_t>& indices = Indices(split);
  const auto n = static_cast<std::int64_t>(positions.size());
  const int channels = set.channels;
  const int height = set.height;
  const int width = set.width;
  const std::int64_t plane = static_cast<std::int64_t>(height) * width;

  // uint8 -> normalised float, one table per channel. A padded pixel is a raw 0, as when
  // torchvision pads the image before normalising it.
  std::vector<std::array<float, 256>> table(static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    for (int v = 0; v < 256; ++v) table[c][v] = (v / 255.0f - mean_[c]) / std_[c];
  }

  torch::Tensor images = torch::empty({n, channels, height, width}, torch::kFloat32);
  torch::Tensor labels = torch::empty({n}, torch::kInt64);
  float* out = images.data_ptr<float>();
  std::int64_t* out_labels = labels.data_ptr<std::int64_t>();
  const bool augment = augment_rng != nullptr && augmentation_.Any();
  const int pad = augmentation_.random_crop ? augmentation_.crop_padding : 0;
  for (std::int64_t b = 0; b < n; ++b) {
    const std::int64_t position = positions[static_cast<std::size_t>(b)];
    if (position < 0 || position >= static_cast<std::int64_t>(indices.size())) {
      throw InternalError(std::string("GetBatch: position ") + std::to_string(position) +
                          " out of range for the " + SplitName(split) + " split");
    }
    const std::int64_t index = indices[static_cast<std::size_t>(position)];
    out_labels[b] = set.labels[static_cast<std::size_t>(index)];
    int dy = 0;
    int dx = 0;
    bool flip = false;
    if (augment) {
      if (augmentation_.random_crop) {
        dy = UniformIndex(*augment_rng, 2 * pad + 1) - pad;
        dx = UniformIndex(*augment_rng, 2 * pad + 1) - pad;
      }
      if (augmentation_.horizontal_flip) flip = UniformIndex(*augment_rng, 2) == 1;
    }
    for (int c = 0; c < channels; ++c) {
      const std::uint8_t* src = set.pixels.data() + (index * channels + c) * plane;
      float* dst = out + (b * channels + c) * plane;
      const std::array<float, 256>& lut = table[c];
      for (int y = 0; y < height; ++y) {
        const int sy = y + dy;
        for (int x = 0; x < width; ++x) {
          // Crop first, then flip the crop (torchvision's RandomCrop then RandomHorizontalFlip).
          const int sx = (flip ? width - 1 - x : x) + dx;
          const bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
          dst[y * width + x] = lut[inside ? src[sy * width + sx] : 0];
        }
      }
    }
  }
  return {images, labels};
}

std::string DescribeDataset(const DatasetOptions& o) {
  // Absolute and without "..": a config's relative path is joined to its folder as text, so the
  // same files named from another working directory must read the same (this text is part of
  // the fingerprints that let later runs reuse trained weights).
  auto file = [](const std::filesystem::path& path) {
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(path, error);
    return path.empty() || error ? path.string() : absolute.lexically_normal().string();
  };
  std::ostringstream out;
  out << "train=" << file(o.train_images) << "," << file(o.train_labels)
      << " test=" << file(o.test_images) << "," << file(o.test_labels)
      << " validation_size=" << o.validation_size << " train_size=" << o.train_size
      << " split_seed=" << o.split_seed << " crop=" << o.augmentation.random_crop << "/"
      << o.augmentation.crop_padding << " flip=" << o.augmentation.horizontal_flip;
  return out.str();
}

}  // namespace sculpt
