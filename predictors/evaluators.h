#pragma once
// Factories of the evaluators that need no network (registered in experiments/config/builtins.cc).

#include <memory>

#include "spaces/evaluator.h"

namespace sculpt {

// Looks metrics up in a CSV table keyed by the space's string form (a tabular benchmark such as
// NAS-Bench-201). Options: path, key (column, default "arch"), objective (visible columns),
// report (columns stored for the user but never shown to strategies).
std::unique_ptr<Evaluator> MakeTableEvaluator(Options& options, const EvaluatorContext& context);

// The space's analytic cost metrics (params, flops) as an evaluator.
std::unique_ptr<Evaluator> MakeCostEvaluator(Options& options, const EvaluatorContext& context);

}  // namespace sculpt
