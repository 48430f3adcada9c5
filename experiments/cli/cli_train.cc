// `sculpt train DB --candidate ID [--epochs E] [--out DIR]`: retrains one logged candidate
// stand-alone from scratch with its experiment's stored settings (data set, skeleton, training
// options of the "final" block, or defaults) and records the run in the database.

#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/cli/experiment_choice.h"
#include "experiments/cli/export_folder.h"
#include "experiments/cli/interrupt.h"
#include "experiments/cli/progress_display.h"
#include "experiments/cli/shell_word.h"
#include "experiments/cli/training_display.h"
#include "experiments/models/export.h"
#include "experiments/models/retrain.h"
#include "experiments/store/store.h"
#include "spaces/counted.h"
#include "spaces/machine.h"
#include "supernet/torch_threads.h"

namespace sculpt {

int TrainCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "train DB (--candidate ID | --arch STRING [--experiment ID|NAME]) [--epochs E] [--seed S]\n"
      "             [--out DIR] [--threads T] [--resume] [--quiet]",
      "Trains the architecture of candidate ID (an id that `sculpt query DB --top K` shows)\n"
      "from scratch, stand-alone, with the settings stored with its experiment: the data set,\n"
      "the space's skeleton and the training options of the config's \"final\" block (without\n"
      "one: the evaluator's data set and default training options). Reports validation and\n"
      "test accuracy and records the run, its per-epoch curves and its results in DB\n"
      "(training_runs, kind 'retrain'); the trained weights are kept in DB.models/run-ID/,\n"
      "where `sculpt export` finds them. --out also exports architecture.json, model.pt and\n"
      "(where the family has one) model.onnx.\n"
      "--arch trains a hand-picked architecture of the experiment's space (its string form,\n"
      "as `sculpt query` shows them) the same way, e.g. a baseline to compare a search's\n"
      "winner with; the run is recorded without a candidate.\n"
      "Every epoch leaves a checkpoint in DB.models/run-ID/: after a kill or Ctrl-C, the same\n"
      "command with --resume continues that run and ends with the network an uninterrupted\n"
      "training gives.",
      {{"candidate", "ID", "the candidate to train"},
       {"arch", "STRING", "a hand-picked architecture of the experiment's space to train"},
       {"experiment", "ID|NAME", "with --arch: the experiment whose settings to use (newest)"},
       {"epochs", "E", "train for E epochs instead of the stored setting"},
       {"seed", "S",
        "seed of the weights' initialisation and the data order instead of the stored one "
        "(final.seed): other seeds of the same training, to see how much a result varies"},
       {"out", "DIR",
        "export architecture.json, model.pt and (where the family has one) model.onnx to DIR"},
       {"threads", "T",
        "LibTorch intra-op threads (default: as `sculpt run` retrained: final.threads, else "
        "workers x threads_per_worker of the experiment; at most this machine's cores)"},
       {"resume", "",
        "continue the newest unfinished training of this architecture with the same settings "
        "(threads and epochs included) from its last checkpoint; without one, start anew"},
       {"quiet", "", "no progress bars (a line per finished epoch stays)"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;
  if (command_line.Has("candidate") == command_line.Has("arch")) {
    throw UsageError("give exactly one of --candidate ID and --arch STRING");
  }
  if (command_line.Has("experiment") && !command_line.Has("arch")) {
    throw UsageError("--experiment goes with --arch (a candidate knows its experiment)");
  }
  const std::string& db = command_line.Positional().front();
  if (const std::optional<std::string> out = command_line.Value("out")) {
    if (const std::optional<std::string> problem = ExportFolderProblem(*out, db)) {
      throw UsageError("--out: " + *problem);
    }
  }
  const std::unique_ptr<ResultStore> store = OpenDatabaseToAddTo(db);
  std::optional<StoredCandidate> candidate;
  std::optional<ExperimentInfo> experiment;
  if (command_line.Has("candidate")) {
    const std::int64_t id =
        command_line.Int("candidate", 0, 1, std::numeric_limits<std::int64_t>::max());
    candidate = store->Candidate(id);
    if (!candidate) throw UsageError("no candidate " + std::to_string(id) + " in " + db);
    experiment = store->FindExperiment(std::to_string(candidate->experiment_id));
    if (!experiment) throw UserError("candidate " + std::to_string(id) + " has no experiment");
    // An infeasible candidate broke the experiment's constraints and was never evaluated, a
    // failed one failed its evaluation: neither is a result of the search, and `sculpt export
    // --candidate` would refuse it. --arch trains its network all the same, named as what it is.
    if (candidate->status != "ok") {
      throw UsageError("candidate " + std::to_string(id) + " is " + candidate->status +
                       (candidate->error.empty() ? "" : " (" + candidate->error + ")") +
                       ": --candidate trains successfully evaluated candidates; to train its "
                       "network anyway: sculpt train " +
                       ShellPath(db) + " --experiment " + std::to_string(experiment->id) +
                       " --arch " + ShellWord(candidate->arch));
    }
  } else {
    experiment = ChooseExperiment(*store, db, command_line.Value("experiment"));
  }

  RequireStoredConfig(*experiment);
  RetrainPlan plan = [&] {
    try {
      return PlanFromStoredConfig(experiment->config, {});
    } catch (const NothingToTrain& error) {
      throw UsageError(error.what());
    }
  }();
  if (command_line.Has("epochs")) {
    plan.training.epochs = command_line.Int("epochs", 1, 1, 100000);
  }
  if (command_line.Has("seed")) {
    plan.training.seed = static_cast<std::uint64_t>(
        command_line.Int("seed", 0, 0, std::numeric_limits<std::int64_t>::max()));
  }
  Architecture arch;
  if (candidate) {
    arch = plan.space->Parse(candidate->arch);
  } else {
    try {
      arch = plan.space->Parse(*command_line.Value("arch"));
    } catch (const UserError& error) {
      throw UsageError(std::string("--arch: ") + error.what());
    }
  }
  const std::string what = candidate ? "candidate #" + std::to_string(candidate->id)
                                     : std::string("the hand-picked architecture");
  // By default the count `sculpt run` retrained with: the trained network depends on it, so the
  // run's winner retrained here is the run's network (on a machine with as many cores).
  const int cores = HardwareCores();
  const int stored_threads = std::min(RetrainThreads(plan, experiment->config), cores);
  TrainingDisplay display(io.err, io.err_is_terminal, command_line.Has("quiet"));
  SetTrainingThreads(static_cast<int>(command_line.Int("threads", stored_threads, 1, cores)),
                     "training", display);
  InterruptFlag interrupt;
  io.err << "sculpt: training " << what << " with the settings of experiment '" << experiment->name
         << "' for " << Counted(plan.training.epochs, "epoch") << ": " << plan.space->Format(arch)
         << "\n";
  const std::optional<std::int64_t> candidate_id =
      candidate ? std::optional<std::int64_t>(candidate->id) : std::nullopt;
  const RetrainOutcome outcome = Retrain(plan, arch, *store, experiment->id, candidate_id,
                                         &display, &interrupt.Flag(), db,
                                         command_line.Has("resume"));
  if (!outcome.finished) {
    io.out << "Interrupted; training run " << outcome.run_id
           << " is marked interrupted. The same command with --resume continues it.\n";
    return 130;
  }
  const Metrics& r = outcome.result;
  auto percent = [&r](const char* name) { return FormatPercent(r, name); };
  std::string sentence_start = what;
  sentence_start[0] = static_cast<char>(std::toupper(sentence_start[0]));
  io.out << sentence_start << " trained for "
         << Counted(static_cast<std::int64_t>(r.at("epochs")), "epoch") << " in "
         << FormatDuration(r.at("seconds"))
         << ": test accuracy " << percent("test_accuracy") << ", validation "
         << percent("valid_accuracy") << " (" << r.at("params")
         << " params)\nRecorded as training run " << outcome.run_id << " in " << db << "\n";
  if (const std::optional<std::string> out = command_line.Value("out")) {
    const StoredCandidate exported =
        candidate ? *candidate
                  : HandPickedCandidate(*plan.space, arch, "hand-picked", outcome.result);
    WrittenExport written;
    try {
      written = ExportRetrained(*experiment, exported, exported.metrics, plan, outcome, *out);
    } catch (const ExportNotWritten& error) {
      throw UserError(ExportAgainMessage(error.what(), error.RunId(), db));
    }
    io.out << "Exported to " << *out << " (architecture.json, model.pt"
           << (plan.family->ExportsOnnx() ? ", model.onnx" : "") << ")\n";
    if (!written.replaced.empty()) {
      io.out << "Replaced the folder's earlier export: " << written.replaced << "\n";
    }
  }
  return 0;
}

}  // namespace sculpt
