#include "experiments/report/experiment_report.h"

#include <algorithm>
#include <limits>

#include "experiments/cli/candidate_tables.h"
#include "experiments/store/strategy_answer.h"
#include "experiments/store/table_format.h"
#include "experiments/store/zoo_query.h"
#include "spaces/errors.h"

namespace sculpt::report {
namespace {

// The model the run chose, and why it is that one: a goal-seeking strategy's answer (for
// pruning the best by the objective is the unpruned model), else the candidate the final block
// retrained, else the best by the primary objective.
void ChooseModel(const ResultStore& store, ExperimentReport& report) {
  if (std::optional<StoredCandidate> answer = StrategyAnswer(store, report.info.id)) {
    report.chosen = std::move(answer);
    report.chosen_because = "the answer of " + report.info.strategy;
    return;
  }
  const nlohmann::json& summary = report.info.summary;
  if (summary.is_object() && summary.contains("final") && summary["final"].is_object() &&
      summary["final"].contains("candidate") && summary["final"]["candidate"].is_number_integer()) {
    if (std::optional<StoredCandidate> retrained =
            store.Candidate(summary["final"]["candidate"].get<std::int64_t>())) {
      report.chosen = std::move(retrained);
      const nlohmann::json run = summary["final"].value("training_run", nlohmann::json());
      if (run.is_number_integer()) {
        const std::optional<TrainingRunInfo> info = store.TrainingRun(run.get<std::int64_t>());
        report.final_interrupted = info && info->status != "finished";
      }
      report.chosen_because = report.final_interrupted
                                  ? "the final block's, whose retraining was interrupted "
                                    "(--resume finishes it)"
                                  : "retrained and exported by the final block";
      return;
    }
  }
  if (!report.top.empty()) {
    report.chosen = report.top.front();
    report.chosen_because = "the best by " + report.objectives.front().metric;
    // A run killed in its final retraining wrote no summary; its unfinished retraining of the
    // best candidate (not a zoo's, not a block-wise teacher's) says where it stopped.
    if (report.info.status != "finished" && report.info.config.contains("final")) {
      for (const TrainingRunInfo& run : store.TrainingRuns(report.info.id)) {
        if (run.kind == "retrain" && run.status != "finished" &&
            run.candidate_id == report.chosen->id && run.config.is_object() &&
            !run.config.contains("zoo") && !run.config.contains("blockwise_teacher")) {
          report.final_interrupted = true;
          report.chosen_because += ", whose final retraining was stopped (--resume finishes it)";
          break;
        }
      }
    }
    // A goal-seeking strategy (its first proposal "<strategy>-start") that stopped without an
    // answer: for pruning the best by the objective is the unpruned model, no result of the run.
    const Table starts = store.Sql(
        "SELECT count(*) FROM candidates WHERE experiment_id = " + std::to_string(report.info.id) +
            " AND origin LIKE '%-start'",
        60);
    if (!starts.rows.empty() && CellNumber(starts.rows.front().front()).value_or(0) > 0) {
      // Only a run that ended has no answer; an interrupted (or gone) one has none yet.
      const bool ended = report.info.status == "finished" || report.info.status == "failed";
      report.chosen_because += "; not an answer: " + report.info.strategy +
                               (ended ? " stopped without reaching its goal"
                                      : " has none yet (" + report.info.status + ")");
    }
  }
}

void ChooseTradeOff(ExperimentReport& report) {
  const std::vector<Objective> traded = TradeOffObjectives(report.info.config, report.objectives);
  if (traded.size() >= 2) {
    report.front_objectives = {traded[0], traded[1]};
    report.front_of_objectives = true;
  } else if (report.objectives.front().metric != "params" &&
             std::any_of(report.evaluated.begin(), report.evaluated.end(),
                         [](const StoredCandidate& c) { return c.metrics.count("params") != 0; })) {
    report.front_objectives = {report.objectives.front(), {"params", Goal::kMinimize}};
  }
  if (report.front_objectives.empty()) return;
  // ParetoFront reads metrics; a primary objective stored only as the objective value is
  // copied in so that such candidates still count.
  std::vector<StoredCandidate> scored = report.evaluated;
  for (StoredCandidate& c : scored) {
    for (const Objective& objective : report.front_objectives) {
      if (c.metrics.count(objective.metric) != 0) continue;
      if (std::optional<double> value = ReportValue(report, c, objective.metric)) {
        c.metrics[objective.metric] = *value;
      }
    }
  }
  report.front = ParetoFront(report.front_objectives, scored);
}

// The share of each option of each decision among the best tenth of the evaluated candidates
// (at least 5) and among all of them.
void CountChoices(const SearchSpace& space, ExperimentReport& report) {
  const std::vector<Decision> decisions = space.Decisions();
  if (decisions.empty()) {
    report.choices_note = "the " + space.Name() + " space names no decisions to count";
    return;
  }
  if (report.evaluated.empty()) {
    report.choices_note = "no candidate was evaluated";
    return;
  }
  std::vector<StoredCandidate> by_objective = report.evaluated;
  const Objective& primary = report.objectives.front();
  std::stable_sort(by_objective.begin(), by_objective.end(),
                   [&](const StoredCandidate& a, const StoredCandidate& b) {
                     const double lowest = -std::numeric_limits<double>::infinity();
                     const double va = a.objective ? primary.Orient(*a.objective) : lowest;
                     const double vb = b.objective ? primary.Orient(*b.objective) : lowest;
                     return va > vb;
                   });
  report.choice_top = std::min(by_objective.size(), std::max<std::size_t>(5, by_objective.size() / 10));
  std::vector<std::vector<double>> top(decisions.size());
  std::vector<std::vector<double>> all(decisions.size());
  for (std::size_t d = 0; d < decisions.size(); ++d) {
    top[d].assign(decisions[d].options.size(), 0.0);
    all[d].assign(decisions[d].options.size(), 0.0);
  }
  std::size_t counted = 0;
  std::size_t counted_top = 0;
  for (std::size_t rank = 0; rank < by_objective.size(); ++rank) {
    Architecture arch;
    try {
      arch = space.Parse(by_objective[rank].arch);
    } catch (const UserError&) {
      continue;  // written by another version of the space: not counted
    }
    if (arch.choices.size() != decisions.size()) continue;
    ++counted;
    const bool is_top = rank < report.choice_top;
    counted_top += is_top ? 1 : 0;
    for (std::size_t d = 0; d < decisions.size(); ++d) {
      const int choice = arch.choices[d];
      if (choice < 0 || static_cast<std::size_t>(choice) >= decisions[d].options.size()) continue;
      all[d][choice] += 1.0;
      if (is_top) top[d][choice] += 1.0;
    }
  }
  if (counted == 0) {
    report.choices_note = "no evaluated architecture parses in the " + space.Name() + " space";
    return;
  }
  for (std::size_t d = 0; d < decisions.size(); ++d) {
    for (std::size_t o = 0; o < decisions[d].options.size(); ++o) {
      report.choices.push_back({decisions[d].name, decisions[d].options[o],
                                counted_top == 0 ? 0.0 : top[d][o] / counted_top,
                                all[d][o] / counted});
    }
  }
}

}  // namespace

std::optional<double> ReportValue(const ExperimentReport& report, const StoredCandidate& c,
                                  const std::string& metric) {
  return MetricValue(c, metric, report.objectives.front().metric);
}

// `sculpt query --zoo`'s rows of the experiment, as the report shows them (accuracies as
// percentages, the cost under the metric's name).
void ReadZoo(const ResultStore& store, ExperimentReport& report) {
  const Table rows = store.Sql(ZooQuery(report.info.id), 60);
  if (rows.rows.empty()) return;
  auto column = [&](const std::string& name) {
    const auto it = std::find(rows.columns.begin(), rows.columns.end(), name);
    if (it == rows.columns.end()) throw InternalError("the zoo query has no column " + name);
    return static_cast<std::size_t>(it - rows.columns.begin());
  };
  auto fraction = [](const Cell& cell) -> Cell {
    if (const auto* value = std::get_if<double>(&cell)) return Fraction{*value};
    return cell;
  };
  const std::size_t metric = column("metric");
  if (const auto* name = std::get_if<std::string>(&rows.rows.front()[metric])) {
    report.zoo_metric = *name;
  }
  report.zoo.columns = {"budget",      "arch",  "source", "candidate",   report.zoo_metric,
                        "trial valid", "valid", "test",   "training run"};
  for (const std::vector<Cell>& row : rows.rows) {
    report.zoo.rows.push_back(
        {row[column("budget")], row[column("arch")], row[column("source")],
         row[column("candidate")], row[column("cost")],
         fraction(row[column("trial_valid_accuracy")]), fraction(row[column("valid_accuracy")]),
         fraction(row[column("test_accuracy")]), row[column("training_run")]});
  }
  // A run stopped in its zoo has rows for the budgets it reached only: the others are named.
  const nlohmann::json& config = report.info.config;
  if (config.is_object() && config.contains("zoo") && config["zoo"].is_object() &&
      config["zoo"].value("budgets", nlohmann::json()).is_array()) {
    const std::size_t budget = column("budget");
    std::string missing;
    int count = 0;
    for (const nlohmann::json& b : config["zoo"]["budgets"]) {
      if (!b.is_number()) continue;
      const bool listed = std::any_of(rows.rows.begin(), rows.rows.end(), [&](const auto& row) {
        return CellNumber(row[budget]) == b.get<double>();
      });
      if (!listed) {
        missing += (missing.empty() ? "" : ", ") + FormatNumber(b.get<double>());
        ++count;
      }
    }
    if (!missing.empty()) {
      const std::string them = count == 1 ? "it" : "them";
      report.zoo_missing =
          "no model yet for " + missing + " (the run stopped before the zoo finished " + them +
          (report.info.status == "finished" ? ")" : "; --resume finishes " + them + ")");
    }
  }
  for (const std::vector<Cell>& trial : store.Sql(ZooTrialQuery(report.info.id), 60).rows) {
    const std::optional<double> cost = CellNumber(trial[0]);
    const std::optional<double> accuracy = CellNumber(trial[1]);
    if (cost && accuracy) report.zoo_trials.emplace_back(*cost, *accuracy);
  }
}

ExperimentReport ReadExperimentReport(const ResultStore& store, const ExperimentInfo& info,
                                      const SearchSpace* space, const std::string& space_note) {
  ExperimentReport report;
  report.info = info;
  // Killed, or its machine went down: neither it nor its trainings are running any more (the
  // listings say "gone" too).
  const bool gone = IsGone(info);
  if (gone) report.info.status = "gone";
  report.stats = store.Stats(info.id);
  report.objectives = StoredObjectives(info);
  report.evaluator_type = StoredEvaluatorType(info);
  report.evaluated = store.Top(info.id, std::numeric_limits<int>::max());
  report.top.assign(report.evaluated.begin(),
                    report.evaluated.begin() +
                        std::min<std::ptrdiff_t>(kReportTop, report.evaluated.size()));
  std::sort(report.evaluated.begin(), report.evaluated.end(),
            [](const StoredCandidate& a, const StoredCandidate& b) { return a.step < b.step; });
  ChooseModel(store, report);
  ChooseTradeOff(report);
  for (TrainingRunInfo& run : store.TrainingRuns(info.id)) {
    // A run whose own process is gone (a killed `sculpt train`) too, whatever its experiment does.
    if (run.status == "running" && (gone || run.process_alive == false)) run.status = "gone";
    // A run that took an earlier run's network (a zoo model for two budgets) trained nothing:
    // its curves are that run's, shown once.
    if (run.config.is_object() && run.config.contains("same_training_as")) continue;
    std::vector<TrainingEpoch> epochs = store.TrainingEpochs(run.id);
    report.training.push_back({std::move(run), std::move(epochs)});
  }
  ReadZoo(store, report);
  if (space != nullptr) {
    CountChoices(*space, report);
  } else {
    report.choices_note = space_note;
  }
  return report;
}

}  // namespace sculpt::report
