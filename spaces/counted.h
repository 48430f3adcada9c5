#pragma once
// Counted: a count and its noun for messages a person reads, "1 epoch" and "2 epochs", so that
// a run of one epoch or one block is not reported as "1 epochs". Regular plurals only (the noun
// plus "s"); give the plural where it is not.
// Thread-safety: a pure function.

#include <cstdint>
#include <string>
#include <string_view>

namespace sculpt {

inline std::string Counted(std::int64_t count, std::string_view noun,
                           std::string_view plural = {}) {
  std::string text = std::to_string(count) + " ";
  if (count == 1) return text.append(noun);
  if (!plural.empty()) return text.append(plural);
  return text.append(noun).append("s");
}

}  // namespace sculpt
