#include "search/pruning/prunable_units.h"

#include <algorithm>

namespace sculpt {

std::optional<Architecture> ReadPrunableUnits(Options& options, const StrategyContext& context,
                                              const std::string& strategy) {
  const SearchSpace& space = *context.space;
  std::optional<Architecture> largest = space.Largest();
  const bool units = largest && !largest->choices.empty() &&
                     std::all_of(largest->choices.begin(), largest->choices.end(),
                                 [](int c) { return c == 1; }) &&
                     space.Reductions(*largest).size() == largest->choices.size();
  if (!units) {
    options.Error("", strategy + " removes units (heads, neuron groups) of a trained model: it "
                                 "needs the prune space, not space '" + space.Name() + "'");
    return std::nullopt;
  }
  if (context.objectives.empty()) options.Error("", strategy + " needs at least one objective");
  return largest;
}

const UnitGradientSource* RequireUnitGradients(Options& options, const StrategyContext& context,
                                               const std::string& strategy) {
  if (context.unit_gradients == nullptr) {
    options.Error("", strategy + " needs the gradients of the units' gates, which the prune "
                                 "evaluator gives (evaluator {\"type\": \"prune\"})");
  }
  return context.unit_gradients;
}

}  // namespace sculpt
