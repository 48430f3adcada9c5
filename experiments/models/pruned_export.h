#pragma once
// The export of a candidate of the prune space: a stand-alone transformer, smaller for real. The
// experiment's prune evaluator gives the candidate's network as it scored it (cut from the
// trained model, tuned when it tunes masks: supernet/prune/pruned_network_source.h), which is written
// as a transformer-family export: `family` "transformer",
// a `skeleton` whose choice lists also hold the pruned layers' head and FFN counts, `arch` the
// pruned sizes in the transformer space's string form, so that the network rebuilds from
// architecture.json alone, as any other export does (docs/EXPORT.md); `pruned` says what was
// removed from which model (the mask, the kept heads and FFN units, params and FLOPs before and
// after) and `input` is the trained model's normalisation.
// Thread-safety: stateless; runs on the calling thread.

#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "spaces/prune.h"
#include "supernet/model_family.h"
#include "supernet/prune/pruned_network_source.h"

namespace sculpt {

struct PrunedExport {
  std::unique_ptr<SearchSpace> space;  // the transformer space of the written skeleton
  Architecture arch;                   // the pruned network in it
  double trained_params = 0;
  double pruned_params = 0;
  // The written network, in eval mode, and its family: what WriteOnnxExport takes once the
  // document is complete.
  std::shared_ptr<ModelFamily> family;
  std::shared_ptr<Network> network;
};

// Rewrites `document` (ArchitectureDocument's, for a candidate `mask` of `space`) into the pruned
// network's and writes out_dir/model.pt. Throws UserError when the trained model's export cannot
// be read.
PrunedExport ExportPrunedNetwork(const prune::PruneSpace& space, const Architecture& mask,
                                 const PrunedNetworkSource& networks, nlohmann::json& document,
                                 const std::filesystem::path& out_dir);

}  // namespace sculpt
