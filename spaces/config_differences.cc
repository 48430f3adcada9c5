#include "spaces/config_differences.h"

namespace sculpt {

std::vector<std::string> DifferingKeys(const nlohmann::json& a, const nlohmann::json& b,
                                       int depth) {
  std::vector<std::string> keys;
  if (!a.is_object() || !b.is_object()) return keys;
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key)) {
      keys.push_back(key);
    } else if (b.at(key) != value) {
      if (depth > 1 && value.is_object() && b.at(key).is_object()) {
        for (const std::string& inner : DifferingKeys(value, b.at(key), depth - 1)) {
          keys.push_back(key + "." + inner);
        }
      } else {
        keys.push_back(key);
      }
    }
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) keys.push_back(key);
  }
  return keys;
}

}  // namespace sculpt
