// `sculpt run CONFIG`: builds the experiment, prepares its evaluator (e.g. trains the supernet),
// runs the search, logs every candidate, and with a "final" block retrains and exports the best.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <sstream>
#include <variant>

#include "experiments/cli/candidate_tables.h"
#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/cli/export_folder.h"
#include "experiments/cli/interrupt.h"
#include "experiments/cli/progress_display.h"
#include "experiments/cli/shell_word.h"
#include "experiments/cli/training_display.h"
#include "experiments/config/experiment.h"
#include "experiments/models/export.h"
#include "experiments/models/retrain.h"
#include "experiments/models/zoo.h"
#include "experiments/store/metric_units.h"
#include "experiments/store/store.h"
#include "experiments/store/store_training_log.h"
#include "experiments/store/strategy_answer.h"
#include "experiments/store/table_format.h"
#include "experiments/store/unfinished_experiment.h"
#include "search/engine.h"
#include "search/worker_arena.h"
#include "spaces/counted.h"
#include "spaces/machine.h"
#include "supernet/torch_threads.h"

namespace sculpt {
namespace {

// Warns once when a search has stopped finding new architectures: a long run of repeats costs
// time and storage and finds nothing (the patience budget stops it; 0 turns that off).
class CirclingWarning {
 public:
  static constexpr std::int64_t kRepeatsInARow = 50'000;

  CirclingWarning(const Budget& budget, std::ostream& err) : budget_(budget), err_(err) {}

  void Update(const EngineProgress& p) {
    // As the patience counts: only a new architecture to evaluate is progress.
    if (p.evaluations != last_seen_) {
      last_seen_ = p.evaluations;
      last_new_at_ = p.proposals;
      return;
    }
    if (warned_ || p.proposals - last_new_at_ < kRepeatsInARow) return;
    warned_ = true;
    err_ << "\nsculpt: warning: the last " << p.proposals - last_new_at_
         << " proposals were all architectures seen before or breaking a constraint: the search "
            "has stopped finding new ones to evaluate; "
         << (budget_.patience ? "it stops after budget.patience = " +
                                    std::to_string(*budget_.patience) + " such proposals in a row"
                              : std::string("budget.patience is 0, so only the budget stops it"))
         << "\n";
  }

 private:
  const Budget& budget_;
  std::ostream& err_;
  std::int64_t last_seen_ = -1;
  std::int64_t last_new_at_ = 0;
  bool warned_ = false;
};

// How an unfinished experiment ended, in words.
std::string HowItStopped(const ExperimentInfo& e) {
  if (e.status == "running") return "its process is gone";
  return e.status;  // interrupted or failed
}

nlohmann::json SummaryJson(const RunSummary& summary) {
  const EngineProgress& p = summary.progress;
  nlohmann::json json = {{"stop_reason", ToString(summary.reason)},
                         {"proposals", p.proposals},
                         {"evaluations", p.evaluations},
                         {"repeats", p.repeats},
                         {"infeasible", p.infeasible},
                         {"failed", p.failed},
                         {"seconds", p.elapsed_seconds}};
  if (p.best_objective) {
    json["best_objective"] = *p.best_objective;
    json["best_step"] = p.best_step;
  }
  return json;
}

// Why a search ended with no successfully evaluated candidate, from its counts.
std::string NothingEvaluated(const EngineProgress& p) {
  std::string text = "No candidate was evaluated successfully";
  if (p.failed > 0) {
    text += ": " + Counted(p.failed, "evaluation") + " failed (their errors: sculpt query DB " +
            "--sql \"SELECT error, count(*) FROM candidates WHERE status = 'failed' GROUP BY " +
            "error\")";
  } else if (p.infeasible > 0) {
    text += ": all " + Counted(p.infeasible, "proposal") + " fell outside the constraints; " +
            "loosen them, or search a space with members inside them";
  }
  return text + ".\n";
}

// A multi-objective search has no one best candidate: it ends with its Pareto front, at most
// kShown of it, spread from one end of the trade-off to the other.
void PrintParetoFront(const Experiment& e, const std::vector<Objective>& objectives,
                      std::int64_t experiment_id, const ResultStore& store,
                      const EngineProgress& progress, std::ostream& out) {
  constexpr std::size_t kShown = 10;
  const std::vector<StoredCandidate> evaluated =
      store.Top(experiment_id, std::numeric_limits<int>::max());
  const std::vector<StoredCandidate> front = ParetoFront(objectives, evaluated);
  if (front.empty()) {
    out << NothingEvaluated(progress);
    return;
  }
  std::string over;
  for (const Objective& o : objectives) {
    over += over.empty() ? "" : ", ";
    over += (o.goal == Goal::kMinimize ? "min " : "max ") + o.metric;
  }
  out << "Pareto front: " << front.size() << " of " << evaluated.size()
      << " evaluated candidates, none beaten on all of " << over << ":\n";
  std::vector<StoredCandidate> shown = front;
  if (front.size() > kShown) {
    shown.clear();
    for (std::size_t i = 0; i < kShown; ++i) {
      shown.push_back(front[i * (front.size() - 1) / (kShown - 1)]);
    }
  }
  CandidateTableSpec spec;
  for (const Objective& o : objectives) spec.metrics.push_back(o.metric);
  spec.primary = objectives.front().metric;
  spec.evaluator_type = e.evaluator_type;
  std::ostringstream table;
  WriteTable(CandidateTable(shown, spec), TableFormat::kTable, table);
  std::istringstream lines(table.str());
  for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  if (shown.size() < front.size()) {
    out << "  (" << shown.size() << " of " << front.size()
        << " shown, spread along the front in the order of " << spec.primary << ")\n";
  }
}

// A candidate's metrics, one a line, the values in one column (past the longest name).
void PrintMetrics(const Experiment& e, const StoredCandidate& c, std::ostream& out) {
  std::size_t longest = 15;
  for (const auto& [name, value] : c.metrics) longest = std::max(longest, name.size());
  const int width = static_cast<int>(longest + 1);
  for (const auto& [name, value] : c.metrics) {
    out << "  " << std::left << std::setw(width) << name
        << MetricText(e.evaluator_type, name, value) << "\n";
  }
}

void PrintSummary(const Experiment& e, std::int64_t experiment_id, const RunSummary& summary,
                  const ResultStore& store, std::ostream& out) {
  const EngineProgress& p = summary.progress;
  out << "Search stopped: " << ToString(summary.reason) << " after " << p.proposals
      << " proposals (" << p.evaluations << " evaluated, " << p.repeats << " repeats, "
      << p.infeasible << " infeasible, " << p.failed << " failed) in " << std::fixed
      << std::setprecision(2) << p.elapsed_seconds << " s.\n";
  out.unsetf(std::ios::floatfield);
  // An objective the strategy only confirms with is not a trade-off: astar's answer with
  // `confirm` ends as a single-objective run does.
  const std::vector<Objective> traded = TradeOffObjectives(e.canonical_config, e.objectives);
  const bool multi_objective = traded.size() > 1;
  // Read once: the summary, the answer's note and the export hint all ask whether there is one.
  const std::vector<StoredCandidate> best = store.Top(experiment_id, 1);
  if (multi_objective) {
    PrintParetoFront(e, traded, experiment_id, store, p, out);
  } else if (best.empty()) {
    out << NothingEvaluated(p);
  } else {
    const StoredCandidate& c = best.front();
    out << "Best candidate #" << c.id << " (step " << c.step << "): " << c.arch << "\n";
    PrintMetrics(e, c, out);
  }
  const std::optional<StoredCandidate> answer = StrategyAnswer(store, experiment_id);
  // A goal-seeking strategy (its first proposal's origin "<strategy>-start") that stopped
  // without an answer: say so, or the best candidate (for pruning, the unpruned model) would
  // read as its result. And the answers a confirming strategy (astar's `confirm`) turned down on
  // its held-out data. One pass over the candidates for both.
  const Table origins = store.Sql(
      "SELECT coalesce(sum(origin LIKE '%-start'), 0), coalesce(sum(origin LIKE '%-unconfirmed'), "
      "0) FROM candidates WHERE experiment_id = " + std::to_string(experiment_id));
  const bool seeks_goal = std::get<std::int64_t>(origins.rows.front().at(0)) > 0;
  const std::int64_t turned_down = std::get<std::int64_t>(origins.rows.front().at(1));
  // Only where a best candidate was shown above.
  const std::string not_the_best =
      multi_objective || !best.empty()
          ? "; the best candidate above is the best by the objective, not an answer.\n"
          : ".\n";
  if (!answer && seeks_goal && summary.reason == StopReason::kInterrupted) {
    out << "No answer yet: " << e.strategy_type << " was interrupted before it reached its goal"
        << not_the_best;
  } else if (!answer && seeks_goal) {
    out << "No answer: " << e.strategy_type << " stopped without reaching its goal ("
        << (p.evaluations == 0 && p.infeasible > 0
                ? "its start broke the constraints, so it had nothing to search from"
            : summary.reason == StopReason::kStrategyFinished
                ? "no candidate it tried met it, e.g. every one exceeded max_drop"
                : "the search budget ran out first")
        << ")" << not_the_best;
  }
  if (answer) {
    out << "Answer of " << e.strategy_type << ": candidate #" << answer->id << " (step "
        << answer->step << "): " << answer->arch << "\n";
    PrintMetrics(e, *answer, out);
  }
  if (turned_down > 0) {
    out << "  " << turned_down << " earlier answer" << (turned_down == 1 ? " was" : "s were")
        << " turned down: within max_drop on the searched images, not on the held-out ones"
        << " (origin " << e.strategy_type << "-unconfirmed)\n";
  }
  const std::string db = e.storage.string();
  out << "Results: " << db << " (experiment " << experiment_id << ")\n"
      << "  sculpt query " << ShellPath(db) << " --experiment " << experiment_id
      << (multi_objective ? " --pareto" : " --top 10") << "\n";
  if (answer || !best.empty()) {  // something to export
    out << "  sculpt export " << ShellPath(db) << " --experiment " << experiment_id
        << (answer ? " --answer" : " --best") << " --out DIR\n";
  }
}

// Retrains the best candidate as the "final" block says and exports it. Returns false when
// Ctrl-C stopped it.
bool RunFinal(const Experiment& e, std::int64_t experiment_id, ResultStore& store,
              TrainingProgress& display, const std::atomic<bool>& stop, bool resume,
              nlohmann::json& summary, std::ostream& out) {
  const std::vector<StoredCandidate> best = store.Top(experiment_id, 1);
  if (best.empty()) {
    out << "Nothing to retrain: no candidate was evaluated successfully.\n";
    return true;
  }
  const StoredCandidate& candidate = best.front();
  const Architecture arch = e.space->Parse(candidate.arch);
  const RetrainPlan& plan = *e.final;
  // The retraining runs alone after the search: it gets every core the search's workers had
  // (workers x threads_per_worker), not one worker's share, or final.threads.
  SetTrainingThreads(RetrainThreads(plan, e.engine.workers, e.threads_per_worker), "retraining",
                     display);
  const RetrainOutcome outcome =
      Retrain(plan, arch, store, experiment_id, candidate.id, &display, &stop, e.storage, resume,
              EarlierRetrainings::kTakeSameConfig);
  nlohmann::json final_json = {{"candidate", candidate.id}, {"training_run", outcome.run_id}};
  for (const auto& [name, value] : outcome.result) {
    if (std::isfinite(value)) final_json[name] = value;
  }
  summary["final"] = final_json;
  if (!outcome.finished) {
    out << "Retraining of candidate #" << candidate.id << " was interrupted (training run "
        << outcome.run_id << ").\n";
    return false;
  }
  const std::optional<ExperimentInfo> info = store.FindExperiment(std::to_string(experiment_id));
  SCULPT_ASSERT(info.has_value(), "the running experiment is missing from its store");
  const WrittenExport written =
      ExportRetrained(*info, candidate, candidate.metrics, plan, outcome, plan.export_dir);
  const std::filesystem::path& dir = plan.export_dir;
  summary["final"]["export"] = dir.string();

  const Metrics& r = outcome.result;
  auto percent = [&r](const char* name) { return FormatPercent(r, name); };
  char line[200];
  std::snprintf(line, sizeof(line), "%.0f params, %.3g MFLOPs, retrained %s in %s",
                r.at("params"), r.at("flops") / 1e6,
                Counted(static_cast<std::int64_t>(r.at("epochs")), "epoch").c_str(),
                FormatDuration(r.at("seconds")).c_str());
  out << "\nFinal: candidate #" << candidate.id << " retrained from scratch\n"
      << "  " << candidate.arch << "\n"
      << "  test accuracy " << percent("test_accuracy") << " (validation "
      << percent("valid_accuracy") << ")\n"
      << "  " << line << "\n"
      << "  training run " << outcome.run_id << "; exported to " << dir.string()
      << " (architecture.json, model.pt" << (plan.family->ExportsOnnx() ? ", model.onnx" : "")
      << ")\n";
  if (!written.replaced.empty()) {
    out << "  replaced the folder's earlier export: " << written.replaced << "\n";
  }
  return true;
}

// Builds the zoo (experiments/models/zoo.h) after the final retraining and prints a line per
// budget. Returns false when Ctrl-C stopped it.
bool RunZoo(const Experiment& e, std::int64_t experiment_id, ResultStore& store,
            TrainingProgress& display, const std::atomic<bool>& stop, bool resume,
            nlohmann::json& summary, std::ostream& out) {
  SetTrainingThreads(RetrainThreads(*e.final, e.engine.workers, e.threads_per_worker),
                     "the zoo's trainings", display);
  nlohmann::json models = nlohmann::json::array();
  out << "\nZoo: a model for each " << e.zoo->metric << " budget (`sculpt query "
      << ShellPath(e.storage.string()) << " --zoo`)\n";
  const std::vector<ZooModel> built = BuildZoo(
      *e.zoo, *e.final, store, experiment_id, &display, &stop, e.storage, resume,
      [&](const ZooModel& model) {
        std::ostringstream line;
        line << "  " << e.zoo->metric << " <= " << BudgetText(model.budget) << ": ";
        nlohmann::json json = {{"budget", model.budget}};
        if (!model.candidate) {
          line << "no evaluated candidate or reference fits (a search with " << e.zoo->metric
               << " as a second objective, e.g. nsga2, covers every budget)";
        } else {
          const Metrics& r = model.outcome.result;
          const bool reference = model.candidate->step < 0;
          line << (reference ? std::string("reference")
                             : "candidate #" + std::to_string(model.candidate->id))
               << " " << model.candidate->arch << ", " << e.zoo->metric << " "
               << model.candidate->metrics.at(e.zoo->metric) << ", test accuracy "
               << FormatPercent(r, "test_accuracy") << " (best of "
               << Counted(model.trials + model.reference_trials, "trial");
          if (model.reference_trials > 0) {
            line << ": " << Counted(model.trials, "candidate") << " and "
                 << Counted(model.reference_trials, "reference");
          }
          line << ") -> " << model.export_dir.string();
          if (!model.replaced.empty()) {
            line << "\n    replaced the folder's earlier export: " << model.replaced;
          }
          if (model.trials < e.zoo->top) {
            // The search's candidates are the zoo's only pool: a single-objective search
            // gathers near its best and seldom visits small budgets.
            line << "\n    only " << Counted(model.trials, "evaluated candidate") << " of the "
                 << e.zoo->top
                 << " asked for fit: the search seldom went there; one with " << e.zoo->metric
                 << " as a second objective (e.g. nsga2) covers every budget";
          }
          json["candidate"] = reference ? nlohmann::json(nullptr)
                                        : nlohmann::json(model.candidate->id);
          json["reference"] = reference;
          json["training_run"] = model.outcome.run_id;
          json["test_accuracy"] = r.at("test_accuracy");
          json["export"] = model.export_dir.string();
        }
        out << line.str() << std::endl;
        models.push_back(json);
      });
  summary["zoo"] = models;
  return built.size() == e.zoo->budgets.size();
}

}  // namespace

int RunCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "run CONFIG [--seed N] [--db PATH] [--workers N] [--resume] [--quiet]",
      "Runs the experiment described by the JSON config file CONFIG: the strategy proposes\n"
      "architectures, the engine evaluates them in parallel, and every candidate is logged to\n"
      "the SQLite database named by the config's \"storage\" (or --db).\n"
      "Ctrl-C finishes the candidates in flight, writes them and stops (exit status 130).\n"
      "After Ctrl-C, a kill or a crash, the same command with --resume continues the\n"
      "experiment where it stopped; it ends exactly as an uninterrupted run would have.",
      {{"resume", "",
        "continue the newest unfinished experiment of exactly this config in the database "
        "(its supernet training, search and retraining); without one, start a new experiment"},
       {"seed", "N", "replace the config's seed"},
       {"db", "PATH", "write to this database instead of the config's storage"},
       {"workers", "N", "replace the config's number of parallel workers"},
       {"quiet", "", "no progress bars (a line per finished epoch stays)"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;

  Overrides overrides;
  if (command_line.Has("seed")) {
    overrides.seed = static_cast<std::uint64_t>(
        command_line.Int("seed", 0, 0, std::numeric_limits<std::int64_t>::max()));
  }
  if (auto db = command_line.Value("db")) {
    // An empty name would open a temporary database that SQLite throws away, and a device is no
    // database file.
    if (db->empty()) throw UsageError("--db needs a file name");
    std::error_code error;
    const auto status = std::filesystem::status(*db, error);
    if (!error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
      throw UsageError("--db " + *db + " is not a regular file");
    }
    overrides.storage = std::filesystem::path(*db);
  }
  if (command_line.Has("workers")) {
    overrides.workers = static_cast<int>(command_line.Int("workers", 1, 1, 1024));
  }
  // Validation happens here, before anything is created on disk.
  Experiment e = LoadExperiment(command_line.Positional().front(), overrides);

  // LibTorch's intra-op threads are process-wide; this command owns them: the supernet's
  // training, alone before the search, gets every core the run owns (workers x
  // threads_per_worker); each engine worker gets threads_per_worker (workers x threads <=
  // cores); the retraining, alone after the search, gets them all again (RunFinal). Counts
  // come from the config and the machine's cores, never from the load: results depend on them.
  // Workers beyond the cores (evaluators that wait) add no LibTorch threads: a thousand made
  // LibTorch start and join a thousand pool threads, half a minute before the search began.
  const int run_threads =
      std::clamp(e.engine.workers * e.threads_per_worker, 1, std::max(1, HardwareCores()));
  // The exports come at the end: a folder they would harm is refused before the search.
  if (e.final) {
    std::vector<std::filesystem::path> exports{e.final->export_dir};
    if (e.zoo) {
      for (const double budget : e.zoo->budgets) {
        exports.push_back(ZooExportDir(e.final->export_dir, e.zoo->metric, budget));
      }
    }
    for (const std::filesystem::path& folder : exports) {
      if (const std::optional<std::string> problem = ExportFolderProblem(folder, e.storage)) {
        throw ConfigError({"final.export: " + *problem});
      }
    }
  }
  if (e.storage.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(e.storage.parent_path(), error);
    if (error) {
      throw UserError("cannot create " + e.storage.parent_path().string() + ", the folder of the " +
                      "database (" + (overrides.storage ? "--db" : "the config's \"storage\"") +
                      "): " + error.message());
    }
  }
  std::unique_ptr<ResultStore> store;
  try {
    store = ResultStore::Open(e.storage.string());
  } catch (const SystemFailure&) {
    throw;  // the right file on a disk that failed: the run's failure, not bad input
  } catch (const UserError& error) {
    // Not a Sculpt database, a newer schema, a damaged file: the database named is bad input.
    throw UsageError(error.what());
  }
  const bool resume = command_line.Has("resume");
  const UnfinishedExperiment unfinished =
      FindUnfinishedExperiment(*store, e.canonical_config, e.name);
  if (resume && unfinished.still_running) {
    throw UserError("cannot resume: " + unfinished.why_not +
                    "; stop that process first, or run without --resume for a new experiment");
  }
  std::unique_ptr<StoredRun> stored;
  std::int64_t experiment_id = 0;
  if (resume && unfinished.experiment) {
    experiment_id = unfinished.experiment->id;
    stored = store->StoredSearch(experiment_id);
    store->ReopenExperiment(experiment_id);
    // Training runs the dead process left "running" ended with it. Their epochs are kept: a
    // supernet's training goes on in a new run from its checkpoint (config.first_epoch), a
    // retraining reopens its own run (Retrain).
    for (const TrainingRunInfo& run : store->TrainingRuns(experiment_id)) {
      if (run.status == "running") store->FinishTrainingRun(run.id, "interrupted", {});
    }
    io.err << "sculpt: resuming experiment " << experiment_id << " ("
           << HowItStopped(*unfinished.experiment) << "): replaying its "
           << stored->StoredSteps() << " stored steps\n";
  } else {
    if (resume) {
      io.err << "sculpt: nothing to resume"
             << (unfinished.why_not.empty() ? " in " + e.storage.string()
                                            : ": " + unfinished.why_not)
             << "; starting a new experiment\n";
    } else if (unfinished.experiment) {
      io.err << "sculpt: experiment " << unfinished.experiment->id << " of this config stopped "
             << "unfinished (" << HowItStopped(*unfinished.experiment)
             << "); add --resume to continue it instead of starting anew\n";
    }
    experiment_id = store->CreateExperiment(e.name, e.canonical_config, e.space_type,
                                            e.strategy_type, e.objectives.front(), e.seed);
  }
  // Candidates are stored on a thread of their own while the search goes on; the engine
  // flushes the writer before Run returns, and nothing else uses the store during Run.
  std::unique_ptr<ResultSink> writer = store->Writer(experiment_id, WriteMode::kBackground, e.stored_repeats);
  Engine engine(*e.space, *e.evaluator, *e.strategy, e.objectives, e.constraints, e.engine);
  const bool quiet = command_line.Has("quiet");
  ProgressDisplay display(io.err, io.err_is_terminal, e.engine.budget, e.objectives.front().metric,
                          IsFractionMetric(e.evaluator_type, e.objectives.front().metric));
  TrainingDisplay training_display(io.err, io.err_is_terminal, quiet);
  StoreTrainingLog training_log(*store, experiment_id);
  RunSummary summary;
  // Installed before the run is announced: from then on Ctrl-C stops cleanly.
  InterruptFlag interrupt;
  io.err << "sculpt: experiment '" << e.name << "' (id " << experiment_id << "), "
         << e.strategy_type << " on " << e.space_type << ", " << Counted(e.engine.workers, "worker")
         << ", results in " << e.storage.string() << "\n";
  try {
    // The checkpoints live next to the database, so later runs of the same settings that write
    // to it reuse them (see spaces/prepare.h).
    PrepareContext prepare;
    prepare.progress = &training_display;
    prepare.log = &training_log;
    prepare.stop = &interrupt.Flag();
    prepare.checkpoint_dir = e.storage;
    prepare.checkpoint_dir += ".supernet";
    SetTorchThreads(run_threads);
    {
      // The engine's threads, for independent trainings (few-shot sub-supernets); gone before
      // the engine makes its own arena.
      WorkerArena workers(e.engine.workers);
      prepare.workers = &workers;
      e.evaluator->Prepare(prepare);
    }
    SetTorchThreads(e.threads_per_worker);
    if (interrupt.Raised()) {
      store->FinishExperiment(experiment_id, "interrupted",
                              {{"stop_reason", "interrupted during preparation"}});
      io.out << "Interrupted while preparing the evaluator (training its supernet or teacher, "
                "or scoring its blocks); the same command with --resume "
                "continues from its last checkpoint.\n";
      return 130;
    }
    CirclingWarning circling(e.engine.budget, io.err);
    bool counting_repeats = false;
    summary = engine.Run(
        *writer,
        [&](const EngineProgress& p) {
          if (!quiet) display.Update(p);
          circling.Update(p);
          if (!counting_repeats && p.repeats > e.stored_repeats) {
            counting_repeats = true;
            io.err << "\nsculpt: " << e.stored_repeats << " repeats are stored one row each "
                   << "(stored_repeats); further repeats are only counted, per architecture "
                   << "(table repeat_counts)\n";
          }
        },
        &interrupt.Flag(), stored.get());
  } catch (const std::exception& error) {
    writer.reset();  // stores what was queued before the store is used again
    store->FinishExperiment(experiment_id, "failed", {{"error", error.what()}});
    throw;
  }
  if (!quiet) display.Finish(summary.progress);
  // Ctrl-C while the stored steps were replayed: nothing new was searched, and the engine's
  // counts and the strategy's state cover only the replayed part, so the experiment keeps the
  // summary and state it had (its candidates are all still stored).
  if (const std::int64_t stored_steps = stored ? stored->StoredSteps() : 0;
      summary.reason == StopReason::kInterrupted && summary.progress.proposals < stored_steps) {
    store->FinishExperiment(experiment_id, "interrupted", unfinished.experiment->summary);
    io.out << "Interrupted while replaying the " << stored_steps << " stored steps ("
           << summary.progress.proposals << " replayed): nothing new was searched. The same "
           << "command with --resume continues experiment " << experiment_id << ".\n";
    return 130;
  }
  store->SaveStrategyState(experiment_id, e.strategy->SaveState());
  bool interrupted = summary.reason == StopReason::kInterrupted;
  nlohmann::json summary_json = SummaryJson(summary);
  PrintSummary(e, experiment_id, summary, *store, io.out);
  if (e.final && !interrupted) {
    try {
      interrupted = !RunFinal(e, experiment_id, *store, training_display, interrupt.Flag(),
                              resume, summary_json, io.out);
    } catch (const ExportNotWritten& error) {
      summary_json["error"] = std::string("the export failed: ") + error.what();
      store->FinishExperiment(experiment_id, "failed", summary_json);
      throw UserError(ExportAgainMessage(error.what(), error.RunId(), e.storage));
    } catch (const std::exception& error) {
      summary_json["error"] = std::string("retraining failed: ") + error.what();
      store->FinishExperiment(experiment_id, "failed", summary_json);
      throw;
    }
  }
  if (e.zoo && e.final && !interrupted) {
    try {
      interrupted = !RunZoo(e, experiment_id, *store, training_display, interrupt.Flag(), resume,
                            summary_json, io.out);
    } catch (const ExportNotWritten& error) {
      summary_json["error"] = std::string("the zoo's export failed: ") + error.what();
      store->FinishExperiment(experiment_id, "failed", summary_json);
      throw UserError(ExportAgainMessage(error.what(), error.RunId(), e.storage));
    } catch (const std::exception& error) {
      summary_json["error"] = std::string("the zoo failed: ") + error.what();
      store->FinishExperiment(experiment_id, "failed", summary_json);
      throw;
    }
  }
  store->FinishExperiment(experiment_id, interrupted ? "interrupted" : "finished", summary_json);
  if (interrupted) {
    io.out << "Interrupted: the same command with --resume continues experiment "
           << experiment_id << " where it stopped.\n";
    return 130;
  }
  // A search that found nothing usable has failed, whatever its stop reason: a script must not
  // read it as success (the summary above says why).
  if (store->Top(experiment_id, 1).empty()) {
    io.out.flush();
    io.err << "sculpt run: experiment " << experiment_id << " evaluated no candidate "
           << "successfully\n";
    return 1;
  }
  return 0;
}

}  // namespace sculpt
