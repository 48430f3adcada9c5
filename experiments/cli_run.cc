// `sculpt run CONFIG`: builds the experiment, runs the search and logs every candidate.

#include <filesystem>
#include <iomanip>

#include "experiments/cli.h"
#include "experiments/command_line.h"
#include "experiments/experiment.h"
#include "experiments/interrupt.h"
#include "experiments/progress_display.h"
#include "experiments/store.h"
#include "search/engine.h"

namespace sculpt {
namespace {

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

void PrintSummary(const Experiment& e, std::int64_t experiment_id, const RunSummary& summary,
                  const ResultStore& store, std::ostream& out) {
  const EngineProgress& p = summary.progress;
  out << "Search stopped: " << ToString(summary.reason) << " after " << p.proposals
      << " proposals (" << p.evaluations << " evaluated, " << p.repeats << " repeats, "
      << p.infeasible << " infeasible, " << p.failed << " failed) in " << std::fixed
      << std::setprecision(2) << p.elapsed_seconds << " s.\n";
  out.unsetf(std::ios::floatfield);
  const std::vector<StoredCandidate> best = store.Top(experiment_id, 1);
  if (best.empty()) {
    out << "No candidate was evaluated successfully.\n";
  } else {
    const StoredCandidate& c = best.front();
    out << "Best candidate #" << c.id << " (step " << c.step << "): " << c.arch << "\n";
    for (const auto& [name, value] : c.metrics) {
      out << "  " << std::left << std::setw(16) << name << std::setprecision(6) << value << "\n";
    }
  }
  const std::string db = e.storage.string();
  out << "Results: " << db << " (experiment " << experiment_id << ")\n"
      << "  sculpt query " << db << " --experiment " << experiment_id << " --top 10\n"
      << "  sculpt export " << db << " --experiment " << experiment_id << " --best --out DIR\n";
}

}  // namespace

int RunCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "run CONFIG [--seed N] [--db PATH] [--workers N] [--quiet]",
      "Runs the experiment described by the JSON config file CONFIG: the strategy proposes\n"
      "architectures, the engine evaluates them in parallel, and every candidate is logged to\n"
      "the SQLite database named by the config's \"storage\" (or --db).\n"
      "Ctrl-C finishes the candidates in flight, writes them and stops (exit status 130).",
      {{"seed", "N", "replace the config's seed"},
       {"db", "PATH", "write to this database instead of the config's storage"},
       {"workers", "N", "replace the config's number of parallel workers"},
       {"quiet", "", "no progress display"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;

  Overrides overrides;
  if (command_line.Has("seed")) {
    overrides.seed = static_cast<std::uint64_t>(
        command_line.Int("seed", 0, 0, std::numeric_limits<std::int64_t>::max()));
  }
  if (auto db = command_line.Value("db")) overrides.storage = std::filesystem::path(*db);
  if (command_line.Has("workers")) {
    overrides.workers = static_cast<int>(command_line.Int("workers", 1, 1, 1024));
  }
  // Validation happens here, before anything is created on disk.
  Experiment e = LoadExperiment(command_line.Positional().front(), overrides);

  if (e.storage.has_parent_path()) std::filesystem::create_directories(e.storage.parent_path());
  std::unique_ptr<ResultStore> store = ResultStore::Open(e.storage.string());
  const std::int64_t experiment_id =
      store->CreateExperiment(e.name, e.canonical_config, e.space_type, e.strategy_type,
                              e.objectives.front(), e.seed);
  std::unique_ptr<ResultSink> writer = store->Writer(experiment_id);
  Engine engine(*e.space, *e.evaluator, *e.strategy, e.objectives, e.constraints, e.engine);
  const bool quiet = command_line.Has("quiet");
  ProgressDisplay display(io.err, io.err_is_terminal, e.engine.budget, e.objectives.front().metric);
  RunSummary summary;
  {
    // Installed before the run is announced: from then on Ctrl-C stops cleanly.
    InterruptFlag interrupt;
    io.err << "sculpt: experiment '" << e.name << "' (id " << experiment_id << "), "
           << e.strategy_type << " on " << e.space_type << ", " << e.engine.workers
           << " workers, results in " << e.storage.string() << "\n";
    try {
      summary = engine.Run(
          *writer, [&](const EngineProgress& p) { if (!quiet) display.Update(p); },
          &interrupt.Flag());
    } catch (const std::exception& error) {
      store->FinishExperiment(experiment_id, "failed", {{"error", error.what()}});
      throw;
    }
  }
  if (!quiet) display.Finish(summary.progress);
  store->SaveStrategyState(experiment_id, e.strategy->SaveState());
  const bool interrupted = summary.reason == StopReason::kInterrupted;
  store->FinishExperiment(experiment_id, interrupted ? "interrupted" : "finished",
                          SummaryJson(summary));
  PrintSummary(e, experiment_id, summary, *store, io.out);
  return interrupted ? 130 : 0;
}

}  // namespace sculpt
