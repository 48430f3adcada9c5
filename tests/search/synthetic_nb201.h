#pragma once
// A synthetic evaluator for nb201 strategy tests: "score" is a fixed function of the cell (every
// op adds a per-edge amount, convs the most; a cell whose input never reaches its output scores
// 10) plus a small noise seeded by the engine, so results never depend on the worker.
// Thread-safe (stateless).

#include "spaces/evaluator.h"
#include "spaces/nb201.h"
#include "spaces/search_space.h"

namespace sculpt::testing {

class SyntheticNb201Evaluator final : public Evaluator {
 public:
  explicit SyntheticNb201Evaluator(const SearchSpace& space) : space_(space) {}

  Metrics Evaluate(const Architecture& arch, const EvalContext& context) const override {
    if (!space_.IsValid(arch)) return {{"score", 10.0}};
    double score = 50.0;
    for (int e = 0; e < nb201::kNumEdges; ++e) {
      switch (arch.choices[e]) {
        case nb201::kConv3x3:
          score += 3.0 + 0.4 * e;
          break;
        case nb201::kConv1x1:
          score += 2.6 - 0.3 * e;
          break;
        case nb201::kSkipConnect:
          score += 1.5 + 0.1 * e;
          break;
        case nb201::kAvgPool3x3:
          score += 0.5;
          break;
        default:
          break;
      }
    }
    if (arch.choices[0] == arch.choices[5]) score += 0.3;
    return {{"score", score + static_cast<double>(context.seed % 1000) * 1e-6}};
  }
  std::vector<std::string> VisibleMetrics() const override { return {"score"}; }

 private:
  const SearchSpace& space_;
};

}  // namespace sculpt::testing
