#pragma once
// Factories of the built-in strategies, registered in experiments/builtins.cc. Each lives in its
// own file; the concrete classes are hidden there.

#include <memory>

#include "search/strategy.h"

namespace sculpt {

// Uniform random sampling (repeats cost nothing: the engine answers them from its cache).
std::unique_ptr<Strategy> MakeRandomSearch(Options& options, const StrategyContext& context);

// Regularized (aging) evolution, Real et al. 2019: population P, tournament of S, one-edit mutation.
std::unique_ptr<Strategy> MakeRegularizedEvolution(Options& options, const StrategyContext& context);




}  // namespace sculpt
