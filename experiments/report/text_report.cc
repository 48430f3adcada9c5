#include "experiments/report/text_report.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "experiments/cli/candidate_tables.h"
#include "experiments/report/report_series.h"
#include "experiments/store/metric_units.h"
#include "experiments/store/table_format.h"
#include "spaces/counted.h"

namespace sculpt::report {
namespace {

// How many choices the summary names: the ones the best candidates favour most over all.
constexpr std::size_t kFavouredChoices = 6;
// How many candidates the text's top table lists.
constexpr int kTextTop = 5;

std::string Value(const ExperimentReport& r, const std::string& metric, double value) {
  return MetricText(r.evaluator_type, metric, value);
}

std::string Percent(double fraction) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(0) << 100.0 * fraction << "%";
  return out.str();
}

void Header(const ExperimentReport& r, std::ostream& out) {
  const ExperimentInfo& e = r.info;
  out << "Experiment " << e.id << " '" << e.name << "' (" << e.status << "): " << e.space
      << " space, " << e.strategy << (r.evaluator_type.empty() ? "" : ", " + r.evaluator_type)
      << " evaluator, ";
  for (std::size_t i = 0; i < r.objectives.size(); ++i) {
    out << (i == 0 ? "" : " and ")
        << (r.objectives[i].goal == Goal::kMinimize ? "min " : "max ") << r.objectives[i].metric;
  }
  out << "\n  " << Counted(r.stats.evaluations, "evaluation") << " (" << r.stats.evaluated
      << " ok), " << Counted(r.stats.candidates, "proposal") << " with repeats; started "
      << e.created_at
      << (e.finished_at.empty()
              ? ""
              : (e.status == "finished" ? ", finished " : ", stopped ") + e.finished_at)
      << "\n";
  if (r.chosen) {
    out << "  chosen: candidate #" << r.chosen->id << " (step " << r.chosen->step << "), "
        << r.chosen_because << "\n    " << r.chosen->arch << "\n   ";
    for (const auto& [name, value] : r.chosen->metrics) out << " " << name << " " << Value(r, name, value);
    out << "\n";
  }
  const nlohmann::json& summary = e.summary;
  if (summary.is_object() && summary.contains("final") && summary["final"].is_object()) {
    const nlohmann::json& final_block = summary["final"];
    out << (r.final_interrupted ? "  retraining interrupted:" : "  retrained:");
    for (const char* name : {"test_accuracy", "valid_accuracy", "params", "epochs"}) {
      if (final_block.contains(name) && final_block[name].is_number()) {
        out << " " << name << " " << Value(r, name, final_block[name].get<double>());
      }
    }
    if (!r.final_export.empty()) {
      out << "; exported to " << r.final_export
          << (r.final_export_state == "ok" ? "" : " (" + r.final_export_state + ")");
    } else if (final_block.contains("export") && final_block["export"].is_string()) {
      out << "; exported to " << final_block["export"].get<std::string>();
    }
    out << "\n";
  }
}

// The best value so far after a quarter, half, three quarters and all of the evaluations.
void Trajectory(const ExperimentReport& r, std::ostream& out) {
  const ChartSeries best = BestSoFarSeries(r);
  if (best.points.empty()) return;
  const double total = static_cast<double>(r.evaluated.size());
  const std::string& metric = r.objectives.front().metric;
  out << "  best " << metric << " so far:";
  double shown = 0;  // a short run reaches the same checkpoint twice: shown once
  for (const double share : {0.25, 0.5, 0.75, 1.0}) {
    const double at = std::max(1.0, std::round(share * total));
    if (at == shown) continue;
    shown = at;
    double value = std::nan("");
    for (const ChartPoint& p : best.points) {
      if (p.x <= at) value = p.y;
    }
    out << "  after " << static_cast<long long>(at) << ": "
        << (std::isnan(value) ? std::string("-") : Value(r, metric, value));
  }
  out << "\n";
}

void Front(const ExperimentReport& r, std::ostream& out) {
  if (r.front_objectives.size() < 2 || r.front.empty()) return;
  const std::string& y = r.front_objectives[0].metric;
  const std::string& x = r.front_objectives[1].metric;
  out << "  " << (r.front_of_objectives ? "Pareto front" : "Trade-off, params not an objective")
      << " (" << y << " against " << x << "): " << r.front.size() << " candidates";
  std::vector<StoredCandidate> front = r.front;
  std::sort(front.begin(), front.end(), [&](const StoredCandidate& a, const StoredCandidate& b) {
    return ReportValue(r, a, x).value_or(0) < ReportValue(r, b, x).value_or(0);
  });
  const std::size_t shown = std::min<std::size_t>(front.size(), 5);
  // A summary line: a long front is sampled evenly along x, both ends included.
  if (shown < front.size()) out << " (" << shown << " shown, evenly spaced in " << x << ")";
  out << ";";
  for (std::size_t i = 0; i < shown; ++i) {
    const std::size_t k = shown == 1 ? 0 : i * (front.size() - 1) / (shown - 1);
    out << (i == 0 ? " " : ", ") << "#" << front[k].id << " "
        << Value(r, y, ReportValue(r, front[k], y).value_or(std::nan(""))) << " at " << x << " "
        << Value(r, x, ReportValue(r, front[k], x).value_or(std::nan("")));
  }
  out << "\n";
}

void Training(const ExperimentReport& r, std::ostream& out) {
  for (const TrainingCurve& curve : r.training) {
    auto losses_and_accuracies = [&out](const Metrics& values) {
      for (const auto& [name, value] : values) {
        if (name.find("loss") == std::string::npos && name.find("accuracy") == std::string::npos) continue;
        out << " " << name << " " << MetricText("", name, value);
      }
    };
    out << "  " << TrainingRunTitle(curve.run) << ": ";
    if (!curve.epochs.empty()) {
      out << Counted(static_cast<std::int64_t>(curve.epochs.size()), "epoch") << ", "
          << curve.run.status << "; last epoch";
      losses_and_accuracies(curve.epochs.back().values);
    } else if (curve.run.status == "finished") {
      // A run that took an earlier training's network (a reused teacher, the zoo's same
      // training) has its result and no epochs of its own.
      out << curve.run.status << ", no epochs of its own;";
      losses_and_accuracies(curve.run.result);
    } else {
      // Stopped before its first epoch ended: whatever its result holds was never measured.
      out << curve.run.status << " before its first epoch";
    }
    out << "\n";
  }
}

void Choices(const ExperimentReport& r, std::ostream& out) {
  if (r.choices.empty()) {
    out << "  choices: none counted (" << r.choices_note << ")\n";
    return;
  }
  std::vector<ChoiceShare> favoured = r.choices;
  std::stable_sort(favoured.begin(), favoured.end(), [](const ChoiceShare& a, const ChoiceShare& b) {
    return a.top - a.all > b.top - b.all;
  });
  // Where the best are all there is (a short run), no choice is favoured: nothing to list.
  if (favoured.empty() || favoured.front().top <= favoured.front().all) {
    out << "  choices: none favoured by the top " << r.choice_top << " of " << r.evaluated.size()
        << "\n";
    return;
  }
  out << "  choices the top " << r.choice_top << " favour (share among them, among all "
      << r.evaluated.size() << "):";
  for (std::size_t i = 0; i < std::min(kFavouredChoices, favoured.size()); ++i) {
    if (favoured[i].top <= favoured[i].all) break;
    out << (i % 3 == 0 ? "\n    " : "; ") << favoured[i].decision << "=" << favoured[i].option << " "
        << Percent(favoured[i].top) << " (" << Percent(favoured[i].all) << ")";
  }
  out << "\n";
}

void Top(const ExperimentReport& r, std::ostream& out) {
  if (r.top.empty()) {
    out << "  no candidate was evaluated successfully\n";
    return;
  }
  std::vector<StoredCandidate> top(r.top.begin(), r.top.begin() + std::min<std::ptrdiff_t>(kTextTop, r.top.size()));
  std::vector<std::string> first;
  for (const Objective& o : r.objectives) first.push_back(o.metric);
  CandidateTableSpec spec;
  spec.metrics = MetricColumns(top, first);
  spec.primary = r.objectives.front().metric;
  spec.evaluator_type = r.evaluator_type;
  std::ostringstream table;
  WriteTable(CandidateTable(top, spec), TableFormat::kTable, table);
  std::istringstream lines(table.str());
  for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
}

void Zoo(const ExperimentReport& r, std::ostream& out) {
  if (r.zoo.rows.empty()) return;
  out << "  zoo: a model for each " << r.zoo_metric
      << " budget (`sculpt export DB --run RUN` writes one again)\n";
  std::ostringstream table;
  WriteTable(r.zoo, TableFormat::kTable, table);
  std::istringstream lines(table.str());
  for (std::string line; std::getline(lines, line);) out << "    " << line << "\n";
  if (!r.zoo_missing.empty()) out << "    " << r.zoo_missing << "\n";
}

void Comparison(const std::vector<ExperimentReport>& experiments, std::ostream& out) {
  Table table;
  table.columns = {"id", "name", "space", "strategy", "objective", "status", "evaluations", "best",
                   "chosen"};
  for (const ExperimentReport& r : experiments) {
    const Objective& primary = r.objectives.front();
    table.rows.push_back({r.info.id, r.info.name, r.info.space, r.info.strategy,
                          std::string(primary.goal == Goal::kMinimize ? "min " : "max ") + primary.metric,
                          r.info.status, r.stats.evaluations,
                          r.stats.best_objective ? Value(r, primary.metric, *r.stats.best_objective)
                                                 : std::string(),
                          r.chosen ? r.chosen->arch : std::string()});
  }
  WriteTable(table, TableFormat::kTable, out);
  out << "\n";
}

}  // namespace

void WriteTextReport(const std::vector<ExperimentReport>& experiments, std::ostream& out) {
  if (experiments.size() > 1) Comparison(experiments, out);
  for (std::size_t i = 0; i < experiments.size(); ++i) {
    const ExperimentReport& r = experiments[i];
    if (i > 0) out << "\n";
    Header(r, out);
    Trajectory(r, out);
    Front(r, out);
    Zoo(r, out);
    Training(r, out);
    Choices(r, out);
    Top(r, out);
  }
}

}  // namespace sculpt::report
