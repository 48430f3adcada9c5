#pragma once
// The registries of built-in components. Adding a space, strategy or evaluator is one new file
// plus one line in builtins.cc. Built on first use; read-only afterwards (safe from any thread).

#include "search/strategy.h"
#include "spaces/evaluator.h"
#include "spaces/predictor.h"
#include "spaces/registry.h"
#include "spaces/search_space.h"

namespace sculpt {

const Registry<SpaceFactory>& Spaces();
const Registry<StrategyFactory>& Strategies();
const Registry<EvaluatorFactory>& Evaluators();
const Registry<ComparatorOptionsFactory>& Comparators();

// Reads a comparator block: its "type" (default "nac") picks the registered comparator, which
// reads the rest. Errors go through `block`; returns an empty factory when the type is unknown.
// Does not call Finish.
ComparatorFactory BuildComparator(Options& block);

}  // namespace sculpt
