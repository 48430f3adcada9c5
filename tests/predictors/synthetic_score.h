#pragma once
// A synthetic, learnable ranking of nb201 cells for the predictor tests: the number of conv3x3
// edges, conv1x1 worth less, a small penalty for 'none' (distinct values for most cells, so few
// pairs tie).

#include "spaces/architecture.h"
#include "spaces/nb201.h"

namespace sculpt::testing {

inline double SyntheticScore(const Architecture& arch) {
  double score = 0;
  for (int op : arch.choices) {
    score += op == nb201::kConv3x3 ? 1.0 : op == nb201::kConv1x1 ? 0.35 : op == nb201::kNone ? -0.1 : 0;
  }
  return score;
}

}  // namespace sculpt::testing
