#include "spaces/architecture.h"

#include "spaces/rng.h"

namespace sculpt {

std::size_t ArchitectureHash::operator()(const Architecture& arch) const noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ arch.choices.size();
  for (int c : arch.choices) h = MixSeed(h, static_cast<std::uint64_t>(c));
  return static_cast<std::size_t>(h);
}

}  // namespace sculpt
