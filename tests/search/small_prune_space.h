#pragma once
// Test helper: a prune space over a model that exists only in memory (no export folder), for
// strategies that prune: layer 0 with 4 heads and FFN 128 in 2 groups, layer 1 with 2 heads and
// no FFN. Units: 0-3 layer 0's heads, 4-5 its groups, 6-7 layer 1's heads.

#include <memory>
#include <string>

#include "spaces/prune.h"

namespace sculpt::testing {

// The prune space over an in-memory model of `layers` layers with architecture `arch`, its
// FFNs in `neuron_groups` groups.
inline std::unique_ptr<prune::PruneSpace> InMemoryPruneSpace(int layers, const std::string& arch,
                                                             int neuron_groups) {
  prune::Model model;
  model.folder = "/in/memory";
  model.skeleton.layers = layers;
  model.arch = arch;
  model.sizes = transformer::Decode(transformer::MakeSpace(model.skeleton)->Parse(model.arch),
                                    model.skeleton);
  return prune::MakeSpace(model, neuron_groups);
}

inline std::unique_ptr<prune::PruneSpace> SmallPruneSpace() {
  return InMemoryPruneSpace(2, "d64|h4:f128|h2:f0", 2);
}

}  // namespace sculpt::testing
