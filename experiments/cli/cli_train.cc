// `sculpt train DB --candidate ID [--epochs E] [--out DIR]`: retrains one logged candidate
// stand-alone from scratch with its experiment's stored settings (data set, skeleton, training
// options of the "final" block, or defaults) and records the run in the database.

#include <cmath>
#include <cstdio>
#include <limits>

#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/cli/interrupt.h"
#include "experiments/cli/progress_display.h"
#include "experiments/models/retrain.h"
#include "experiments/store/store.h"
#include "experiments/cli/training_display.h"
#include "spaces/machine.h"
#include "supernet/torch_threads.h"

namespace sculpt {

int TrainCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "train DB --candidate ID [--epochs E] [--out DIR] [--threads T] [--quiet]",
      "Trains the architecture of candidate ID (an id that `sculpt query DB --top K` shows)\n"
      "from scratch, stand-alone, with the settings stored with its experiment: the data set,\n"
      "the space's skeleton and the training options of the config's \"final\" block (without\n"
      "one: the evaluator's data set and default training options). Reports validation and\n"
      "test accuracy and records the run, its per-epoch curves and its results in DB\n"
      "(training_runs, kind 'retrain'); the trained weights are kept in DB.models/run-ID/,\n"
      "where `sculpt export` finds them. --out also exports architecture.json and model.pt.",
      {{"candidate", "ID", "the candidate to train"},
       {"epochs", "E", "train for E epochs instead of the stored setting"},
       {"out", "DIR", "export architecture.json and model.pt to DIR"},
       {"threads", "T",
        "LibTorch intra-op threads (default: as `sculpt run` retrained: final.threads, else "
        "workers x threads_per_worker of the experiment; at most this machine's cores)"},
       {"quiet", "", "no progress display"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;
  if (!command_line.Has("candidate")) throw UsageError("--candidate ID is required");
  const std::int64_t id =
      command_line.Int("candidate", 0, 1, std::numeric_limits<std::int64_t>::max());
  const std::string& db = command_line.Positional().front();
  if (!std::filesystem::exists(db)) throw UserError("no database " + db);
  const std::unique_ptr<ResultStore> store = ResultStore::Open(db);
  const std::optional<StoredCandidate> candidate = store->Candidate(id);
  if (!candidate) throw UserError("no candidate " + std::to_string(id) + " in " + db);
  const std::optional<ExperimentInfo> experiment =
      store->FindExperiment(std::to_string(candidate->experiment_id));
  if (!experiment) throw UserError("candidate " + std::to_string(id) + " has no experiment");

  RetrainPlan plan = PlanFromStoredConfig(experiment->config, {});
  if (command_line.Has("epochs")) {
    plan.training.epochs = command_line.Int("epochs", 1, 1, 100000);
  }
  const Architecture arch = plan.space->Parse(candidate->arch);
  // By default the count `sculpt run` retrained with: the trained network depends on it, so the
  // run's winner retrained here is the run's network (on a machine with as many cores).
  const int cores = HardwareCores();
  const int stored_threads = std::min(RetrainThreads(plan, experiment->config), cores);
  TrainingDisplay display(io.err, io.err_is_terminal, command_line.Has("quiet"));
  SetTrainingThreads(static_cast<int>(command_line.Int("threads", stored_threads, 1, cores)),
                     "training", display);
  InterruptFlag interrupt;
  io.err << "sculpt: training candidate #" << id << " of experiment '" << experiment->name
         << "' for " << plan.training.epochs << " epochs: " << candidate->arch << "\n";
  const RetrainOutcome outcome = Retrain(plan, arch, *store, experiment->id, candidate->id,
                                         &display, &interrupt.Flag(), db);
  if (!outcome.finished) {
    io.out << "Interrupted; training run " << outcome.run_id << " is marked interrupted.\n";
    return 130;
  }
  const Metrics& r = outcome.result;
  auto percent = [&r](const char* name) { return FormatPercent(r, name); };
  io.out << "Candidate #" << id << " trained for " << r.at("epochs") << " epochs in "
         << FormatDuration(r.at("seconds")) << ": test accuracy " << percent("test_accuracy")
         << ", validation " << percent("valid_accuracy") << " (" << r.at("params")
         << " params)\nRecorded as training run " << outcome.run_id << " in " << db << "\n";
  if (const std::optional<std::string> out = command_line.Value("out")) {
    const std::filesystem::path dir =
        ExportRetrained(*experiment, *candidate, candidate->metrics, plan, outcome, *out);
    io.out << "Exported to " << dir.string() << " (architecture.json, model.pt)\n";
  }
  return 0;
}

}  // namespace sculpt
