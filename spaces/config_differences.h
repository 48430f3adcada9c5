#pragma once
// Where two configs (JSON objects) differ, by key: what a "nothing to resume" message names so
// that a user sees which setting kept a run from matching, e.g. "seed, workers" or, one level
// down, "training.epochs".
// Thread-safety: a pure function (as pure as `same`, when one is given).

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sculpt {

// Whether objects `a` and `b` agree on `key` (either may lack it), by a caller's rules.
using SameKey =
    std::function<bool(const nlohmann::json& a, const nlohmann::json& b, const std::string& key)>;

// The keys whose values differ or that only one of `a` and `b` has, `a`'s order first. Objects
// under the same key in both are compared key by key down to `depth` levels ("training.seed");
// below that, or for other values, a key is named whole. `same` (default: equal values, present
// in both) decides whether a key differs at all.
std::vector<std::string> DifferingKeys(const nlohmann::json& a, const nlohmann::json& b,
                                       int depth = 1, const SameKey& same = nullptr);

}  // namespace sculpt
