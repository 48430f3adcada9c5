#include "predictors/ranking.h"

#include <cmath>
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

}  // namespace sculpt
