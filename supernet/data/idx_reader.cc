#include "supernet/data/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>

#include "spaces/errors.h"

namespace sculpt {
namespace {

struct KindInfo {
  std::uint32_t magic;
  int dims;
  const char* what;
};

KindInfo Info(IdxKind kind) {
  if (kind == IdxKind::kImages) return {0x00000803u, 3, "IDX images (magic 0x00000803: uint8, 3-D)"};
  return {0x00000801u, 1, "IDX labels (magic 0x00000801: uint8, 1-D)"};
}

// Refuses headers whose sizes would ask for absurd allocations (a corrupt or foreign file):
// 4 GiB is far above any IDX data set Sculpt reads.
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 32;

std::string Hex(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

class Reader {
 public:
  Reader(const std::filesystem::path& path, const KindInfo& info)
      : path_(path), info_(info), file_(gzopen(path.c_str(), "rb")) {
    if (!file_) Fail("cannot open the file");
    // Large reads: the default 8 KiB buffer makes inflating 26 MB noticeably slower.
    gzbuffer(file_.get(), 1 << 17);
  }

  [[noreturn]] void Fail(const std::string& problem) const {
    throw UserError("IDX file '" + path_.string() + "': " + problem + " (expected " +
                    info_.what + ")");
  }

  // Reads up to `size` bytes; returns how many were read.
  std::int64_t ReadSome(std::uint8_t* out, std::int64_t size) {
    std::int64_t done = 0;
    while (done < size) {
      const auto chunk = static_cast<unsigned>(
          std::min<std::int64_t>(size - done, std::numeric_limits<int>::max() / 2));
      const int got = gzread(file_.get(), out + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(file_.get(), &code);
        Fail(std::string("read error (") + (message ? message : "unknown") + ")");
      }
      if (got == 0) break;
      done += got;
    }
    return done;
  }

  std::uint32_t ReadBigEndian32(const char* field) {
    std::array<std::uint8_t, 4> b{};
    if (ReadSome(b.data(), 4) != 4) Fail(std::string("truncated header: no ") + field);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
           (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
  }

  bool AtEnd() {
    std::uint8_t extra = 0;
    return ReadSome(&extra, 1) == 0;
  }

 private:
  std::filesystem::path path_;
  KindInfo info_;
  GzFile file_;
};

}  // namespace

IdxData ReadIdx(const std::filesystem::path& path, IdxKind kind) {
  const KindInfo info = Info(kind);
  if (!std::filesystem::is_regular_file(path)) {
    throw UserError("IDX file '" + path.string() + "' does not exist or is not a file (expected " +
                    info.what + ")");
  }
  Reader reader(path, info);
  const std::uint32_t magic = reader.ReadBigEndian32("magic number");
  if (magic != info.magic) {
    reader.Fail("bad magic number " + Hex(magic) + ", want " + Hex(info.magic));
  }
  IdxData data;
  std::int64_t total = 1;
  for (int d = 0; d < info.dims; ++d) {
    const std::uint32_t size = reader.ReadBigEndian32("dimension size");
    if (size == 0) reader.Fail("dimension " + std::to_string(d) + " has size 0");
    data.dims.push_back(size);
    total *= size;
    if (total > kMaxBytes) reader.Fail("header declares more than 4 GiB of data");
  }
  data.bytes.resize(static_cast<std::size_t>(total));
  const std::int64_t got = reader.ReadSome(data.bytes.data(), total);
  if (got != total) {
    reader.Fail("truncated: the header declares " + std::to_string(total) + " bytes of data, the file has " +
                std::to_string(got));
  }
  if (!reader.AtEnd()) {
    reader.Fail("the file is longer than the " + std::to_string(total) +
                " bytes of data its header declares");
  }
  return data;
}

void WriteIdx(const std::filesystem::path& path, IdxKind kind, const IdxData& data, bool gzip) {
  const KindInfo info = Info(kind);
  SCULPT_ASSERT(static_cast<int>(data.dims.size()) == info.dims, "WriteIdx: wrong number of dims");
  std::int64_t total = 1;
  for (std::int64_t size : data.dims) {
    SCULPT_ASSERT(size > 0 && size <= std::numeric_limits<std::uint32_t>::max(),
                  "WriteIdx: dimension out of range");
    total *= size;
  }
  SCULPT_ASSERT(total == static_cast<std::int64_t>(data.bytes.size()),
                "WriteIdx: dims do not match the data size");
  std::vector<std::uint8_t> out;
  auto put32 = [&out](std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back((value >> shift) & 0xff);
  };
  put32(info.magic);
  for (std::int64_t size : data.dims) put32(static_cast<std::uint32_t>(size));
  out.insert(out.end(), data.bytes.begin(), data.bytes.end());
  // "T" writes raw bytes through the same zlib calls, so both forms share one code path.
  GzFile file(gzopen(path.c_str(), gzip ? "wb6" : "wbT"));
  if (!file) throw UserError("cannot write IDX file '" + path.string() + "'");
  std::size_t done = 0;
  while (done < out.size()) {
    const auto chunk = static_cast<unsigned>(std::min<std::size_t>(out.size() - done, 1u << 30));
    const int wrote = gzwrite(file.get(), out.data() + done, chunk);
    if (wrote <= 0) throw UserError("cannot write IDX file '" + path.string() + "'");
    done += static_cast<std::size_t>(wrote);
  }
  if (gzclose(file.release()) != Z_OK) {
    throw UserError("cannot write IDX file '" + path.string() + "' (close failed)");
  }
}

}  // namespace sculpt
