// `sculpt export DB (--best | --candidate ID) --out DIR`: writes DIR/architecture.json for one
// successfully evaluated candidate (see experiments/export.h).

#include <limits>

#include "experiments/builtins.h"
#include "experiments/cli.h"
#include "experiments/command_line.h"
#include "experiments/export.h"
#include "experiments/store.h"

namespace sculpt {
namespace {

std::string Describe(const ExperimentInfo& e) {
  return "experiment " + std::to_string(e.id) + " ('" + e.name + "')";
}

// Encodes a candidate with the space its experiment ran on, rebuilt from the stored config.
std::optional<nlohmann::json> EncodeWithSpace(const ExperimentInfo& experiment,
                                              const StoredCandidate& candidate) {
  const nlohmann::json* block = experiment.config.contains("space") ? &experiment.config["space"]
                                                                     : nullptr;
  const SpaceFactory* factory = Spaces().Find(experiment.space) != nullptr
                                    ? &Spaces().Get(experiment.space)
                                    : nullptr;
  if (block == nullptr || factory == nullptr) return std::nullopt;
  ConfigErrors errors;
  Options options(*block, "space", errors, nullptr);
  options.OptionalString("type");
  std::unique_ptr<SearchSpace> space = (*factory)(options);
  if (space == nullptr || !errors.Empty()) return std::nullopt;
  Encoding encoding;
  try {
    encoding = space->Encode(space->Parse(candidate.arch));
  } catch (const UserError&) {
    return std::nullopt;  // not a string of this space: the document goes without an encoding
  }
  return nlohmann::json{{"num_nodes", encoding.num_nodes},
                        {"adjacency", encoding.adjacency},
                        {"node_ops", encoding.node_ops},
                        {"num_op_types", encoding.num_op_types},
                        {"vector", encoding.vector}};
}

ExperimentInfo FindExperimentOrThrow(const ResultStore& store, const std::string& db,
                                     const std::string& wanted) {
  if (std::optional<ExperimentInfo> found = store.FindExperiment(wanted)) return *found;
  throw UserError("no experiment '" + wanted + "' in " + db);
}

}  // namespace

int ExportCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "export DB (--best | --candidate ID) --out DIR [--experiment ID|NAME]",
      "Writes DIR/architecture.json for one successfully evaluated candidate: its space,\n"
      "architecture string, canonical hash, metrics, and the experiment and config it came from.\n"
      "--best takes the experiment's best candidate by its objective (default experiment: the\n"
      "newest). Candidate ids are those `sculpt query DB --top K` shows.",
      {{"best", "", "export the best candidate of the experiment"},
       {"candidate", "ID", "export the candidate with this id"},
       {"out", "DIR", "output folder (created when missing)"},
       {"experiment", "ID|NAME", "the experiment, by id or name (newest of that name)"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;
  if (command_line.Has("best") == command_line.Has("candidate")) {
    throw UsageError("give exactly one of --best and --candidate ID");
  }
  const std::optional<std::string> out = command_line.Value("out");
  if (!out || out->empty()) throw UsageError("--out DIR is required");

  const std::string& db = command_line.Positional().front();
  const std::unique_ptr<ResultStore> store = ResultStore::OpenReadOnly(db);
  const std::optional<std::string> wanted = command_line.Value("experiment");

  ExperimentInfo experiment;
  StoredCandidate candidate;
  if (command_line.Has("best")) {
    if (wanted) {
      experiment = FindExperimentOrThrow(*store, db, *wanted);
    } else if (std::optional<ExperimentInfo> newest = store->NewestExperiment()) {
      experiment = *newest;
    } else {
      throw UserError(db + " holds no experiment yet");
    }
    const std::vector<StoredCandidate> best = store->Top(experiment.id, 1);
    if (best.empty()) {
      throw UserError(Describe(experiment) + " has no successfully evaluated candidate");
    }
    candidate = best.front();
  } else {
    const std::int64_t id =
        command_line.Int("candidate", 0, 1, std::numeric_limits<std::int64_t>::max());
    std::optional<StoredCandidate> found = store->Candidate(id);
    if (!found) throw UserError("no candidate " + std::to_string(id) + " in " + db);
    candidate = std::move(*found);
    std::optional<ExperimentInfo> owner =
        store->FindExperiment(std::to_string(candidate.experiment_id));
    if (!owner) throw UserError("candidate " + std::to_string(id) + " has no experiment in " + db);
    if (wanted) {
      experiment = FindExperimentOrThrow(*store, db, *wanted);
      if (experiment.id != owner->id) {
        throw UserError("candidate " + std::to_string(id) + " belongs to " + Describe(*owner) +
                        ", not to " + Describe(experiment));
      }
    }
    experiment = std::move(*owner);
    if (candidate.status != "ok") {
      throw UserError("candidate " + std::to_string(id) + " is " + candidate.status +
                      (candidate.error.empty() ? "" : " (" + candidate.error + ")") +
                      "; only successfully evaluated candidates can be exported");
    }
  }

  // Candidate ids name evaluations only (a repeat has none), so the metrics are its own.
  const std::filesystem::path path =
      WriteArchitectureExport(experiment, candidate, candidate.metrics, *out, EncodeWithSpace);
  io.out << "Wrote " << path.string() << ": candidate " << candidate.id << " (step "
         << candidate.step << ") of " << Describe(experiment) << "\n  " << candidate.arch << "\n";
  return 0;
}

}  // namespace sculpt
