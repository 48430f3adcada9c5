#include "spaces/cost_bounds.h"

#include <algorithm>
#include <vector>

#include "spaces/errors.h"

namespace sculpt {

std::optional<CostBounds> ReductionCostBounds(const SearchSpace& space) {
  std::optional<Architecture> largest = space.Largest();
  if (!largest) return std::nullopt;
  CostBounds bounds{*largest, *largest, {}, space.Cost(*largest)};
  // Each reduction removes or shrinks one choice, so the walk ends within as many steps as the
  // largest member has choices times their values; the limit only guards against a space whose
  // reductions would cycle (a bug there).
  constexpr int kMaxSteps = 1'000'000;
  int steps = 0;
  for (std::vector<Architecture> next = space.Reductions(bounds.smallest); !next.empty();
       next = space.Reductions(bounds.smallest)) {
    SCULPT_ASSERT(++steps < kMaxSteps, "space '" + space.Name() + "': reductions do not end");
    bounds.smallest = std::move(next.back());
  }
  bounds.lowest = space.Cost(bounds.smallest);
  return bounds;
}

std::optional<CostRange> SureCostRange(const SearchSpace& space,
                                       const std::optional<CostBounds>& bounds,
                                       const std::string& metric) {
  const std::vector<std::string> metrics = space.CostMetricNames();
  if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) return std::nullopt;
  if (metric == "params" || metric == "flops") {
    if (!bounds) return std::nullopt;
    return CostRange{bounds->smallest, bounds->lowest.at(metric),
                     bounds->largest,  bounds->highest.at(metric),
                     "smallest",       "largest"};
  }
  const std::optional<std::uint64_t> size = space.Size();
  if (!size || *size > kEnumerableMembers) return std::nullopt;
  std::optional<CostRange> range;
  for (Architecture& member : space.Enumerate()) {
    if (!space.IsValid(member)) continue;
    const double cost = space.Cost(member).at(metric);
    if (!range) {
      range = CostRange{member, cost, member, cost, "cheapest", "dearest"};
    } else if (cost < range->lowest) {
      range->lowest = cost;
      range->cheapest = std::move(member);
    } else if (cost > range->highest) {
      range->highest = cost;
      range->dearest = std::move(member);
    }
  }
  return range;
}

}  // namespace sculpt
