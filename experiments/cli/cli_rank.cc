// `sculpt rank DB --truth TABLE.csv --column COLUMN`: how well an experiment's evaluator ranks
// architectures, against a ground-truth table (a tabular benchmark such as NAS-Bench-201's, or
// one made by training architectures from scratch). The experiment's successfully evaluated
// candidates are matched to the table's rows by architecture (the space's parser reads both), and
// their scores (the primary objective, or --metric) are compared with the table's COLUMN:
// Kendall's tau, Spearman's rho, the precision of the top 10 %, and where the evaluator's top-1
// and top-5 stand in the truth. Whatever produced the scores (a one-shot supernet, a few-shot
// one, a predictor) is measured the same way; the `listed` strategy scores exactly a table's
// architectures.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "experiments/cli/candidate_tables.h"
#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/cli/experiment_choice.h"
#include "experiments/config/builtins.h"
#include "experiments/store/store.h"
#include "experiments/store/table_format.h"
#include "predictors/ranking.h"
#include "spaces/csv_table.h"
#include "spaces/did_you_mean.h"

namespace sculpt {
namespace {

Goal ParseGoal(const std::string& flag, const std::string& text) {
  if (text == "maximize") return Goal::kMaximize;
  if (text == "minimize") return Goal::kMinimize;
  throw UsageError(flag + ": expected maximize or minimize, got '" + text + "'");
}

// Which way `metric` is better: as --metric-goal says; else as the experiment's objective of
// that name; else from a name whose direction is plain. Any other metric needs --metric-goal:
// a guess would turn tau's sign and pick the worst candidates as the top ones without a word.
Goal ScoreGoal(const std::string& metric, const std::vector<Objective>& objectives,
               const std::optional<std::string>& given) {
  if (given) return ParseGoal("--metric-goal", *given);
  for (const Objective& objective : objectives) {
    if (objective.metric == metric) return objective.goal;
  }
  if (metric.ends_with("accuracy")) return Goal::kMaximize;
  if (metric.ends_with("loss") || metric.find("latency") != std::string::npos ||
      metric.ends_with("_ms") || metric == "params" || metric == "flops") {
    return Goal::kMinimize;
  }
  throw UsageError("--metric " + metric +
                   " is not an objective of the experiment, and its name "
                   "does not say which way is better: add --metric-goal maximize or "
                   "--metric-goal minimize");
}

// The truth of every row whose COLUMN is a number, by architecture.
struct Truth {
  std::unordered_map<Architecture, double, ArchitectureHash> value;
  std::size_t rows = 0;        // rows in the file
  std::size_t not_number = 0;  // rows whose COLUMN is not a number (left out)
  // Their architectures: a candidate among them is in the table, without a value to rank.
  std::unordered_set<Architecture, ArchitectureHash> without_value;
};

Truth ReadTruth(const std::string& path, const std::string& key, const std::string& column,
                const SearchSpace& space) {
  // The table is named on the command line: a path with nothing there, or a table of another
  // space's architectures, is bad input (exit 2), as a database path with no database is.
  if (!std::filesystem::is_regular_file(path)) {
    throw UsageError("--truth: no file at " + path);
  }
  const CsvTable table = [&path] {
    try {
      return CsvTable::Read(path);
    } catch (const UserError& error) {  // not a table: a JSON file, a damaged CSV
      throw UsageError("--truth: " + std::string(error.what()));
    }
  }();
  auto index_of = [&](const std::string& flag, const std::string& name) {
    std::optional<std::size_t> index = table.ColumnIndex(name);
    if (!index) throw UsageError(flag + ": " + table.NoColumnMessage(name));
    return *index;
  };
  const std::size_t key_index = index_of("--key", key);
  const std::size_t column_index = index_of("--column", column);
  Truth truth;
  std::size_t line = 1;
  for (const std::vector<std::string>& row : table.Rows()) {
    ++line;
    ++truth.rows;
    Architecture arch;
    try {
      arch = space.Parse(row[key_index]);
    } catch (const UserError& error) {
      throw UsageError(path + " row " + std::to_string(line) + " is not an architecture of the " +
                       "experiment's space: " + error.what());
    }
    const std::optional<double> value = ParseCsvNumber(row[column_index]);
    if (!value || !std::isfinite(*value)) {
      ++truth.not_number;
      truth.without_value.insert(std::move(arch));
      continue;
    }
    if (!truth.value.emplace(std::move(arch), *value).second) {
      throw UserError(path + " row " + std::to_string(line) + ": architecture " + row[key_index] +
                      " is listed twice");
    }
  }
  return truth;
}

// 1 + how many of `values` beat `value` (higher is better).
std::size_t RankAmong(double value, const std::vector<double>& values) {
  std::size_t better = 0;
  for (double v : values) better += v > value ? 1 : 0;
  return 1 + better;
}

}  // namespace

int RankCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "rank DB --truth TABLE.csv --column COLUMN [--key COLUMN] [--experiment ID|NAME]\n"
      "            [--metric METRIC [--metric-goal maximize|minimize]]\n"
      "            [--truth-goal maximize|minimize] [--format table|csv|json]",
      "How well the experiment's evaluator (a supernet, a predictor) ranks architectures,\n"
      "against a ground-truth table: its successfully evaluated candidates are matched to the\n"
      "table's rows by architecture, and their scores (the primary objective, or --metric)\n"
      "compared with the table's COLUMN. Prints Kendall's tau, Spearman's rho, the precision of\n"
      "the top 10 % (chance: 0.1), and the truth ranks of the evaluator's top-1 and top-5.\n"
      "To score exactly the table's architectures, run the evaluator with the `listed`\n"
      "strategy over the table first.",
      {{"truth", "TABLE.csv", "the ground-truth table (CSV with a header)"},
       {"column", "COLUMN", "the table's column of true values"},
       {"key", "COLUMN", "the table's column of architectures (default arch)"},
       {"experiment", "ID|NAME", "the experiment (default: the newest)"},
       {"metric", "METRIC", "the score to rank by (default: the primary objective)"},
       {"metric-goal", "GOAL",
        "which way the score is better: maximize or minimize (default: the objective's goal; "
        "for a metric that is not an objective, read from its name where it is plain: "
        "*accuracy higher, *loss, *latency*, *_ms, params, flops lower)"},
       {"truth-goal", "GOAL", "maximize (default: higher is better) or minimize"},
       {"format", "FORMAT", "table (default), csv or json"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;
  const std::optional<std::string> truth_path = command_line.Value("truth");
  const std::optional<std::string> column = command_line.Value("column");
  if (!truth_path || truth_path->empty()) throw UsageError("--truth TABLE.csv is required");
  if (!column || column->empty()) throw UsageError("--column COLUMN is required");
  const TableFormat format =
      *ParseTableFormat(command_line.Choice("format", "table", {"table", "csv", "json"}));
  const Goal truth_goal =
      ParseGoal("--truth-goal", command_line.Value("truth-goal").value_or("maximize"));

  const std::string& db = command_line.Positional().front();
  const std::unique_ptr<ResultStore> store = OpenDatabaseToRead(db);
  const ExperimentInfo experiment = ChooseExperiment(*store, db, command_line.Value("experiment"));
  const std::vector<Objective> objectives = StoredObjectives(experiment);
  const std::string metric = command_line.Value("metric").value_or(objectives.front().metric);
  if (!experiment.config.contains("space")) {
    throw UserError("experiment " + std::to_string(experiment.id) + " has no space in its config");
  }
  const std::shared_ptr<const SearchSpace> space = BuildSpace(experiment.config["space"]);
  const Truth truth = ReadTruth(*truth_path, command_line.Value("key").value_or("arch"), *column,
                                *space);

  // Matched pairs, signed so that higher is better on both sides.
  const std::vector<StoredCandidate> candidates =
      store->Top(experiment.id, std::numeric_limits<int>::max());
  std::vector<double> scores, truths;
  std::vector<std::string> archs;
  std::size_t without_metric = 0;
  std::size_t without_truth = 0;  // in the table, with no number in its column
  for (const StoredCandidate& c : candidates) {
    const std::optional<double> score = MetricValue(c, metric, objectives.front().metric);
    if (!score || !std::isfinite(*score)) {
      ++without_metric;
      continue;
    }
    Architecture arch;
    try {
      arch = space->Parse(c.arch);
    } catch (const UserError&) {
      continue;  // not the space's any more (a damaged row): cannot be matched
    }
    auto it = truth.value.find(arch);
    if (it == truth.value.end()) {
      without_truth += truth.without_value.count(arch);
      continue;
    }
    scores.push_back(*score);
    truths.push_back(truth_goal == Goal::kMaximize ? it->second : -it->second);
    archs.push_back(c.arch);
  }
  const std::string experiment_text =
      "experiment " + std::to_string(experiment.id) + " ('" + experiment.name + "')";
  if (without_metric == candidates.size() && !candidates.empty()) {
    std::vector<std::string> known;
    for (const auto& [name, value] : candidates.front().metrics) known.push_back(name);
    const std::string guess = DidYouMean(metric, known);
    throw UsageError("--metric: no evaluated candidate of " + experiment_text + " has metric '" +
                     metric + "'" + (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                     " (its candidates have " + JoinNames(known) + ")");
  }
  const Goal score_goal = ScoreGoal(metric, objectives, command_line.Value("metric-goal"));
  if (score_goal == Goal::kMinimize) {
    for (double& score : scores) score = -score;
  }
  if (scores.size() < 2) {
    throw UserError(std::to_string(scores.size()) + " of the " +
                    std::to_string(candidates.size()) + " evaluated candidates of " +
                    experiment_text + " are in " + *truth_path + " (with a number in column '" +
                    *column + "'): a ranking needs two. The `listed` strategy over the table "
                    "scores exactly its architectures.");
  }

  const std::size_t n = scores.size();
  const std::size_t top = std::max<std::size_t>(1, (n + 9) / 10);
  std::vector<double> table_truths;
  table_truths.reserve(truth.value.size());
  for (const auto& [arch, value] : truth.value) {
    table_truths.push_back(truth_goal == Goal::kMaximize ? value : -value);
  }
  const std::vector<std::size_t> by_score = OrderHighestFirst(scores);
  std::string top5;
  for (std::size_t i = 0; i < std::min<std::size_t>(5, n); ++i) {
    top5 += (i == 0 ? "" : ", ") + std::to_string(RankAmong(truths[by_score[i]], truths));
  }
  const std::size_t best = by_score.front();

  Table table;
  table.columns = {"measure", "value"};
  auto add = [&table](std::string measure, Cell value) {
    table.rows.push_back({Cell(std::move(measure)), std::move(value)});
  };
  add("experiment", experiment_text);
  add("score", metric + (score_goal == Goal::kMaximize ? " (higher is better)"
                                                       : " (lower is better)"));
  add("truth", *column + " of " + *truth_path +
                   (truth_goal == Goal::kMaximize ? " (higher is better)" : " (lower is better)"));
  add("candidates matched", static_cast<std::int64_t>(n));
  add("candidates not in the table",
      static_cast<std::int64_t>(candidates.size() - without_metric - n - without_truth));
  if (truth.not_number > 0) {
    add("candidates in the table without a number", static_cast<std::int64_t>(without_truth));
    add("table rows without a number (left out)", static_cast<std::int64_t>(truth.not_number));
  }
  add("table rows", static_cast<std::int64_t>(truth.rows));
  // Every score (or every truth) the same: there is no order to compare, which 0 would hide; and
  // with every score the same no candidate ranks above another, so a "top" would be the file's
  // order, not the evaluator's.
  auto all_tied = [](const std::vector<double>& values) {
    return std::all_of(values.begin(), values.end(), [&](double v) { return v == values[0]; });
  };
  const bool scores_tied = all_tied(scores);
  const bool no_order = scores_tied || all_tied(truths);
  const Cell undefined =
      std::string("undefined: every ") + (scores_tied ? "score" : "truth") + " is the same";
  auto unless_tied = [&](bool tied, Cell value) { return tied ? undefined : std::move(value); };
  add("kendall_tau", unless_tied(no_order, KendallTau(truths, scores)));
  add("spearman_rho", unless_tied(no_order, SpearmanRho(truths, scores)));
  add("top_10pct_precision", unless_tied(scores_tied, TopPrecision(truths, scores, top)));
  add("top_10pct_size", static_cast<std::int64_t>(top));
  add("top1_arch", unless_tied(scores_tied, archs[best]));
  add("top1_truth_rank",
      unless_tied(scores_tied, static_cast<std::int64_t>(RankAmong(truths[best], truths))));
  add("top1_truth_rank_in_table",
      unless_tied(scores_tied, static_cast<std::int64_t>(RankAmong(truths[best], table_truths))));
  add("top5_truth_ranks", unless_tied(scores_tied, top5));
  WriteTable(table, format, io.out);
  return 0;
}

}  // namespace sculpt
