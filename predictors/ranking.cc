#include "predictors/ranking.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "spaces/errors.h"

namespace sculpt {
namespace {

void CheckLengths(std::span<const double> truth, std::span<const double> predicted) {
  if (truth.size() != predicted.size()) {
    throw UserError("ranking metrics need as many predictions as true values, got " +
                    std::to_string(predicted.size()) + " and " + std::to_string(truth.size()));
  }
}

int Sign(double x) { return (x > 0) - (x < 0); }

// Ranks 1..n from the lowest value up, tied values sharing their mean rank.
std::vector<double> Ranks(std::span<const double> values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = 1.0 + 0.5 * static_cast<double>(i + j);
    i = j + 1;
  }
  return ranks;
}

}  // namespace

double PairwiseAccuracy(std::span<const double> truth, std::span<const double> predicted) {
  CheckLengths(truth, predicted);
  double right = 0;
  long pairs = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    for (std::size_t j = i + 1; j < truth.size(); ++j) {
      const int t = Sign(truth[i] - truth[j]);
      if (t == 0) continue;
      ++pairs;
      const int p = Sign(predicted[i] - predicted[j]);
      right += p == t ? 1.0 : (p == 0 ? 0.5 : 0.0);
    }
  }
  if (pairs == 0) throw UserError("pairwise accuracy needs two different true values");
  return right / static_cast<double>(pairs);
}

double KendallTau(std::span<const double> truth, std::span<const double> predicted) {
  CheckLengths(truth, predicted);
  double concordant_minus_discordant = 0, untied_truth = 0, untied_predicted = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    for (std::size_t j = i + 1; j < truth.size(); ++j) {
      const int t = Sign(truth[i] - truth[j]);
      const int p = Sign(predicted[i] - predicted[j]);
      concordant_minus_discordant += t * p;
      untied_truth += t != 0 ? 1 : 0;
      untied_predicted += p != 0 ? 1 : 0;
    }
  }
  const double denominator = std::sqrt(untied_truth * untied_predicted);
  return denominator > 0 ? concordant_minus_discordant / denominator : 0.0;
}

double SpearmanRho(std::span<const double> truth, std::span<const double> predicted) {
  CheckLengths(truth, predicted);
  const std::vector<double> ra = Ranks(truth), rb = Ranks(predicted);
  const double n = static_cast<double>(ra.size());
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    ma += ra[i] / n;
    mb += rb[i] / n;
  }
  double cov = 0, va = 0, vb = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    cov += (ra[i] - ma) * (rb[i] - mb);
    va += (ra[i] - ma) * (ra[i] - ma);
    vb += (rb[i] - mb) * (rb[i] - mb);
  }
  return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : std::nan("");
}

std::vector<std::size_t> OrderHighestFirst(std::span<const double> values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
  return order;
}

double TopPrecision(std::span<const double> truth, std::span<const double> predicted,
                    std::size_t k) {
  CheckLengths(truth, predicted);
  if (k < 1 || k > truth.size()) {
    throw UserError("top-k precision needs 1 <= k <= " + std::to_string(truth.size()) +
                    ", got k = " + std::to_string(k));
  }
  std::vector<std::size_t> best_true = OrderHighestFirst(truth);
  std::vector<std::size_t> best_predicted = OrderHighestFirst(predicted);
  best_true.resize(k);
  best_predicted.resize(k);
  std::sort(best_true.begin(), best_true.end());
  std::sort(best_predicted.begin(), best_predicted.end());
  std::vector<std::size_t> both;
  std::set_intersection(best_true.begin(), best_true.end(), best_predicted.begin(),
                        best_predicted.end(), std::back_inserter(both));
  return static_cast<double>(both.size()) / static_cast<double>(k);
}

}  // namespace sculpt
