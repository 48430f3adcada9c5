#include "experiments/builtins.h"

#include "predictors/evaluators.h"
#include "predictors/neural_comparator.h"
#include "search/strategies.h"
#include "spaces/nb201.h"
#include "supernet/evaluators.h"

namespace sculpt {

const Registry<SpaceFactory>& Spaces() {
  static const Registry<SpaceFactory> registry = [] {
    Registry<SpaceFactory> r("space");
    r.Add("nb201", "NAS-Bench-201 cell: 4 nodes, 6 edges, 5 ops (15,625 cells)",
          nb201::MakeSpaceFromOptions);
    return r;
  }();
  return registry;
}

const Registry<StrategyFactory>& Strategies() {
  static const Registry<StrategyFactory> registry = [] {
    Registry<StrategyFactory> r("strategy");
    r.Add("random", "uniform random sampling", MakeRandomSearch);
    r.Add("regularized_evolution",
          "aging evolution: tournament of `sample` from `population`, one-edit mutation",
          MakeRegularizedEvolution);
    r.Add("nsga2", "NSGA-II: non-dominated sorting and crowding over every objective", MakeNsga2);
    r.Add("astar", "A* pruning from the largest architecture down to a cost target or drop budget",
          MakeAStar);
    r.Add("ctnas", "comparator-guided search with a curriculum of baselines (CTNAS)", MakeCtnas);
    return r;
  }();
  return registry;
}

const Registry<EvaluatorFactory>& Evaluators() {
  static const Registry<EvaluatorFactory> registry = [] {
    Registry<EvaluatorFactory> r("evaluator");
    r.Add("table", "look metrics up in a CSV tabular benchmark keyed by the space's string form",
          MakeTableEvaluator);
    r.Add("cost", "the space's analytic cost metrics (params, flops)", MakeCostEvaluator);
    r.Add("supernet",
          "inherited weights of an SPOS-trained supernet: validation accuracy, loss, latency",
          MakeSupernetEvaluator);
    r.Add("train", "trains each candidate from scratch: validation and test accuracy",
          MakeTrainEvaluator);
    return r;
  }();
  return registry;
}

const Registry<ComparatorOptionsFactory>& Comparators() {
  static const Registry<ComparatorOptionsFactory> registry = [] {
    Registry<ComparatorOptionsFactory> r("comparator");
    r.Add("nac", "neural architecture comparator: GCN over the cell graph, trained on pairs",
          MakeNeuralComparatorFromOptions);
    return r;
  }();
  return registry;
}

ComparatorFactory BuildComparator(Options& block) {
  const std::string type = block.String("type", "nac", Comparators().Names());
  const auto* entry = Comparators().Find(type);
  return entry == nullptr ? ComparatorFactory() : entry->factory(block);
}

}  // namespace sculpt
