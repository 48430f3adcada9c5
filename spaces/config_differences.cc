#include "spaces/config_differences.h"

namespace sculpt {

std::vector<std::string> DifferingKeys(const nlohmann::json& a, const nlohmann::json& b, int depth,
                                       const SameKey& same) {
  std::vector<std::string> keys;
  if (!a.is_object() || !b.is_object()) return keys;
  auto agree = [&](const std::string& key) {
    if (same) return same(a, b, key);
    return a.contains(key) && b.contains(key) && a.at(key) == b.at(key);
  };
  for (const auto& [key, value] : a.items()) {
    if (agree(key)) continue;
    if (b.contains(key) && depth > 1 && value.is_object() && b.at(key).is_object()) {
      for (const std::string& inner : DifferingKeys(value, b.at(key), depth - 1, same)) {
        keys.push_back(key + "." + inner);
      }
    } else {
      keys.push_back(key);
    }
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key) && !agree(key)) keys.push_back(key);
  }
  return keys;
}

}  // namespace sculpt
