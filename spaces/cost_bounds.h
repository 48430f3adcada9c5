#pragma once
// The cheapest and the dearest members of a space on every cost metric, from its reduction
// graph (SearchSpace::Largest/Reductions): Largest() is the dearest; following reductions from
// it until none is left reaches the cheapest, since no cost grows along a reduction and every
// member reduces to that same end. A config reads them to refuse a constraint that no member can
// meet before anything is trained for it.
// Thread-safety: a pure function of a const space.

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

// The least and the most any member can cost on `metric`, where `bounds` make that sure: for
// counted costs (params, flops) only. A latency table's measured entries need not grow with the
// sizes, so a member off the reduction path may be faster than its end. nullopt otherwise (no
// bounds, or such a metric). Config checks refuse by them a bound that no member meets.
std::optional<double> SureLowestCost(const std::optional<CostBounds>& bounds,
                                     const std::string& metric);
std::optional<double> SureHighestCost(const std::optional<CostBounds>& bounds,
                                      const std::string& metric);

}  // namespace sculpt
