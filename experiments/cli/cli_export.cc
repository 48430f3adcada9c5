// `sculpt export DB (--best | --answer | --candidate ID | --run RUN) --out DIR`: writes
// DIR/architecture.json for one successfully evaluated candidate, or for the network a training
// run trained (a hand-picked one or a zoo's reference too; see experiments/models/export.h) and,
// when the candidate was retrained (`final` or `sculpt train`), its trained weights DIR/model.pt
// with the retraining's results, the skeleton and the input normalisation, and with --format onnx
// also DIR/model.onnx (experiments/models/model_export.h). A candidate of the prune space is
// exported as the pruned network itself (experiments/models/pruned_export.h).

#include <fstream>
#include <limits>
#include <vector>

#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/cli/experiment_choice.h"
#include "experiments/cli/progress_display.h"
#include "experiments/cli/shell_word.h"
#include "experiments/config/builtins.h"
#include "experiments/config/experiment.h"
#include "experiments/models/export.h"
#include "experiments/models/model_export.h"
#include "experiments/models/pruned_export.h"
#include "experiments/models/retrain.h"
#include "experiments/store/store.h"
#include "experiments/store/strategy_answer.h"
#include "supernet/onnx/onnx_export.h"

namespace sculpt {
namespace {

std::string Describe(const ExperimentInfo& e) {
  return "experiment " + std::to_string(e.id) + " ('" + e.name + "')";
}

// The ids of `candidate_id`'s finished retrainings, newest first.
std::vector<std::int64_t> FinishedRetrainings(const ResultStore& store, std::int64_t candidate_id) {
  const Table table = store.Sql(
      "SELECT id FROM training_runs WHERE kind = 'retrain' AND status = 'finished' AND "
      "candidate_id = " +
      std::to_string(candidate_id) + " ORDER BY id DESC");
  std::vector<std::int64_t> ids;
  for (const std::vector<Cell>& row : table.rows) ids.push_back(std::get<std::int64_t>(row[0]));
  return ids;
}

// The newest finished retraining of `candidate_id`, if any.
std::optional<TrainingRunInfo> NewestRetraining(const ResultStore& store,
                                                std::int64_t candidate_id) {
  const std::vector<std::int64_t> ids = FinishedRetrainings(store, candidate_id);
  if (ids.empty()) return std::nullopt;
  return store.TrainingRun(ids.front());
}

// Where the weights of `run` are: kept next to the database, or (runs made before Sculpt kept
// them there) in the experiment's final export folder when it holds this very run.
std::optional<std::filesystem::path> FindWeights(const std::string& db,
                                                 const ExperimentInfo& experiment,
                                                 const TrainingRunInfo& run) {
  const std::filesystem::path kept = TrainedModelPath(db, run.id);
  if (std::filesystem::exists(kept)) return kept;
  // A block-wise teacher the run trained first keeps its weights in its own folder beside the
  // supernet's blocks (the `checkpoint` its run names, stored as the run named it: looked for
  // beside this database first, so that a database read from elsewhere still finds it).
  if (run.config.value("blockwise_teacher", false) && run.config.contains("checkpoint") &&
      run.config["checkpoint"].is_string()) {
    const std::filesystem::path named = run.config["checkpoint"].get<std::string>();
    std::filesystem::path beside = db;
    beside += ".supernet";
    for (const std::filesystem::path& folder : {beside / named.filename(), named}) {
      if (std::filesystem::exists(folder / kModelFile)) return folder / kModelFile;
    }
  }
  const nlohmann::json final_block = experiment.config.value("final", nlohmann::json::object());
  if (!final_block.is_object() || !final_block.contains("export")) return std::nullopt;
  const std::filesystem::path folder = final_block["export"].get<std::string>();
  std::ifstream in(folder / "architecture.json");
  const nlohmann::json document = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.contains("retrain") ||
      document["retrain"].value("training_run", std::int64_t{0}) != run.id ||
      !std::filesystem::exists(folder / kModelFile)) {
    return std::nullopt;
  }
  return folder / kModelFile;
}

// An earlier finished retraining of `candidate_id` than `newer` whose weights are still there,
// for the hint when the newest one's are gone.
std::optional<std::int64_t> EarlierRunWithWeights(const ResultStore& store, const std::string& db,
                                                  const ExperimentInfo& experiment,
                                                  std::int64_t candidate_id, std::int64_t newer) {
  for (const std::int64_t id : FinishedRetrainings(store, candidate_id)) {
    if (id >= newer) continue;
    const std::optional<TrainingRunInfo> run = store.TrainingRun(id);
    if (run && FindWeights(db, experiment, *run)) return run->id;
  }
  return std::nullopt;
}

// A prune experiment's masks are of the model it pruned: cut from another, they remove the
// wrong heads, and the folder may hold another model since (a later `sculpt train --out`
// there). Refuses that (UserError), and `out` naming the model's own folder (UsageError).
void CheckPrunedModel(const ExperimentInfo& experiment, const prune::Model& model,
                      const std::string& out) {
  const nlohmann::json stored = experiment.config.value("space", nlohmann::json::object())
                                    .value("trained_model", nlohmann::json(nullptr));
  if (!stored.is_null() && stored != model.identity) {
    const auto run_of = [](const nlohmann::json& identity) {
      const nlohmann::json run = identity.value("training_run", nlohmann::json(nullptr));
      return run.is_number_integer() ? "training run " + run.dump() : std::string("a training");
    };
    const std::string now = run_of(model.identity);
    const std::string then = run_of(stored);
    // The same run number with other weights: a changed file, or another database's run.
    const std::string holds =
        now == then ? "a model.pt other than the one " + Describe(experiment) + " pruned (" + then +
                          " both, but other weights: the file changed since, or it is "
                          "another database's " +
                          then + ")"
                    : "another trained model (" + now + ") than the one " + Describe(experiment) +
                          " pruned (" + then + ")";
    throw UserError("the model folder " + model.folder.string() + " holds " + holds +
                    ", and its masks would cut the wrong weights; put that model back (`sculpt "
                    "export DB --run RUN --out " +
                    model.folder.string() +
                    "` with the database that trained it) or prune the new model with a new run");
  }
  if (std::filesystem::weakly_canonical(out) == std::filesystem::weakly_canonical(model.folder)) {
    throw UsageError("--out: " + out + " is the folder of the trained model " +
                     Describe(experiment) + " prunes; export the pruned network to another folder");
  }
}

// Names the earlier export this one replaced, and its files that this one replaced by nothing.
void SayRemoved(const WrittenExport& written, std::ostream& out) {
  if (!written.replaced.empty()) {
    out << "Replaced the folder's earlier export: " << written.replaced << "\n";
  }
  for (const std::filesystem::path& file : written.removed) {
    out << "Removed " << file.string() << ": the folder's earlier export had it\n";
  }
}

}  // namespace

int ExportCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "export DB (--best | --answer | --candidate ID | --run RUN) --out DIR\n"
      "              [--experiment ID|NAME] [--format pt|onnx]",
      "Writes DIR/architecture.json for one successfully evaluated candidate: its space,\n"
      "architecture string, canonical hash, metrics, and the experiment and config it came from.\n"
      "When the candidate was retrained (the config's \"final\" block or `sculpt train`), also\n"
      "DIR/model.pt, the trained weights, with the retraining's results, the skeleton and the\n"
      "input normalisation in architecture.json. --format onnx adds DIR/model.onnx, the same\n"
      "network as an ONNX model for OpenCV's DNN module and ONNX Runtime (docs/EXPORT.md).\n"
      "A candidate of the prune space is exported as the pruned network: DIR/model.pt holds the\n"
      "trained model's weights with the removed heads and FFN units cut out.\n"
      "--best takes the experiment's best candidate by its objective, --answer the answer of a\n"
      "goal-seeking strategy (astar, importance, fisher) (default experiment: the newest).\n"
      "Candidate ids are those `sculpt query DB --top K` shows. --run exports the network of a\n"
      "finished training run with its weights, also one no search proposed (`sculpt train\n"
      "--arch`, a zoo's reference): run ids are those `sculpt query DB --zoo` and reports show.",
      {{"best", "", "export the best candidate of the experiment"},
       {"answer", "", "export the answer of the experiment's strategy (astar, importance, fisher)"},
       {"candidate", "ID", "export the candidate with this id"},
       {"run", "RUN", "export the network that this training run trained"},
       {"out", "DIR", "output folder (created when missing)"},
       {"format", "FORMAT", "pt (default: model.pt) or onnx (model.onnx too)"},
       {"experiment", "ID|NAME", "the experiment, by id or name (newest of that name)"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;
  const int chosen = (command_line.Has("best") ? 1 : 0) + (command_line.Has("answer") ? 1 : 0) +
                     (command_line.Has("candidate") ? 1 : 0) + (command_line.Has("run") ? 1 : 0);
  if (chosen != 1) {
    throw UsageError("give exactly one of --best, --answer, --candidate ID and --run RUN");
  }
  const std::optional<std::string> out = command_line.Value("out");
  if (!out || out->empty()) throw UsageError("--out DIR is required");
  const bool onnx = command_line.Choice("format", "pt", {"pt", "onnx"}) == "onnx";

  const std::string& db = command_line.Positional().front();
  if (const std::optional<std::string> problem = ExportFolderProblem(*out, db)) {
    throw UsageError("--out: " + *problem);
  }
  const std::unique_ptr<ResultStore> store = OpenDatabaseToRead(db);
  const std::optional<std::string> wanted = command_line.Value("experiment");

  ExperimentInfo experiment;
  StoredCandidate candidate;
  // --run: the training whose weights are exported, and whether its network is a candidate
  // (else one no search proposed, described once its space is built).
  std::optional<TrainingRunInfo> chosen_run;
  if (command_line.Has("run")) {
    const std::int64_t id = command_line.Int("run", 0, 1, std::numeric_limits<std::int64_t>::max());
    chosen_run = store->TrainingRun(id);
    if (!chosen_run) throw UsageError("no training run " + std::to_string(id) + " in " + db);
    if (chosen_run->kind != "retrain" || !chosen_run->config.contains("arch") ||
        !chosen_run->config["arch"].is_string()) {
      throw UsageError("training run " + std::to_string(id) + " (" + chosen_run->kind +
                       ") trained no network of its own: --run exports a network's training "
                       "(a final retraining, `sculpt train`, a zoo's trial or model)");
    }
    if (chosen_run->status != "finished") {
      // A choice the user can correct, as a run that trained no network is.
      const bool gone = chosen_run->status == "running" && chosen_run->process_alive == false;
      throw UsageError("training run " + std::to_string(id) + " is " +
                       (gone ? std::string("gone (its process ended)") : chosen_run->status) +
                       ": only a finished training's weights are exported" +
                       (gone || chosen_run->status == "interrupted"
                            ? "; the command that started it, with --resume, finishes it"
                            : ""));
    }
    std::optional<ExperimentInfo> owner =
        chosen_run->experiment_id
            ? store->FindExperiment(std::to_string(*chosen_run->experiment_id))
            : std::nullopt;
    if (!owner) {
      throw UserError("training run " + std::to_string(id) + " has no experiment in " + db);
    }
    if (wanted && FindNamedExperiment(*store, db, *wanted).id != owner->id) {
      throw UsageError("training run " + std::to_string(id) + " belongs to " + Describe(*owner) +
                       ", not to experiment " + *wanted);
    }
    experiment = std::move(*owner);
    std::optional<StoredCandidate> proposed =
        chosen_run->candidate_id ? store->Candidate(*chosen_run->candidate_id) : std::nullopt;
    if (proposed) {
      candidate = std::move(*proposed);
    } else {
      candidate.step = -1;
      candidate.arch = chosen_run->config["arch"].get<std::string>();
    }
  } else if (!command_line.Has("candidate")) {
    experiment = ChooseExperiment(*store, db, wanted);
    if (command_line.Has("answer")) {
      const bool answers = experiment.strategy == "astar" || experiment.strategy == "importance" ||
                           experiment.strategy == "fisher";
      if (!answers) {
        throw UsageError("--answer: " + Describe(experiment) + "'s strategy (" +
                         experiment.strategy +
                         ") gives no answer (only astar, importance and "
                         "fisher do); --best exports the best candidate");
      }
      std::optional<StoredCandidate> answer = StrategyAnswer(*store, experiment.id);
      if (!answer) {
        throw UserError(Describe(experiment) + " has no answer: its strategy (" +
                        experiment.strategy +
                        ") did not reach its goal; --best exports the "
                        "best candidate");
      }
      candidate = std::move(*answer);
    } else {
      const std::vector<StoredCandidate> best = store->Top(experiment.id, 1);
      if (best.empty()) {
        throw UserError(Describe(experiment) + " has no successfully evaluated candidate");
      }
      candidate = best.front();
    }
  } else {
    const std::int64_t id =
        command_line.Int("candidate", 0, 1, std::numeric_limits<std::int64_t>::max());
    std::optional<StoredCandidate> found = store->Candidate(id);
    if (!found) throw UsageError("no candidate " + std::to_string(id) + " in " + db);
    candidate = std::move(*found);
    std::optional<ExperimentInfo> owner =
        store->FindExperiment(std::to_string(candidate.experiment_id));
    if (!owner) throw UserError("candidate " + std::to_string(id) + " has no experiment in " + db);
    if (wanted) {
      experiment = FindNamedExperiment(*store, db, *wanted);
      if (experiment.id != owner->id) {
        throw UsageError("candidate " + std::to_string(id) + " belongs to " + Describe(*owner) +
                         ", not to " + Describe(experiment));
      }
    }
    experiment = std::move(*owner);
    if (candidate.status != "ok") {
      throw UsageError("candidate " + std::to_string(id) + " is " + candidate.status +
                       (candidate.error.empty() ? "" : " (" + candidate.error + ")") +
                       "; only successfully evaluated candidates can be exported");
    }
  }

  RequireStoredConfig(experiment);
  // The stored string must be a member of the experiment's space (a database edited by hand
  // or written by another version could hold anything).
  // The space block as run; a database written without one names the space's type only, and
  // its default skeleton still says which strings are members.
  const nlohmann::json space_block =
      experiment.config.contains("space") ? experiment.config["space"]
                                          : nlohmann::json{{"type", experiment.space}};
  std::shared_ptr<const SearchSpace> space;
  Architecture arch;
  try {
    space = BuildSpace(space_block);
  } catch (const ConfigError& error) {
    throw UserError("the space stored with " + Describe(experiment) +
                    " cannot be built: " + error.Messages().front());
  }
  // A pruning experiment's space is read from the model folder as it is now: another model
  // there (another architecture too) is named as such, before its masks are read against it.
  const auto* prune_space = dynamic_cast<const prune::PruneSpace*>(space.get());
  if (prune_space != nullptr && !chosen_run) {
    CheckPrunedModel(experiment, prune_space->TrainedModel(), *out);
  }
  try {
    arch = space->Parse(candidate.arch);
  } catch (const UserError& error) {
    throw UserError("candidate " + std::to_string(candidate.id) + "'s architecture is not a member of " +
                    Describe(experiment) + "'s space: " + error.what());
  }
  if (chosen_run && candidate.step < 0) {
    // A network no search proposed: a zoo's reference, or `sculpt train --arch`'s.
    const std::string origin = chosen_run->config.contains("zoo") ? "zoo-reference"
                               : chosen_run->config.value("blockwise_teacher", false)
                                   ? "blockwise-teacher"
                                   : "hand-picked";
    candidate = HandPickedCandidate(*space, arch, origin, chosen_run->result);
  }
  // What the export is of, for the messages.
  const std::string exported =
      candidate.step >= 0
          ? "candidate " + std::to_string(candidate.id) + " (step " +
                std::to_string(candidate.step) + ")"
          : "the network of training run " + std::to_string(chosen_run->id) + " (" +
                (candidate.origin == "zoo-reference"       ? "a zoo's reference"
                 : candidate.origin == "blockwise-teacher" ? "the block-wise teacher"
                                                           : "hand-picked") +
                ")";

  // Candidate ids name evaluations only (a repeat has none), so the metrics are its own.
  nlohmann::json document =
      ArchitectureDocument(experiment, candidate, candidate.metrics);
  // The space was built and the string checked above; a database without a space block (written
  // by hand or by an early version) gets no encoding, as before.
  if (experiment.config.contains("space")) document["encoding"] = EncodingJson(*space, arch);
  if (prune_space != nullptr) {
    if (chosen_run) {
      throw UsageError("--run: " + Describe(experiment) +
                       " searched masks of a trained model; "
                       "--answer or --candidate ID exports a pruned network");
    }
    // The experiment's own evaluator says how a mask becomes a network (tuned or not).
    const Experiment rebuilt = BuildExperiment(experiment.config, std::filesystem::current_path(), {});
    const auto* networks = dynamic_cast<const PrunedNetworkSource*>(rebuilt.evaluator.get());
    if (networks == nullptr) {
      throw UserError(Describe(experiment) + " scored its masks with the '" +
                      rebuilt.evaluator_type + "' evaluator, which has no weights to export; the "
                      "prune evaluator's experiments export the pruned network");
    }
    const ExportStaging staging(*out);
    const PrunedExport pruned =
        ExportPrunedNetwork(*prune_space, arch, *networks, document, staging.Folder());
    document["encoding"] = EncodingJson(*pruned.space, pruned.arch);
    std::vector<std::string> written{kModelFile};
    if (onnx) {
      WriteOnnxExport(*pruned.network, *pruned.family, document, staging.Folder());
      written.emplace_back(kOnnxModelFile);
    }
    const WrittenExport export_written = WriteExportDocument(document, *out, written, staging);
    const std::filesystem::path& path = export_written.document;
    io.out << "Wrote " << path.string() << ": " << exported << " of " << Describe(experiment)
           << "\n  " << candidate.arch << "\nWrote "
           << (std::filesystem::path(*out) / kModelFile).string() << ": the pruned network "
           << document["arch"].get<std::string>() << ", "
           << static_cast<std::int64_t>(pruned.pruned_params) << " parameters (the trained model "
           << static_cast<std::int64_t>(pruned.trained_params) << ")\n";
    if (onnx) {
      io.out << "Wrote " << (std::filesystem::path(*out) / kOnnxModelFile).string()
             << ": the same network as an ONNX model (docs/EXPORT.md)\n";
    }
    SayRemoved(export_written, io.out);
    return 0;
  }
  const std::optional<TrainingRunInfo> run =
      chosen_run ? chosen_run : NewestRetraining(*store, candidate.id);
  const std::shared_ptr<const ModelFamily> family = BuildFamily(space_block);
  std::optional<std::filesystem::path> weights;
  if (run && family) weights = FindWeights(db, experiment, *run);
  // Refused before anything is written.
  if (onnx && (!family || !family->ExportsOnnx())) {
    throw UsageError("--format onnx: " +
                     (family ? "the " + experiment.space + " space's networks have no ONNX export yet"
                             : "the " + experiment.space + " space has no networks, only architectures") +
                     "; --format pt writes what there is");
  }
  // `sculpt train` needs a data set, named by the evaluator or the "final" block.
  const bool trainable = family && FinalBlockWithDataset(experiment.config).contains("dataset");
  std::string retrain_hint =
      "its experiment names no data set to train on (its evaluator trains no networks and its "
      "config has no \"final\" block)";
  if (trainable && candidate.step >= 0) {
    retrain_hint = "`sculpt train " + ShellPath(db) + " --candidate " +
                   std::to_string(candidate.id) + " --out DIR` retrains it";
  } else if (trainable) {
    retrain_hint = "`sculpt train " + ShellPath(db) + " --arch " + ShellWord(candidate.arch) +
                   " -e " + std::to_string(experiment.id) + " --out DIR` trains it again";
  }
  if (onnx && !weights) {
    throw UserError("--format onnx: " + exported + " has no trained weights to export; " +
                    retrain_hint);
  }
  std::vector<std::string> written;  // the model files written beside architecture.json
  const ExportStaging staging(*out);
  if (run && family) {
    document["retrain"] =
        RetrainDocument(run->id, run->config.value("training", nlohmann::json::object()),
                        run->result);
    document["family"] = family->Name();
    document["skeleton"] = family->Skeleton();
    if (run->config.contains("input")) document["input"] = run->config["input"];
    if (weights) {
      // Loaded into the architecture's network first: a file that does not fit is refused here,
      // not by the user's deployment.
      const std::shared_ptr<Network> network = ReadModel(*family, arch, *weights);
      if (onnx) {
        WriteOnnxExport(*network, *family, document, staging.Folder());
        written.emplace_back(kOnnxModelFile);
      }
      WriteModel(*network, staging.Folder() / kModelFile);
      written.emplace_back(kModelFile);
    } else {
      document["retrain"].erase("model");
    }
  }
  const WrittenExport export_written = WriteExportDocument(document, *out, written, staging);
  const std::filesystem::path& path = export_written.document;
  io.out << "Wrote " << path.string() << ": " << exported << " of " << Describe(experiment)
         << "\n  " << candidate.arch << "\n";
  if (!run) {
    io.out << "No weights: candidate " << candidate.id << " has never been trained stand-alone"
           << (family ? "; " + retrain_hint + (trainable ? " and exports its weights" : "") : "")
           << ".\n";
  } else if (!weights) {
    const std::optional<std::int64_t> earlier =
        candidate.step >= 0 ? EarlierRunWithWeights(*store, db, experiment, candidate.id, run->id)
                            : std::nullopt;
    io.out << "No weights: training run " << run->id << " of this network finished, but its "
           << "weights are not in " << TrainedModelPath(db, run->id).string() << " any more; "
           << (earlier ? "`--run " + std::to_string(*earlier) +
                             "` exports an earlier training of it, whose weights are there, or "
                       : std::string())
           << retrain_hint << ".\n";
  } else {
    io.out << "Wrote " << (std::filesystem::path(*out) / kModelFile).string()
           << ": the weights of training run " << run->id << " (test accuracy "
           << FormatPercent(run->result, "test_accuracy") << ")\n";
    if (onnx) {
      io.out << "Wrote " << (std::filesystem::path(*out) / kOnnxModelFile).string()
             << ": the same network as an ONNX model (docs/EXPORT.md)\n";
    }
  }
  SayRemoved(export_written, io.out);
  return 0;
}

}  // namespace sculpt
