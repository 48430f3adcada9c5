#pragma once
// What gradient-based pruning strategies read from their context: the space's largest
// architecture as kept/removed units (every choice 1, each unit removable on its own, as the
// prune space has it) and, unless they prune in random order, the evaluator's unit gradients.
// Errors go to the strategy's options.
// Thread-safety: pure functions.

#include <optional>
#include <string>

#include "search/strategy.h"

namespace sculpt {

// The largest architecture when `context.space` is a space of units; nullopt after an error.
std::optional<Architecture> ReadPrunableUnits(Options& options, const StrategyContext& context,
                                              const std::string& strategy);

// The evaluator's gate gradients source; null after an error.
const UnitGradientSource* RequireUnitGradients(Options& options, const StrategyContext& context,
                                               const std::string& strategy);

}  // namespace sculpt
