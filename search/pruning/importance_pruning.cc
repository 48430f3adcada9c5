// The "importance" strategy: Michel et al. (2019), "Are Sixteen Heads Really Better than One?":
// score every unit once, on the trained model, and remove units in increasing order of score,
// one more at a time, each mask evaluated for real (search/pruning/planned_pruning.h).
// Scores (option "scores"):
//  - gradient (the paper's): mean |dL/dgate| over the gradients' sample, normalised per layer;
//  - fisher: sum of (dL/dgate)^2 (Kwon et al.'s diagonal Fisher information), not normalised;
//  - random: a seeded random order (the baseline any importance score must beat).
// The order is fixed before the first reduction is measured (no re-scoring), as in the paper.
// Goals: max_drop (stop at the first mask over it; the answer is the mask before), and/or
// target {metric, max} (the plan ends at the first mask within that cost).

#include <algorithm>
#include <numeric>

#include "search/cost_metric.h"
#include "search/pruning/planned_pruning.h"
#include "search/pruning/prunable_units.h"
#include "search/pruning/unit_scores.h"
#include "search/strategies.h"

namespace sculpt {

std::unique_ptr<Strategy> MakeImportancePruning(Options& options, const StrategyContext& context) {
  const std::string scores = options.String("scores", "gradient", {"gradient", "fisher", "random"});
  options.Describe("scores",
                   "how units are ordered: gradient (Michel et al.: mean |dL/dgate|, normalised "
                   "per layer), fisher (sum of squared gate gradients), random (seeded order)");
  const std::optional<double> max_drop = options.OptionalNumber("max_drop", 0.0);
  options.Describe("max_drop", "stop at the first mask whose drop of the first objective from the "
                               "trained model exceeds this; the answer is the mask before it");
  Options target = options.Child("target");
  options.Describe("target", "a cost to reach: {\"metric\": M, \"max\": X}");
  const std::string metric = ReadCostMetric(target, *context.space, "metric");
  options.Describe("target.metric", "the cost metric of target.max (flops by default)");
  const std::optional<double> max = target.OptionalNumber("max", 0.0);
  options.Describe("target.max",
                   "end the plan at the first mask whose target.metric is at most "
                   "this; without it or max_drop every unit is removed in turn "
                   "(the whole order, e.g. to plot accuracy against units "
                   "removed) and the answer is the last mask, with none left");
  target.Finish();

  const std::optional<Architecture> largest = ReadPrunableUnits(options, context, "importance");
  const UnitGradientSource* gradients =
      scores == "random" ? nullptr : RequireUnitGradients(options, context, "importance");
  if (!largest || (scores != "random" && gradients == nullptr)) return nullptr;

  const SearchSpace& space = *context.space;
  const std::uint64_t seed = context.seed;
  PruningPlan plan = [&space, largest = *largest, gradients, scores, metric, max, seed] {
    const std::size_t units = largest.choices.size();
    std::vector<double> score(units, 0.0);
    if (scores == "gradient") score = MichelImportance(gradients->Gradients());
    if (scores == "fisher") score = FisherDiagonal(gradients->Gradients());
    std::vector<int> order(units);
    std::iota(order.begin(), order.end(), 0);
    if (scores == "random") {
      Rng rng(MixSeed(seed, 0x1a90));
      std::shuffle(order.begin(), order.end(), rng);
    } else {
      std::stable_sort(order.begin(), order.end(),
                       [&score](int a, int b) { return score[a] < score[b]; });
    }
    std::vector<Architecture> masks;
    Architecture mask = largest;
    for (const int unit : order) {
      mask.choices[unit] = 0;
      masks.push_back(mask);
      if (max && space.Cost(mask).at(metric) <= *max) break;
    }
    return masks;
  };
  return MakePlannedPruning("importance", *largest, std::move(plan), max_drop);
}

}  // namespace sculpt
