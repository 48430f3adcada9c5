#pragma once
// Factories of the built-in strategies, registered in experiments/config/builtins.cc. Each lives in its
// own file; the concrete classes are hidden there.

#include <memory>

#include "search/strategy.h"

namespace sculpt {

// Uniform random sampling (repeats cost nothing: the engine answers them from its cache).
std::unique_ptr<Strategy> MakeRandomSearch(Options& options, const StrategyContext& context);

// Regularized (aging) evolution, Real et al. 2019: population P, tournament of S, one-edit mutation.
std::unique_ptr<Strategy> MakeRegularizedEvolution(Options& options, const StrategyContext& context);

// NSGA-II, Deb et al. 2002: multi-objective evolution by non-dominated sorting and crowding.
std::unique_ptr<Strategy> MakeNsga2(Options& options, const StrategyContext& context);

// A* over the space's reduction graph from its largest member: a resource target with the
// smallest measured drop of the first objective, or the largest reduction within a drop budget.
std::unique_ptr<Strategy> MakeAStar(Options& options, const StrategyContext& context);

// CTNAS (Chen et al. 2021): comparator-guided search with a curriculum of baselines. Needs
// context.comparators (its "comparator" block configures the comparator). See search/ctnas.cc.
std::unique_ptr<Strategy> MakeCtnas(Options& options, const StrategyContext& context);

// Gradient-based pruning of a trained model (the prune space with the prune evaluator), see
// search/pruning/: Michel et al.'s importance order (or Fisher, or random), and Kwon et al.'s
// Fisher mask search with rearrangement under a cost budget.
std::unique_ptr<Strategy> MakeImportancePruning(Options& options, const StrategyContext& context);
std::unique_ptr<Strategy> MakeFisherPruning(Options& options, const StrategyContext& context);

// Every member of the space once, in a fixed order, skipping those outside the constraints:
// exact per-budget answers where scores are look-ups (the block-wise table). See search/exhaustive.cc.
std::unique_ptr<Strategy> MakeExhaustive(Options& options, const StrategyContext& context);

// The architectures of a CSV file, in file order or a seeded sample, then nothing: scores
// exactly a ground-truth table's architectures with any evaluator (see `sculpt rank`).
std::unique_ptr<Strategy> MakeListed(Options& options, const StrategyContext& context);

}  // namespace sculpt
