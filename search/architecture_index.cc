#include "search/architecture_index.h"

#include <limits>

#include "spaces/errors.h"

namespace sculpt {

std::pair<std::size_t, bool> ArchitectureIndex::Insert(const Architecture& arch) {
  if (2 * (architectures_.size() + 1) > slots_.size()) Grow();
  const std::uint64_t hash = ArchitectureHash{}(arch);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const std::uint32_t entry = slots_[slot];
    if (entry == 0) {
      SCULPT_ASSERT(architectures_.size() < std::numeric_limits<std::uint32_t>::max(),
                    "too many distinct architectures for one search");
      architectures_.push_back(arch);
      hashes_.push_back(hash);
      slots_[slot] = static_cast<std::uint32_t>(architectures_.size());
      return {architectures_.size() - 1, true};
    }
    const std::size_t id = entry - 1;
    if (hashes_[id] == hash && architectures_[id] == arch) return {id, false};
  }
}

void ArchitectureIndex::Grow() {
  const std::size_t size = slots_.empty() ? 1024 : 2 * slots_.size();
  slots_.assign(size, 0);
  const std::size_t mask = size - 1;
  for (std::size_t id = 0; id < architectures_.size(); ++id) {
    std::size_t slot = hashes_[id] & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = static_cast<std::uint32_t>(id + 1);
  }
}

}  // namespace sculpt
