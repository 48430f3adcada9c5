#pragma once
// PrunedNetworkSource: the prune evaluator's third face (besides Evaluator and
// UnitGradientSource). A mask's network exactly as the evaluator scores it: cut from the trained
// model (supernet/prune/prune_network.h) and, with the evaluator's "tune" option, with its kept units'
// outputs rescaled by mask tuning (supernet/prune/mask_tuning.h). `sculpt export` writes this network,
// so what is exported is what was measured.
// Thread-safety: PrunedNetwork may be called from any thread.

#include "spaces/architecture.h"
#include "supernet/transformer/transformer_network.h"

namespace sculpt {

class PrunedNetworkSource {
 public:
  virtual ~PrunedNetworkSource() = default;
  // Throws UserError when `mask` is not a member of the evaluator's prune space.
  virtual TransformerNetwork PrunedNetwork(const Architecture& mask) const = 0;
};

}  // namespace sculpt
