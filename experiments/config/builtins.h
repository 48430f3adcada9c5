#pragma once
// The registries of built-in components. Adding a space, strategy or evaluator is one new file
// plus one line in builtins.cc; a space with networks also registers its model family (one
// family file plus one line). Built on first use; read-only afterwards (safe from any thread).

#include <memory>

#include <nlohmann/json.hpp>

#include "search/strategy.h"
#include "spaces/evaluator.h"
#include "spaces/predictor.h"
#include "spaces/registry.h"
#include "spaces/search_space.h"
#include "supernet/model_family.h"

namespace sculpt {

const Registry<SpaceFactory>& Spaces();
const Registry<StrategyFactory>& Strategies();
const Registry<EvaluatorFactory>& Evaluators();
const Registry<ComparatorOptionsFactory>& Comparators();
// Model families, under the name of the space whose networks they build.
const Registry<ModelFamilyFactory>& Families();

// The space a (valid, canonical) space block describes; ConfigError when it is not valid.
std::shared_ptr<const SearchSpace> BuildSpace(const nlohmann::json& space_block);
// The model family of the space a (valid) space block describes; null when the space has none.
std::shared_ptr<const ModelFamily> BuildFamily(const nlohmann::json& space_block);

// Reads a comparator block: its "type" (default "nac") picks the registered comparator, which
// reads the rest. Errors go through `block`; returns an empty factory when the type is unknown.
// Does not call Finish.
ComparatorFactory BuildComparator(Options& block);

}  // namespace sculpt
