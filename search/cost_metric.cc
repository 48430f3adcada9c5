#include "search/cost_metric.h"

#include <algorithm>

#include "spaces/did_you_mean.h"

namespace sculpt {

std::string ReadCostMetric(Options& options, const SearchSpace& space, const std::string& key) {
  const std::vector<std::string> costs = space.CostMetricNames();
  if (costs.empty()) {
    options.Error(key, "space '" + space.Name() + "' has no cost metric");
    return "";
  }
  const bool has_flops = std::find(costs.begin(), costs.end(), "flops") != costs.end();
  const std::string fallback = has_flops ? "flops" : costs.front();
  const std::string metric = options.String(key, fallback);
  if (std::find(costs.begin(), costs.end(), metric) != costs.end()) return metric;
  std::string message = "expected one of the cost metrics of space '" + space.Name() + "' (" +
                        JoinNames(costs) + "), got '" + metric + "'";
  const std::string guess = DidYouMean(metric, costs);
  if (!guess.empty()) message += "; did you mean '" + guess + "'?";
  options.Error(key, message);
  return fallback;
}

}  // namespace sculpt
