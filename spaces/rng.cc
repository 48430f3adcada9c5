#include "spaces/rng.h"

#include <sstream>

#include "spaces/errors.h"

namespace sculpt {

std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t stream) noexcept {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace rng_detail {

void ThrowEmptyRange() {
  ThrowInternal("n > 0", __FILE__, __LINE__, "UniformIndex needs a positive range");
}

std::uint64_t Redraw(Rng& rng, std::uint64_t draw, std::uint64_t range) {
  const std::uint64_t limit = Rng::max() - (Rng::max() % range);
  while (draw >= limit) draw = rng();
  return draw;
}

}  // namespace rng_detail

double UniformUnit(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::string SaveRng(const Rng& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

void RestoreRng(Rng& rng, const std::string& state) {
  std::istringstream in(state);
  in >> rng;
  if (in.fail()) throw UserError("corrupt random-number state in saved strategy state");
}

}  // namespace sculpt
