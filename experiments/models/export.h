#pragma once
// Export: the file `sculpt export` writes for one chosen candidate, DIR/architecture.json, which
// deployment and retraining read: the space, the architecture's string form and canonical hash,
// its metrics, where it came from (candidate and experiment, with the config as run) and the
// Sculpt version.
// Thread-safety: stateless functions.

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "experiments/store/store.h"

namespace sculpt {

// Returns the space's encoding of the candidate's architecture (see spaces/encoding.h), or
// nullopt. The store knows no space objects: whoever can build the experiment's space from its
// config (the builtins registry) supplies this; without one, "encoding" is left out.
using ArchitectureEncoder =
    std::function<std::optional<nlohmann::json>(const ExperimentInfo&, const StoredCandidate&)>;

inline constexpr int kExportFormatVersion = 1;

// The document for `candidate` of `experiment`. `metrics` are the candidate's own, or for a
// repeat those of the evaluation it repeats.
nlohmann::json ArchitectureDocument(const ExperimentInfo& experiment,
                                    const StoredCandidate& candidate, const Metrics& metrics,
                                    const ArchitectureEncoder& encoder = {});

// Writes `document` to out_dir/architecture.json (beside and renamed), creating out_dir when
// needed. Returns the file's path. Throws UserError when it cannot be written.
std::filesystem::path WriteExportDocument(const nlohmann::json& document,
                                          const std::filesystem::path& out_dir);

// Writes ArchitectureDocument(...) to out_dir/architecture.json, creating out_dir when needed.
// Returns the file's path. Throws UserError when the file cannot be written.
std::filesystem::path WriteArchitectureExport(const ExperimentInfo& experiment,
                                              const StoredCandidate& candidate,
                                              const Metrics& metrics,
                                              const std::filesystem::path& out_dir,
                                              const ArchitectureEncoder& encoder = {});

}  // namespace sculpt
