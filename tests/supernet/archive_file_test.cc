// Files written whole or not at all (supernet/archive_file.h): a short write, as on a full disk,
// is an exception naming the system's reason, leaves no partial file, and keeps the file that
// was there. A file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so that write() fails with
// EFBIG instead of killing the process) stands in for the full disk.

#include "supernet/archive_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <torch/torch.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

namespace sculpt {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Limits the size of every file this process writes while it lives.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &previous_);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit previous_{};
  void (*previous_handler_)(int) = nullptr;
};

class ArchiveFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test and process: CTest runs the tests side by side.
    dir_ = fs::path(::testing::TempDir()) /
           ("sculpt_archive_file_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ArchiveFileTest, WritesTheBytesAndLeavesNoPartialFile) {
  WriteFileWhole(dir_ / "sub" / "a.bin", std::string(5000, 'x'));
  EXPECT_EQ(ReadAll(dir_ / "sub" / "a.bin"), std::string(5000, 'x'));
  EXPECT_FALSE(fs::exists(dir_ / "sub" / "a.bin.partial"));
}

TEST_F(ArchiveFileTest, AShortWriteThrowsAndKeepsTheEarlierFile) {
  const fs::path path = dir_ / "model.pt";
  WriteFileWhole(path, "earlier");
  try {
    const FileSizeLimit limit(4096);
    WriteFileWhole(path, std::string(100000, 'y'));
    FAIL() << "a write past the limit succeeded";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "File too large");
  }
  EXPECT_EQ(ReadAll(path), "earlier");
  EXPECT_FALSE(fs::exists(dir_ / "model.pt.partial"));
}

TEST_F(ArchiveFileTest, AnArchiveThatDoesNotFitIsAnExceptionNotAnAbort) {
  // LibTorch's own save_to(path) checks its writes from a destructor and terminates the process
  // on a short one; the archive is serialised in memory instead.
  torch::nn::Linear layer(64, 64);
  torch::serialize::OutputArchive archive;
  layer->save(archive);
  const fs::path path = dir_ / "layer.pt";
  {
    const FileSizeLimit limit(4096);
    EXPECT_THROW(SaveArchiveWhole(archive, path), std::runtime_error);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(dir_ / "layer.pt.partial"));
  SaveArchiveWhole(archive, path);
  torch::nn::Linear loaded(64, 64);
  torch::serialize::InputArchive in;
  in.load_from(path.string());
  loaded->load(in);
  EXPECT_TRUE(torch::equal(loaded->weight, layer->weight));
}

}  // namespace
}  // namespace sculpt
