#include "supernet/data/idx_reader.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "spaces/errors.h"
#include "supernet/data/dataset.h"
#include "tests/supernet/test_data.h"

namespace sculpt {
namespace {

IdxData SmallImages() {
  IdxData data;
  data.dims = {3, 2, 4};
  for (int i = 0; i < 24; ++i) data.bytes.push_back(static_cast<std::uint8_t>(i * 10));
  return data;
}

IdxData SmallLabels(std::int64_t count) {
  IdxData data;
  data.dims = {count};
  for (int i = 0; i < count; ++i) data.bytes.push_back(static_cast<std::uint8_t>(i % 10));
  return data;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteAll(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Runs `f`, expects a UserError whose message contains every one of `parts`.
template <class F>
void ExpectUserError(F f, std::initializer_list<std::string> parts) {
  try {
    f();
    FAIL() << "no error";
  } catch (const UserError& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos) << message << "\nlacks: " << part;
    }
  }
}

TEST(IdxReaderTest, RoundTripsRawAndGzip) {
  const auto dir = testing::TempDir("idx");
  for (bool gzip : {false, true}) {
    const auto images = dir / (gzip ? "images.gz" : "images");
    const auto labels = dir / (gzip ? "labels.gz" : "labels");
    WriteIdx(images, IdxKind::kImages, SmallImages(), gzip);
    WriteIdx(labels, IdxKind::kLabels, SmallLabels(3), gzip);
    const IdxData read = ReadIdx(images, IdxKind::kImages);
    EXPECT_EQ(read.dims, SmallImages().dims);
    EXPECT_EQ(read.bytes, SmallImages().bytes);
    EXPECT_EQ(ReadIdx(labels, IdxKind::kLabels).bytes, SmallLabels(3).bytes);
    // The raw form is the documented layout: magic, then big-endian sizes.
    if (!gzip) {
      const std::string bytes = ReadAll(images);
      ASSERT_EQ(bytes.size(), 16u + 24u);
      EXPECT_EQ(bytes.substr(0, 8), std::string("\0\0\x08\x03\0\0\0\x03", 8));
    } else {
      EXPECT_EQ(ReadAll(images).substr(0, 2), "\x1f\x8b");  // really gzip
    }
  }
}

TEST(IdxReaderTest, RejectsBadMagic) {
  const auto dir = testing::TempDir("idx");
  WriteIdx(dir / "labels", IdxKind::kLabels, SmallLabels(3), false);
  ExpectUserError([&] { ReadIdx(dir / "labels", IdxKind::kImages); },
                  {"labels", "bad magic number 0x00000801", "want 0x00000803"});
  WriteAll(dir / "text", "hello world, not an idx file");
  ExpectUserError([&] { ReadIdx(dir / "text", IdxKind::kLabels); }, {"text", "bad magic"});
}

TEST(IdxReaderTest, RejectsTruncatedAndOverlongFiles) {
  const auto dir = testing::TempDir("idx");
  WriteIdx(dir / "images", IdxKind::kImages, SmallImages(), false);
  const std::string bytes = ReadAll(dir / "images");
  WriteAll(dir / "cut", bytes.substr(0, bytes.size() - 5));
  ExpectUserError([&] { ReadIdx(dir / "cut", IdxKind::kImages); },
                  {"cut", "truncated", "24 bytes", "has 19"});
  WriteAll(dir / "header", bytes.substr(0, 10));
  ExpectUserError([&] { ReadIdx(dir / "header", IdxKind::kImages); },
                  {"header", "truncated header"});
  WriteAll(dir / "long", bytes + "xy");
  ExpectUserError([&] { ReadIdx(dir / "long", IdxKind::kImages); }, {"long", "longer"});
  // A gzip stream cut short is an error too, not a silently short read.
  WriteIdx(dir / "images.gz", IdxKind::kImages, SmallImages(), true);
  const std::string gz = ReadAll(dir / "images.gz");
  WriteAll(dir / "cut.gz", gz.substr(0, gz.size() - 12));
  EXPECT_THROW(ReadIdx(dir / "cut.gz", IdxKind::kImages), UserError);
}

TEST(IdxReaderTest, RejectsMissingFilesAndZeroSizes) {
  const auto dir = testing::TempDir("idx");
  ExpectUserError([&] { ReadIdx(dir / "absent", IdxKind::kLabels); }, {"absent", "does not exist"});
  WriteAll(dir / "zero", std::string("\0\0\x08\x01\0\0\0\0", 8));
  ExpectUserError([&] { ReadIdx(dir / "zero", IdxKind::kLabels); }, {"size 0"});
}

TEST(IdxReaderTest, ImageSetRejectsCountMismatch) {
  const auto dir = testing::TempDir("idx");
  WriteIdx(dir / "images", IdxKind::kImages, SmallImages(), true);
  WriteIdx(dir / "labels", IdxKind::kLabels, SmallLabels(4), true);
  ExpectUserError([&] { ReadIdxImageSet(dir / "images", dir / "labels"); },
                  {"3 images but 4 labels"});
  WriteIdx(dir / "labels", IdxKind::kLabels, SmallLabels(3), false);
  const ImageSet set = ReadIdxImageSet(dir / "images", dir / "labels");
  EXPECT_EQ(set.count, 3);
  EXPECT_EQ(set.height, 2);
  EXPECT_EQ(set.width, 4);
  EXPECT_EQ(set.pixels, SmallImages().bytes);
}

}  // namespace
}  // namespace sculpt
