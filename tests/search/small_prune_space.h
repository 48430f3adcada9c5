#pragma once
// Test helper: a prune space over a model that exists only in memory (no export folder), for
// strategies that prune: layer 0 with 4 heads and FFN 128 in 2 groups, layer 1 with 2 heads and
// no FFN. Units: 0-3 layer 0's heads, 4-5 its groups, 6-7 layer 1's heads.

#include <memory>

#include "spaces/prune.h"

namespace sculpt::testing {

inline std::unique_ptr<prune::PruneSpace> SmallPruneSpace() {
  prune::Model model;
  model.folder = "/in/memory";
  model.skeleton.layers = 2;
  model.arch = "d64|h4:f128|h2:f0";
  model.sizes = transformer::Decode(transformer::MakeSpace(model.skeleton)->Parse(model.arch),
                                    model.skeleton);
  return prune::MakeSpace(model, 2);
}

}  // namespace sculpt::testing
