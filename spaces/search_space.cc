#include "spaces/search_space.h"

#include <cstdio>

namespace sculpt {

std::uint64_t HashText(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string HashToHex(std::uint64_t hash) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

std::uint64_t SearchSpace::CanonicalHash(const Architecture& arch) const {
  return HashText(CanonicalForm(arch));
}

}  // namespace sculpt
