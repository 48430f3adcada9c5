#pragma once
// The cheapest and the dearest members of a space on every cost metric, from its reduction
// graph (SearchSpace::Largest/Reductions): Largest() is the dearest; following reductions from
// it until none is left reaches the cheapest, since no cost grows along a reduction and every
// member reduces to that same end. A config reads them to refuse a constraint that no member can
// meet before anything is trained for it.
// Thread-safety: a pure function of a const space.

#include <cstdint>
#include <optional>
#include <string>

#include "spaces/architecture.h"
#include "spaces/metrics.h"
#include "spaces/search_space.h"

namespace sculpt {

struct CostBounds {
  Architecture smallest;
  Architecture largest;
  Metrics lowest;   // Cost(smallest)
  Metrics highest;  // Cost(largest)
};

// nullopt for a space without a reduction graph (then no bound is known).
std::optional<CostBounds> ReductionCostBounds(const SearchSpace& space);

// The least and the most any member costs on one metric, with a member at each end.
struct CostRange {
  Architecture cheapest;
  double lowest = 0;
  Architecture dearest;
  double highest = 0;
  // How a message names the ends: "smallest"/"largest" (the reduction walk's ends, params and
  // FLOPs) or "cheapest"/"dearest" (found by scoring every member, e.g. by latency).
  std::string cheapest_word;
  std::string dearest_word;
};

// The range of `metric` over every member of `space`, where it is sure: for counted costs
// (params, flops) the ends of the reduction walk (`bounds`); for another cost metric (a latency
// table's entries need not grow with the sizes, so a member off the reduction path may be faster
// than its end) every member's cost, in a space of at most kEnumerableMembers. nullopt otherwise
// (no bounds, a space too large, not a cost metric). Config checks refuse by it a constraint or a
// budget that no member meets.
inline constexpr std::uint64_t kEnumerableMembers = 250'000;
std::optional<CostRange> SureCostRange(const SearchSpace& space,
                                       const std::optional<CostBounds>& bounds,
                                       const std::string& metric);

}  // namespace sculpt
