#include "spaces/architecture.h"

#include "spaces/rng.h"

namespace sculpt {

std::size_t ArchitectureHash::operator()(const Architecture& arch) const noexcept {
  // A multiply-xor pass over the choices with one avalanche at the end: cheaper than mixing
  // every choice fully (the engine hashes every proposal), and the final mix spreads the low
  // bits that pick a bucket or slot.
  std::uint64_t h = arch.choices.size();
  for (const int choice : arch.choices) {
    h = (h ^ static_cast<std::uint32_t>(choice)) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
  }
  return static_cast<std::size_t>(MixSeed(h, 0));
}

}  // namespace sculpt
