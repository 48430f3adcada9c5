#pragma once
// Small synthetic data for the supernet tests: made by the tests, never read from disk.

#include <cstdint>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "spaces/rng.h"
#include "supernet/data/dataset.h"
#include "supernet/data/idx_reader.h"

namespace sculpt::testing {

// `count` grey images of size x size whose label is k = index % classes: a bright square in
// one of four places (k % 4), darker for k >= 4, plus noise, so that a tiny net can learn it.
inline ImageSet MakeImages(std::int64_t count, int size, int classes, std::uint64_t seed) {
  ImageSet set;
  set.count = count;
  set.channels = 1;
  set.height = size;
  set.width = size;
  Rng rng(seed);
  const int half = size / 2;
  for (std::int64_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(i % classes);
    set.labels.push_back(static_cast<std::uint8_t>(label));
    const int oy = (label % 4) / 2 * half;
    const int ox = (label % 4) % 2 * half;
    const int bright = label >= 4 ? 150 : 230;
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        const bool in = y >= oy && y < oy + half && x >= ox && x < ox + half;
        const int value = (in ? bright : 20) + UniformIndex(rng, 25);
        set.pixels.push_back(static_cast<std::uint8_t>(value));
      }
    }
  }
  return set;
}

// Writes MakeImages data as an IDX data set folder (the file names Fashion-MNIST uses, gzip),
// `train` images in the training file and `test` in the test file.
inline void WriteIdxDataset(const std::filesystem::path& dir, std::int64_t train,
                            std::int64_t test, int size, int classes) {
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& prefix, std::int64_t count, std::uint64_t seed) {
    ImageSet set = MakeImages(count, size, classes, seed);
    WriteIdx(dir / (prefix + "-images-idx3-ubyte.gz"), IdxKind::kImages,
             {{count, size, size}, set.pixels}, true);
    WriteIdx(dir / (prefix + "-labels-idx1-ubyte.gz"), IdxKind::kLabels, {{count}, set.labels},
             true);
  };
  write("train", train, 1);
  write("t10k", test, 2);
}

// A fresh, empty folder for one test.
inline std::filesystem::path TempDir(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                              ("sculpt_supernet_" + std::string(info->test_suite_name()) + "_" +
                               info->name() + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace sculpt::testing
