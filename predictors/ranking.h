#pragma once
// Ranking quality of a predictor's or a supernet's scores against the truth (sculpt rank, tests,
// benchmarks, diagnostics).
// Thread-safety: pure functions.

#include <cstddef>
#include <span>
#include <vector>

namespace sculpt {

// Fraction of pairs with different true values whose order `predicted` gets right (a predicted
// tie counts as half right). 0.5 is chance. Throws UserError on different lengths or when no pair
// has different true values.
double PairwiseAccuracy(std::span<const double> truth, std::span<const double> predicted);

// Kendall's tau-b between the two rankings (ties in either handled as tau-b does).
double KendallTau(std::span<const double> truth, std::span<const double> predicted);

// Spearman's rho: the Pearson correlation of the ranks (tied values share their mean rank);
// NaN when either side is constant.
double SpearmanRho(std::span<const double> truth, std::span<const double> predicted);

// Of the `k` highest by `predicted`, the fraction that are among the `k` highest by `truth`
// (ties go to the earlier position on both sides). 1 <= k <= size.
double TopPrecision(std::span<const double> truth, std::span<const double> predicted,
                    std::size_t k);

// The positions of `values` from the highest value down (ties: the earlier position first).
std::vector<std::size_t> OrderHighestFirst(std::span<const double> values);

}  // namespace sculpt
