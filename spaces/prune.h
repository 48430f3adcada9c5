#pragma once
// The pruning space ("prune"): which attention heads, and optionally which groups of FFN
// neurons, of one trained transformer to keep. The trained model is one Sculpt exported (a
// folder with architecture.json and model.pt: a run's "final" export, `sculpt train --out` or
// `sculpt export`); the space reads its architecture.json only (skeleton and architecture), the
// weights are the business of the model code in supernet/.
//
// An architecture has one choice per unit, 1 = kept and 0 = removed, in unit order: layer by
// layer, the trained layer's heads (first head first), then, with "neuron_groups" G > 0, its
// FFN hidden units in G equal consecutive groups (G must divide every trained FFN size).
// String form: the layers joined by '|', each its heads mask ("1101"), then with neuron groups
// '/' and its groups mask; '-' for a part the trained layer does not have. With G = 2:
// "1101/11|-/10|11/-". The trained model itself is every unit kept.
// Reduction graph: Largest() is the trained model, Reductions() remove one kept unit each (in
// unit order), so astar walks from the trained model down. Costs (params, flops of the network
// with the removed units cut out of its weight matrices, as spaces/transformer.h counts them;
// heads and neurons kept; with a latency table, latency_lut_ms) are known before evaluation.
// The latency table is one `sculpt latency` measured for a transformer skeleton like the
// model's (image, patch, layers, head dimension, classes, pooling) whose lists hold the model's
// embedding dimension and every head count and FFN size a mask can leave; the prediction is the
// transformer space's sum of parts for the pruned sizes. A layer left with no heads and no
// neurons is the identity, as in the transformer space.
// Canonical form: the string form. Every unit has its own trained weights, so two masks
// compute the same function only by accident.
// Thread-safety: value types and pure functions; the space is immutable.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spaces/architecture.h"
#include "spaces/latency_lookup.h"
#include "spaces/options.h"
#include "spaces/search_space.h"
#include "spaces/transformer.h"

namespace sculpt::prune {

// What the space knows of the trained model.
struct Model {
  std::filesystem::path folder;   // the export folder
  transformer::Skeleton skeleton;  // the trained network's skeleton
  std::string arch;                // its architecture in the transformer space's string form
  transformer::Sizes sizes;        // its sizes (embedding, and per layer heads and FFN units)
  // The data set block it was trained on (the training's "final" or "evaluator" block's, or what
  // a pruned model's export carries over from its own model); null when the export says none.
  nlohmann::json dataset;
  // Which trained model the folder holds: the training run its export names and a hash of its
  // model.pt. Recorded in the experiment's config ("space.trained_model"), so that a folder
  // that holds another model since is noticed (sculpt export, --resume).
  nlohmann::json identity;
};

// Reads folder/architecture.json (and hashes folder/model.pt for the identity); UserError naming
// the file and the problem when it is missing, unreadable or not a trained transformer (family
// "transformer" with a skeleton).
Model ReadModel(const std::filesystem::path& folder);

// The sizes of the network one mask keeps (each layer's kept heads and kept FFN units), which
// transformer::CountParams/CountFlops and the network code take.
struct Mask {
  // Per layer: the kept heads (indices into the trained layer's heads) and kept FFN units.
  std::vector<std::vector<int>> heads;
  std::vector<std::vector<int>> neurons;
};

// `sizes` (a pruned network's) as an architecture of the transformer space on `skeleton`,
// whose lists must hold its embedding dimension and every layer's head count and FFN size
// (InternalError otherwise): how a pruned network is timed by a latency table and exported.
Architecture SizesIn(const transformer::Sizes& sizes, const transformer::Skeleton& skeleton);

class PruneSpace : public SearchSpace {
 public:
  virtual const Model& TrainedModel() const = 0;
  virtual int NeuronGroups() const = 0;
  // Which units `arch` keeps; UserError unless it is a member.
  virtual Mask Kept(const Architecture& arch) const = 0;
  // The pruned network's sizes (heads and FFN sizes are the kept counts).
  virtual transformer::Sizes PrunedSizes(const Architecture& arch) const = 0;
};

// `neuron_groups` 0: heads only. UserError when the groups do not divide an FFN size, when the
// model has no unit to prune, or when `latency_table` (null: no latency_lut_ms) does not fit.
std::unique_ptr<PruneSpace> MakeSpace(Model model, int neuron_groups,
                                      std::shared_ptr<const LatencyLookup> latency_table = nullptr);

// Factory for the registry: "model" (the export folder; a config's relative path is anchored to
// its folder by the config reader), "neuron_groups" (0) and "latency_table" (a file; relative
// paths anchored the same way).
std::unique_ptr<SearchSpace> MakeSpaceFromOptions(Options& options);

}  // namespace sculpt::prune
