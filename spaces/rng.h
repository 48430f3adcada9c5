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

// Uniform integer in [0, n). Implemented here rather than with std::uniform_int_distribution so
// that sequences are identical across standard libraries.
int UniformIndex(Rng& rng, int n);

// Uniform double in [0, 1).
double UniformUnit(Rng& rng);

// The full engine state as text, for strategies' save/restore.
std::string SaveRng(const Rng& rng);
void RestoreRng(Rng& rng, const std::string& state);

}  // namespace sculpt
