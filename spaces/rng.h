#pragma once
// Random numbers. There is no global RNG in Sculpt: every strategy owns an Rng seeded from the
// experiment seed, and every candidate's evaluation derives its own seed from
// (experiment seed, candidate step), so results never depend on thread scheduling.

#include <cstdint>
#include <random>
#include <string>

namespace sculpt {

using Rng = std::mt19937_64;

// Mixes two 64-bit values into a well-spread seed (splitmix64 finaliser on the combination).
std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t stream) noexcept;

// Uniform integer in [0, n), n > 0: rejection sampling over the engine's raw draws, written
// here rather than with std::uniform_int_distribution so that sequences are identical across
// standard libraries. Inline: strategies draw several per proposal, millions of times.
namespace rng_detail {
[[noreturn]] void ThrowEmptyRange();
// Finishes a draw above 2^64 - range - 1: rejects it if it is above the limit.
std::uint64_t Redraw(Rng& rng, std::uint64_t draw, std::uint64_t range);
}  // namespace rng_detail

inline int UniformIndex(Rng& rng, int n) {
  if (n <= 0) rng_detail::ThrowEmptyRange();
  const auto range = static_cast<std::uint64_t>(n);
  std::uint64_t draw = rng();
  // Draws up to 2^64 - 1 - n are always below the rejection limit (which is above
  // Rng::max() - n), so the limit, a second division, is only worked out for the rare others.
  if (draw > Rng::max() - range) draw = rng_detail::Redraw(rng, draw, range);
  return static_cast<int>(draw % range);
}

// Uniform double in [0, 1).
double UniformUnit(Rng& rng);

// The full engine state as text, for strategies' save/restore.
std::string SaveRng(const Rng& rng);
void RestoreRng(Rng& rng, const std::string& state);

}  // namespace sculpt
