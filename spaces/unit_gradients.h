#pragma once
// UnitGradients: what gradient-based pruning needs to know of a trained model, without the model.
// A pruning space (spaces/prune.h) has one choice per unit (an attention head, a group of FFN
// neurons), 1 = kept. Put a gate on every unit's output (1 = the trained model) and take, for each
// of a sample of training examples, the gradient of that example's loss with respect to every
// gate: Michel et al.'s head importance is the mean of their absolute values, Kwon et al.'s
// Fisher information the sum of their squares (and, across a layer's units, of their products).
// The model code computes the matrix (supernet/prune/prune_gradients.h); strategies in search/ turn it
// into importance orders and masks, never seeing a tensor.
// Who may call: a UnitGradientSource is an evaluator's second face (the prune evaluator's);
// Gradients() computes once, on the first call, and is safe to call from any thread.

#include <cstdint>
#include <string>
#include <vector>

namespace sculpt {

// Units that belong together: one layer's heads, or one layer's neuron groups. Scores are
// compared within a group (Michel normalises per layer) and Fisher blocks are per group.
struct UnitGroup {
  std::string name;        // e.g. "layer2.heads"
  std::string kind;        // "head" or "neurons"
  std::vector<int> units;  // unit indices (positions in the architecture's choices)
};

struct UnitGradients {
  std::int64_t examples = 0;
  int units = 0;
  // examples x units, row-major: d loss(example) / d gate(unit), at every gate 1.
  std::vector<float> values;
  // Disjoint, covering every unit, in unit order.
  std::vector<UnitGroup> groups;

  float At(std::int64_t example, int unit) const {
    return values[static_cast<std::size_t>(example) * static_cast<std::size_t>(units) +
                  static_cast<std::size_t>(unit)];
  }
};

class UnitGradientSource {
 public:
  virtual ~UnitGradientSource() = default;
  // The gradients for the space's units (seconds to minutes the first time; cached after).
  virtual const UnitGradients& Gradients() const = 0;
};

}  // namespace sculpt
