// `sculpt query DB`: lists the experiments of a database, the best candidates of one, or runs
// the user's SQL. The database is opened read-only, never created.

#include <limits>
#include <set>

#include "experiments/cli.h"
#include "experiments/command_line.h"
#include "experiments/store.h"
#include "experiments/table_format.h"

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
      "query DB [--experiment ID|NAME] [--top K] [--sql QUERY] [--format table|csv|json]",
      "Reads a Sculpt results database (opened read-only; a running search may keep writing).\n"
      "Without options, lists its experiments (with --experiment, only that one).\n"
      "--top K shows the K best candidates of an experiment by its objective, one column per\n"
      "metric (default experiment: the newest). --sql runs one read-only SQL statement; see\n"
      "docs/SCHEMA.md for the tables and views, e.g.\n"
      "  sculpt query runs.sqlite --sql \"SELECT metric, avg(value) FROM candidate_metrics\n"
      "                                   WHERE experiment_id = 1 GROUP BY metric\"",
      {{"experiment", "ID|NAME", "the experiment, by id or name (newest of that name)"},
       {"top", "K", "the K best candidates of the experiment"},
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
  if (sql && (command_line.Has("top") || command_line.Has("experiment"))) {
    throw UsageError("--sql cannot be combined with --top or --experiment (filter in the SQL)");
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
