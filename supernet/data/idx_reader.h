#pragma once
// IDX: the file format of MNIST, Fashion-MNIST and KMNIST. A big-endian header (two zero bytes,
// a type code, the number of dimensions, then each dimension as a 32-bit size) followed by the
// data in row-major order. Sculpt reads the two kinds those data sets use, both unsigned bytes:
// images (magic 0x00000803, 3-D: count x rows x columns) and labels (magic 0x00000801, 1-D).
// Files may be gzip-compressed or raw (zlib reads both transparently).
// The reader returns plain data; tensors are built by the dataset.
// Thread-safety: free functions without shared state; safe from any thread.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace sculpt {

enum class IdxKind {
  kImages,  // magic 0x00000803, uint8, 3 dimensions
  kLabels,  // magic 0x00000801, uint8, 1 dimension
};

struct IdxData {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> bytes;  // product(dims) values, row-major
};

// Reads `path` and checks that it is an IDX file of `kind`, complete and without trailing bytes.
// Throws UserError naming the file and what was expected otherwise.
IdxData ReadIdx(const std::filesystem::path& path, IdxKind kind);

// Writes an IDX file of `kind` (gzip-compressed when `gzip`); used to make test data and to
// export subsets. Throws UserError if the file cannot be written, InternalError if `data` does
// not match `kind` (a caller's bug).
void WriteIdx(const std::filesystem::path& path, IdxKind kind, const IdxData& data, bool gzip);

}  // namespace sculpt
