#pragma once
// Architecture: a plain value naming one network of a search space. It is the language every
// folder of Sculpt speaks. It only describes a network; building or running one is the job of
// supernet/. The meaning of each choice belongs to the space that made it (for nb201: the op index
// of each of the six edges, in the order of the NAS-Bench-201 string).
// Thread-safety: a value type; const access from many threads is safe.

#include <compare>
#include <cstddef>
#include <vector>

namespace sculpt {

struct Architecture {
  std::vector<int> choices;

  friend bool operator==(const Architecture&, const Architecture&) = default;
  friend auto operator<=>(const Architecture&, const Architecture&) = default;
};

// Hash of the exact choices (not isomorphism-aware: that is SearchSpace::CanonicalHash).
struct ArchitectureHash {
  std::size_t operator()(const Architecture& arch) const noexcept;
};

}  // namespace sculpt
