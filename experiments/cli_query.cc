// `sculpt query DB`: lists the experiments of a database, the best candidates of one, or runs
// the user's SQL. The database is opened read-only, never created.

#include <cmath>
#include <limits>
#include <set>

#include "experiments/cli.h"
#include "experiments/command_line.h"
#include "experiments/store.h"
#include "experiments/table_format.h"
#include "search/pareto.h"

namespace sculpt {
namespace {

Cell OptionalNumber(const std::optional<double>& value) { return value ? Cell(*value) : Cell(); }

std::string GoalWord(Goal goal) { return goal == Goal::kMinimize ? "min" : "max"; }

Table ExperimentTable(const ResultStore& store, const std::vector<ExperimentInfo>& experiments) {
  Table table;
  table.columns = {"id",     "name",       "space", "strategy",  "objective",
                   "status", "candidates", "best",  "created_at"};
  for (const ExperimentInfo& e : experiments) {
    const ExperimentStats stats = store.Stats(e.id);
    table.rows.push_back({e.id, e.name, e.space, e.strategy,
                          GoalWord(e.objective.goal) + " " + e.objective.metric, e.status,
                          stats.candidates, OptionalNumber(stats.best_objective), e.created_at});
  }
  return table;
}

// One column per metric: the objective's first, then the others by name. A metric that some of
// the candidates lack is blank (NULL) for them.
Table TopTable(const ExperimentInfo& experiment, const std::vector<StoredCandidate>& top) {
  std::set<std::string> others;
  for (const StoredCandidate& c : top) {
    for (const auto& [name, value] : c.metrics) {
      if (name != experiment.objective.metric) others.insert(name);
    }
  }
  std::vector<std::string> metrics = {experiment.objective.metric};
  metrics.insert(metrics.end(), others.begin(), others.end());

  Table table;
  table.columns = {"id", "step", "arch"};
  table.columns.insert(table.columns.end(), metrics.begin(), metrics.end());
  for (const StoredCandidate& c : top) {
    std::vector<Cell> row = {c.id, c.step, c.arch};
    for (const std::string& name : metrics) {
      auto it = c.metrics.find(name);
      if (it != c.metrics.end()) {
        row.emplace_back(it->second);
      } else if (name == experiment.objective.metric && c.objective) {
        row.emplace_back(*c.objective);
      } else {
        row.emplace_back();
      }
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

// The experiment's objectives as stored with its config (the first is the primary one).
std::vector<Objective> StoredObjectives(const ExperimentInfo& experiment) {
  std::vector<Objective> objectives;
  const nlohmann::json& config = experiment.config;
  if (config.contains("objectives") && config["objectives"].is_array()) {
    for (const nlohmann::json& o : config["objectives"]) {
      if (!o.contains("metric")) continue;
      const bool minimize = o.value("goal", std::string("maximize")) == "minimize";
      objectives.push_back(
          {o["metric"].get<std::string>(), minimize ? Goal::kMinimize : Goal::kMaximize});
    }
  }
  if (objectives.empty()) objectives.push_back(experiment.objective);
  return objectives;
}

// The evaluated candidates that no other evaluated candidate beats on every objective, in the
// order of the primary objective.
std::vector<StoredCandidate> ParetoFront(const ExperimentInfo& experiment,
                                         const std::vector<StoredCandidate>& evaluated) {
  const std::vector<Objective> objectives = StoredObjectives(experiment);
  std::vector<const StoredCandidate*> scored;
  std::vector<std::vector<double>> points;
  for (const StoredCandidate& c : evaluated) {
    std::vector<double> point;
    for (const Objective& objective : objectives) {
      auto it = c.metrics.find(objective.metric);
      if (it == c.metrics.end() || !std::isfinite(it->second)) break;
      point.push_back(objective.Orient(it->second));
    }
    if (point.size() != objectives.size()) continue;  // lacks an objective: not comparable
    scored.push_back(&c);
    points.push_back(std::move(point));
  }
  std::vector<StoredCandidate> front;
  for (std::size_t index : NonDominated(points)) front.push_back(*scored[index]);
  return front;
}

ExperimentInfo ChooseExperiment(const ResultStore& store, const std::string& db,
                                const std::optional<std::string>& wanted) {
  if (wanted) {
    if (std::optional<ExperimentInfo> found = store.FindExperiment(*wanted)) return *found;
    std::string known;
    for (const ExperimentInfo& e : store.Experiments()) {
      known += (known.empty() ? "" : ", ") + std::to_string(e.id) + " (" + e.name + ")";
    }
    throw UserError("no experiment '" + *wanted + "' in " + db + "; it holds " +
                    (known.empty() ? std::string("none") : known));
  }
  if (std::optional<ExperimentInfo> newest = store.NewestExperiment()) return *newest;
  throw UserError(db + " holds no experiment yet");
}

}  // namespace

int QueryCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "query DB [--experiment ID|NAME] [--top K | --pareto | --sql QUERY]\n"
      "          [--format table|csv|json]",
      "Reads a Sculpt results database (opened read-only; a running search may keep writing).\n"
      "Without options, lists its experiments (with --experiment, only that one).\n"
      "--top K shows the K best candidates of an experiment by its objective, one column per\n"
      "metric (default experiment: the newest). --pareto shows the candidates of an experiment\n"
      "that no other candidate beats on all its objectives (its Pareto front).\n"
      "--sql runs one read-only SQL statement; see\n"
      "docs/SCHEMA.md for the tables and views, e.g.\n"
      "  sculpt query runs.sqlite --sql \"SELECT metric, avg(value) FROM candidate_metrics\n"
      "                                   WHERE experiment_id = 1 GROUP BY metric\"",
      {{"experiment", "ID|NAME", "the experiment, by id or name (newest of that name)"},
       {"top", "K", "the K best candidates of the experiment"},
       {"pareto", "", "the non-dominated candidates over every objective of the experiment"},
       {"sql", "QUERY", "run one read-only SQL statement"},
       {"format", "FORMAT", "table (default), csv or json"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;

  TableFormat format = TableFormat::kTable;
  if (const std::optional<std::string> name = command_line.Value("format")) {
    const std::optional<TableFormat> parsed = ParseTableFormat(*name);
    if (!parsed) {
      throw UsageError("option --format: unknown format '" + *name +
                       "'; expected table, csv or json");
    }
    format = *parsed;
  }
  const std::optional<std::string> sql = command_line.Value("sql");
  if (sql && (command_line.Has("top") || command_line.Has("experiment") ||
              command_line.Has("pareto"))) {
    throw UsageError(
        "--sql cannot be combined with --top, --pareto or --experiment (filter in the SQL)");
  }
  if (command_line.Has("top") && command_line.Has("pareto")) {
    throw UsageError("--top and --pareto cannot be combined");
  }

  const std::string& db = command_line.Positional().front();
  const std::unique_ptr<ResultStore> store = ResultStore::OpenReadOnly(db);
  Table table;
  if (sql) {
    try {
      table = store->Sql(*sql);
    } catch (const UserError& error) {
      throw UserError(std::string("--sql: ") + error.what());
    }
  } else if (command_line.Has("top")) {
    const int k = static_cast<int>(command_line.Int("top", 10, 1, std::numeric_limits<int>::max()));
    const ExperimentInfo experiment =
        ChooseExperiment(*store, db, command_line.Value("experiment"));
    table = TopTable(experiment, store->Top(experiment.id, k));
  } else if (command_line.Has("pareto")) {
    const ExperimentInfo experiment =
        ChooseExperiment(*store, db, command_line.Value("experiment"));
    const std::vector<StoredCandidate> evaluated =
        store->Top(experiment.id, std::numeric_limits<int>::max());
    table = TopTable(experiment, ParetoFront(experiment, evaluated));
  } else if (command_line.Has("experiment")) {
    table =
        ExperimentTable(*store, {ChooseExperiment(*store, db, command_line.Value("experiment"))});
  } else {
    table = ExperimentTable(*store, store->Experiments());
  }
  WriteTable(table, format, io.out);
  return 0;
}

}  // namespace sculpt
