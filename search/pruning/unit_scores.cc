#include "search/pruning/unit_scores.h"

#include <algorithm>
#include <cmath>


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

}  // namespace sculpt
