#pragma once
// Ranking quality of a predictor's outputs against the truth (tests, benchmarks, diagnostics).
// Thread-safety: pure functions.

#include <span>

namespace sculpt {

// Fraction of pairs with different true values whose order `predicted` gets right (a predicted
// tie counts as half right). 0.5 is chance. Throws UserError on different lengths or when no pair
// has different true values.
double PairwiseAccuracy(std::span<const double> truth, std::span<const double> predicted);

// Kendall's tau-b between the two rankings (ties in either handled as tau-b does).
double KendallTau(std::span<const double> truth, std::span<const double> predicted);

}  // namespace sculpt
