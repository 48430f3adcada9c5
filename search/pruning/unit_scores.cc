#include "search/pruning/unit_scores.h"

#include <algorithm>
#include <cmath>

#include "spaces/did_you_mean.h"
#include "spaces/errors.h"

namespace sculpt {

std::vector<double> MichelImportance(const UnitGradients& gradients) {
  std::vector<double> scores(static_cast<std::size_t>(gradients.units), 0.0);
  for (std::int64_t e = 0; e < gradients.examples; ++e) {
    for (int u = 0; u < gradients.units; ++u) scores[u] += std::abs(gradients.At(e, u));
  }
  for (double& score : scores) score /= static_cast<double>(std::max<std::int64_t>(1, gradients.examples));
  for (const UnitGroup& group : gradients.groups) {
    double norm = 0;
    for (const int u : group.units) norm += scores[u] * scores[u];
    norm = std::sqrt(norm);
    if (norm == 0) continue;
    for (const int u : group.units) scores[u] /= norm;
  }
  return scores;
}

std::vector<double> FisherDiagonal(const UnitGradients& gradients) {
  std::vector<double> fisher(static_cast<std::size_t>(gradients.units), 0.0);
  for (std::int64_t e = 0; e < gradients.examples; ++e) {
    for (int u = 0; u < gradients.units; ++u) {
      const double g = gradients.At(e, u);
      fisher[u] += g * g;
    }
  }
  return fisher;
}

std::vector<double> FisherBlock(const UnitGradients& gradients, const UnitGroup& group) {
  const std::size_t n = group.units.size();
  std::vector<double> block(n * n, 0.0);
  for (std::int64_t e = 0; e < gradients.examples; ++e) {
    for (std::size_t i = 0; i < n; ++i) {
      const double gi = gradients.At(e, group.units[i]);
      for (std::size_t j = 0; j < n; ++j) block[i * n + j] += gi * gradients.At(e, group.units[j]);
    }
  }
  return block;
}

std::vector<double> UnitSavings(const SearchSpace& space, const Architecture& largest,
                                const std::string& metric) {
  const double full = space.Cost(largest).at(metric);
  std::vector<double> savings(largest.choices.size(), 0.0);
  for (std::size_t u = 0; u < largest.choices.size(); ++u) {
    Architecture without = largest;
    without.choices[u] = 0;
    savings[u] = full - space.Cost(without).at(metric);
  }
  return savings;
}

std::string ReadCostMetric(Options& options, const SearchSpace& space, const std::string& key) {
  const std::vector<std::string> costs = space.CostMetricNames();
  if (costs.empty()) {
    options.Error(key, "space '" + space.Name() + "' has no cost metric");
    return "";
  }
  const bool has_flops = std::find(costs.begin(), costs.end(), "flops") != costs.end();
  const std::string fallback = has_flops ? "flops" : costs.front();
  // Checked here rather than by String's list, which would document one space's metrics as
  // every space's (see experiments/config/option_docs.h).
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
