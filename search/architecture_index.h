#pragma once
// ArchitectureIndex: numbers the distinct architectures it is given 0, 1, 2, ... in first-seen
// order, and finds an architecture's number again. The engine looks up every proposal here
// (millions in a long search, nearly all seen before), so it is a flat open-addressing table:
// one probe sequence over a contiguous array of numbers, a stored hash compared before any
// choices are, and no allocation once an architecture is known.
//
// Thread-safety: none; one owner (the engine's controlling thread).

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "spaces/architecture.h"

namespace sculpt {

class ArchitectureIndex {
 public:
  // The number of `arch`, and whether it was new (then it has the next number).
  std::pair<std::size_t, bool> Insert(const Architecture& arch);

  const Architecture& at(std::size_t id) const { return architectures_.at(id); }
  std::size_t size() const { return architectures_.size(); }

 private:
  void Grow();

  std::vector<Architecture> architectures_;  // by number
  std::vector<std::uint64_t> hashes_;        // by number: ArchitectureHash
  // Open addressing with linear probing: 0 is empty, otherwise number + 1. Its size is a power
  // of two kept at least twice the number of architectures.
  std::vector<std::uint32_t> slots_;
};

}  // namespace sculpt
