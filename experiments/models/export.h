#pragma once
// Export: the file `sculpt export` writes for one chosen candidate, DIR/architecture.json, which
// deployment and retraining read: the space, the architecture's string form and canonical hash,
// its metrics, where it came from (candidate and experiment, with the config as run) and the
// Sculpt version.
// Thread-safety: stateless functions.

#include <filesystem>
#include <nlohmann/json.hpp>

#include "experiments/store/store.h"
#include "spaces/search_space.h"

namespace sculpt {

inline constexpr int kExportFormatVersion = 1;

// The document for `candidate` of `experiment`. `metrics` are the candidate's own, or for a
// repeat those of the evaluation it repeats. The store knows no space objects, so whoever built
// the experiment's space adds "encoding" (sculpt export does). A `candidate` with a negative
// step is a hand-picked architecture (`sculpt train --arch`): "candidate" is null.
nlohmann::json ArchitectureDocument(const ExperimentInfo& experiment,
                                    const StoredCandidate& candidate, const Metrics& metrics);

// A hand-picked architecture as ArchitectureDocument describes candidates: no id, no step, no
// search behind it; `origin` says who picked it ("hand-picked" for `sculpt train --arch`,
// "zoo-reference" for a zoo's reference), `metrics` are its costs.
StoredCandidate HandPickedCandidate(const SearchSpace& space, const Architecture& arch,
                                    const std::string& origin, Metrics metrics = {});

// Writes `document` to out_dir/architecture.json (beside and renamed), creating out_dir when
// needed. Returns the file's path. Throws UserError when it cannot be written.
std::filesystem::path WriteExportDocument(const nlohmann::json& document,
                                          const std::filesystem::path& out_dir);

}  // namespace sculpt
