#include "experiments/config/builtins.h"

#include "experiments/models/model_export.h"
#include "predictors/evaluators.h"
#include "predictors/neural_comparator.h"
#include "search/strategies.h"
#include "spaces/nb201.h"
#include "spaces/prune.h"
#include "spaces/transformer.h"
#include "supernet/evaluators/evaluators.h"
#include "supernet/families.h"

namespace sculpt {

const Registry<SpaceFactory>& Spaces() {
  static const Registry<SpaceFactory> registry = [] {
    Registry<SpaceFactory> r("space");
    r.Add("nb201", "NAS-Bench-201 cell: 4 nodes, 6 edges, 5 ops (15,625 cells)",
          nb201::MakeSpaceFromOptions);
    r.Add("transformer",
          "vision transformer: embedding dimension, and per layer heads and FFN size (AutoFormer)",
          transformer::MakeSpaceFromOptions);
    r.Add("prune", "which attention heads (and FFN neuron groups) of a trained transformer to keep",
          prune::MakeSpaceFromOptions);
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
    r.Add("importance", "prunes units in increasing order of importance (Michel et al.)",
          MakeImportancePruning);
    r.Add("fisher", "Fisher mask search and rearrangement under a cost budget (Kwon et al.)",
          MakeFisherPruning);
    r.Add("exhaustive",
          "every valid member of the space once, skipping those outside the constraints, then stops",
          MakeExhaustive);
    r.Add("listed", "the architectures of a CSV file, in order or a seeded sample", MakeListed);
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
          [](Options& options, const EvaluatorContext& context) {
            return MakeSupernetEvaluator(options, context, BuildFamily(context.space_config),
                                         ReadExportedModel);
          });
    r.Add("prune", "a mask of the prune space scored with the trained model's weights, the "
          "removed heads and units cut out", MakePruneEvaluator);
    r.Add("train", "trains each candidate from scratch: validation and test accuracy",
          [](Options& options, const EvaluatorContext& context) {
            return MakeTrainEvaluator(options, context, BuildFamily(context.space_config));
          });
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

const Registry<ModelFamilyFactory>& Families() {
  static const Registry<ModelFamilyFactory> registry = [] {
    Registry<ModelFamilyFactory> r("model family");
    r.Add("nb201", "NAS-Bench-201 networks; supernet with every op on every edge",
          [](Options& block) { return MakeNb201Family(block); });
    r.Add("transformer", "vision transformers; weight-entangled supernet",
          MakeTransformerFamily);
    return r;
  }();
  return registry;
}

namespace {

// Reads a canonical space block again: Options wants somewhere to put what it reads.
template <class Registry>
auto FromSpaceBlock(const Registry& registry, const nlohmann::json& block, ConfigErrors& errors)
    -> decltype(registry.Entries().front().factory(std::declval<Options&>())) {
  if (!block.is_object()) return nullptr;
  const auto* entry = registry.Find(block.value("type", std::string()));
  if (entry == nullptr) return nullptr;
  nlohmann::json scratch;
  Options options(block, "space", errors, &scratch);
  options.OptionalString("type");
  return entry->factory(options);
}

}  // namespace

std::shared_ptr<const SearchSpace> BuildSpace(const nlohmann::json& space_block) {
  ConfigErrors errors;
  std::shared_ptr<const SearchSpace> space = FromSpaceBlock(Spaces(), space_block, errors);
  errors.ThrowIfAny();
  if (space == nullptr) {
    throw ConfigError({"space: " + Spaces().UnknownMessage(space_block.is_object()
                                                               ? space_block.value("type", "")
                                                               : std::string())});
  }
  return space;
}

std::shared_ptr<const ModelFamily> BuildFamily(const nlohmann::json& space_block) {
  // The space factory validated this block; a family only reads its skeleton from it.
  ConfigErrors ignored;
  return FromSpaceBlock(Families(), space_block, ignored);
}

ComparatorFactory BuildComparator(Options& block) {
  const std::string type = block.String("type", "nac", Comparators().Names());
  block.Describe("type", "which comparator (`sculpt list comparators`)");
  const auto* entry = Comparators().Find(type);
  return entry == nullptr ? ComparatorFactory() : entry->factory(block);
}

}  // namespace sculpt
