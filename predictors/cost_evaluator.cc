// The cost evaluator: the space's analytic costs (params, flops) as the evaluation itself, for
// searches over cost alone or tests that need an evaluator without data.

#include "predictors/evaluators.h"
#include "spaces/search_space.h"

namespace sculpt {
namespace {

class CostEvaluator final : public Evaluator {
 public:
  explicit CostEvaluator(const SearchSpace& space) : space_(space) {}

  Metrics Evaluate(const Architecture& arch, const EvalContext& /*context*/) const override {
    return space_.Cost(arch);
  }
  std::vector<std::string> VisibleMetrics() const override { return space_.CostMetricNames(); }

 private:
  const SearchSpace& space_;
};

}  // namespace

std::unique_ptr<Evaluator> MakeCostEvaluator(Options& options, const EvaluatorContext& context) {
  if (context.space->CostMetricNames().empty()) {
    options.Error("type", "space '" + context.space->Name() + "' has no analytic cost metrics");
    return nullptr;
  }
  return std::make_unique<CostEvaluator>(*context.space);
}

}  // namespace sculpt
