#pragma once
// Performance predictors over a search space, as strategies see them (no LibTorch here: the
// concrete models live in predictors/, and search/ only ever holds these interfaces).
//  - Predictor: a regressor, Fit on (architecture, score) pairs, Predict scores.
//  - Comparator: a pairwise model (the Neural Architecture Comparator of CTNAS, Chen et al.,
//    CVPR 2021): Fit on (architecture, score) pairs, from which it builds its own training pairs
//    labelled 1[score_a > score_b]; ProbabilityBetter(a, b) estimates P(a is better than b).
// Scores are oriented so that larger is better. Fitting replaces what an earlier Fit learnt
// (a model is a function of its seed and its latest training data only), so a strategy can
// rebuild a model exactly after a restore by fitting the same data again.
// Thread-safety: none; a model is used from one thread at a time (a strategy's controlling
// thread). Fit and the queries may run intra-op parallel code internally.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "spaces/architecture.h"

namespace sculpt {

class Options;
class SearchSpace;

class Predictor {
 public:
  virtual ~Predictor() = default;

  // Trains on `scores[i]` of `archs[i]` (equal lengths, at least two architectures).
  virtual void Fit(std::span<const Architecture> archs, std::span<const double> scores) = 0;

  // Predicted scores, on the scale of the training scores. Requires an earlier Fit.
  virtual std::vector<double> Predict(std::span<const Architecture> archs) = 0;
};

class Comparator {
 public:
  virtual ~Comparator() = default;

  // Trains on pairs of the given architectures labelled 1[score_a > score_b] (ties are skipped).
  // Equal lengths; needs at least two different scores.
  virtual void Fit(std::span<const Architecture> archs, std::span<const double> scores) = 0;

  // P(a is better than b). Before any Fit, 0.5.
  virtual double ProbabilityBetter(const Architecture& a, const Architecture& b) = 0;

  // P(candidates[i] is better than reference) for every i, in one batch.
  virtual std::vector<double> ProbabilityBetter(std::span<const Architecture> candidates,
                                                const Architecture& reference) = 0;

  // The n x n matrix P(archs[i] is better than archs[j]), row-major (diagonal 0.5).
  virtual std::vector<double> ProbabilityMatrix(std::span<const Architecture> archs) = 0;
};

using PredictorFactory =
    std::function<std::unique_ptr<Predictor>(const SearchSpace& space, std::uint64_t seed)>;
using ComparatorFactory =
    std::function<std::unique_ptr<Comparator>(const SearchSpace& space, std::uint64_t seed)>;

// Reads one registered comparator's options from a config block (e.g. a strategy's
// "comparator": {"hidden": 32}), reporting errors through Options (it does not call Finish),
// and returns the factory that builds comparators so configured.
using ComparatorOptionsFactory = std::function<ComparatorFactory(Options& options)>;

}  // namespace sculpt
