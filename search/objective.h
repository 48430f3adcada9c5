#pragma once
// Objectives and constraints of an experiment.
// A strategy sees objective values oriented so that larger is always better (Orient()); the
// stored and displayed values keep their natural sign.

#include <optional>
#include <string>
#include <vector>

#include "spaces/metrics.h"

namespace sculpt {

enum class Goal { kMaximize, kMinimize };

struct Objective {
  std::string metric;
  Goal goal = Goal::kMaximize;

  // The value a strategy sees: larger is better.
  double Orient(double value) const { return goal == Goal::kMaximize ? value : -value; }
  // True when `a` is strictly better than `b` (natural values).
  bool Better(double a, double b) const { return Orient(a) > Orient(b); }
};

// A bound on a metric known before evaluation (a cost metric such as params or flops).
// Infeasible proposals are never evaluated.
struct Constraint {
  std::string metric;
  std::optional<double> min;
  std::optional<double> max;

  bool SatisfiedBy(const Metrics& metrics) const;
  // e.g. "params <= 1e+06"
  std::string Describe() const;
};

// True when `metrics` satisfy every constraint (and trivially with none).
bool SatisfiesAll(const std::vector<Constraint>& constraints, const Metrics& metrics);

}  // namespace sculpt
