#include "spaces/cost_bounds.h"

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

namespace {

std::optional<double> SureCost(const std::optional<CostBounds>& bounds, const std::string& metric,
                               const Metrics CostBounds::*end) {
  if (!bounds || (metric != "params" && metric != "flops")) return std::nullopt;
  const Metrics& costs = (*bounds).*end;
  const auto found = costs.find(metric);
  if (found == costs.end()) return std::nullopt;
  return found->second;
}

}  // namespace

std::optional<double> SureLowestCost(const std::optional<CostBounds>& bounds,
                                     const std::string& metric) {
  return SureCost(bounds, metric, &CostBounds::lowest);
}

std::optional<double> SureHighestCost(const std::optional<CostBounds>& bounds,
                                      const std::string& metric) {
  return SureCost(bounds, metric, &CostBounds::highest);
}

}  // namespace sculpt
