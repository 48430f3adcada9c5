#include "experiments/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <variant>

#include "experiments/cli/candidate_tables.h"
#include "experiments/report/report_series.h"
#include "experiments/report/svg_chart.h"
#include "experiments/store/metric_units.h"
#include "experiments/store/table_format.h"
#include "spaces/counted.h"

namespace sculpt::report {
namespace {

constexpr const char* kStyle = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 2px; }
h2 { font-size: 20px; margin: 36px 0 8px; border-bottom: 2px solid #4e79a7; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
.sub { color: #666; margin: 0 0 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure.chart-figure { margin: 0; border: 1px solid #ddd; border-radius: 4px; background: #fff; }
figure.chart-figure figcaption { font-size: 12px; color: #555; padding: 0 8px 6px; max-width: 544px; }
svg.chart { display: block; font-size: 11px; }
svg.chart .title { font-size: 13px; font-weight: 600; fill: #222; }
svg.chart .frame { fill: #fbfbfb; stroke: #ccc; }
svg.chart .grid { stroke: #e6e6e6; }
svg.chart .tick, svg.chart .legend, svg.chart .value { fill: #444; }
svg.chart .axis-label { fill: #333; font-size: 12px; }
svg.chart .empty { fill: #999; font-size: 13px; }
svg.chart .chosen { fill: none; stroke: #d62728; stroke-width: 2.5; }
svg.chart .chosen-label { fill: #d62728; font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px; text-align: left; vertical-align: top; }
th { background: #f2f4f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.arch { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
tr.chosen td { background: #fdecea; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 6px 0; }
dl.facts dt { color: #666; } dl.facts dd { margin: 0; }
pre.config { background: #f6f8fa; border: 1px solid #e3e3e3; padding: 10px; overflow: auto;
             font-size: 12px; max-height: 480px; }
.note { color: #777; font-style: italic; }
)css";

std::string CellText(const Cell& cell) {
  return std::visit(
      [](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(value);
        } else if constexpr (std::is_same_v<T, double>) {
          char buffer[32];
          std::snprintf(buffer, sizeof(buffer), "%.6g", value);
          return buffer;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return value;
        } else if constexpr (std::is_same_v<T, Fraction>) {
          return ShowsAsPercent(true, value.value) ? PercentText(value.value)
                                                    : std::to_string(value.value);
        } else {
          return value.text;
        }
      },
      cell);
}

bool IsNumber(const Cell& cell) {
  return std::holds_alternative<std::int64_t>(cell) || std::holds_alternative<double>(cell) ||
         std::holds_alternative<Fraction>(cell);
}

void WriteHtmlTable(const Table& table, std::ostream& out, std::int64_t chosen_step = -1,
                    std::size_t step_column = SIZE_MAX) {
  out << "<table><thead><tr>";
  for (const std::string& column : table.columns) out << "<th>" << EscapeHtml(column) << "</th>";
  out << "</tr></thead><tbody>\n";
  for (const std::vector<Cell>& row : table.rows) {
    const bool chosen = step_column < row.size() &&
                        std::holds_alternative<std::int64_t>(row[step_column]) &&
                        std::get<std::int64_t>(row[step_column]) == chosen_step;
    out << (chosen ? "<tr class=\"chosen\">" : "<tr>");
    for (std::size_t c = 0; c < row.size(); ++c) {
      const char* cls = IsNumber(row[c])                                      ? " class=\"num\""
                        : table.columns[c] == "arch" || table.columns[c] == "chosen" ? " class=\"arch\""
                                                                                 : "";
      out << "<td" << cls << ">" << EscapeHtml(CellText(row[c])) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

void Figure(const std::string& kind, const std::string& svg, const std::string& caption,
            std::ostream& out) {
  out << "<figure class=\"chart-figure\" data-chart=\"" << kind << "\">" << svg;
  if (!caption.empty()) out << "<figcaption>" << EscapeHtml(caption) << "</figcaption>";
  out << "</figure>\n";
}

std::string GoalText(const Objective& objective) {
  return (objective.goal == Goal::kMinimize ? "minimize " : "maximize ") + objective.metric;
}

std::string ValueText(const ExperimentReport& r, const std::string& metric,
                      std::optional<double> value) {
  return value ? MetricText(r.evaluator_type, metric, *value) : "";
}

// ---- One experiment ----

void Facts(const ExperimentReport& r, std::ostream& out) {
  const ExperimentInfo& e = r.info;
  std::string objectives;
  for (const Objective& o : r.objectives) objectives += (objectives.empty() ? "" : ", ") + GoalText(o);
  std::vector<std::pair<std::string, std::string>> facts = {
      {"space", e.space},
      {"strategy", e.strategy},
      {"evaluator", r.evaluator_type.empty() ? "(none named)" : r.evaluator_type},
      {"objectives", objectives},
      {"status", e.status},
      {"started", e.created_at},
      {"finished", e.finished_at.empty() ? "(not finished)" : e.finished_at},
      {"evaluations", std::to_string(r.stats.evaluations) + " (" +
                          std::to_string(r.stats.evaluated) + " ok; " +
                          std::to_string(r.stats.candidates) + " proposals with repeats)"},
      {"seed", std::to_string(e.seed)},
      {"Sculpt", e.sculpt_version},
  };
  if (r.chosen) {
    facts.push_back({"chosen", "candidate #" + std::to_string(r.chosen->id) + " (step " +
                                   std::to_string(r.chosen->step) + "), " + r.chosen_because +
                                   ": " + r.chosen->arch});
  }
  if (!r.final_export.empty()) {
    facts.push_back(
        {"exported to",
         r.final_export + (r.final_export_state == "ok" ? "" : " (" + r.final_export_state + ")")});
  }
  out << "<dl class=\"facts\">";
  for (const auto& [name, value] : facts) {
    out << "<dt>" << EscapeHtml(name) << "</dt><dd>" << EscapeHtml(value) << "</dd>";
  }
  out << "</dl>\n";
}

void SearchCharts(const ExperimentReport& r, std::ostream& out) {
  const Objective& primary = r.objectives.front();
  const bool percent = IsFractionMetric(r.evaluator_type, primary.metric);
  XyChart trajectory;
  trajectory.title = "Search trajectory";
  trajectory.x_label = "evaluation";
  trajectory.x_counts = true;
  trajectory.y_label = primary.metric;
  trajectory.y_percent = percent;
  trajectory.series = TrajectorySeries(r);
  if (r.chosen && r.chosen->objective) {
    if (const std::optional<double> x = EvaluationNumber(r, *r.chosen)) {
      trajectory.marks.push_back({{*x, *r.chosen->objective}, "chosen #" + std::to_string(r.chosen->id)});
    }
  }
  out << "<div class=\"charts\">\n";
  Figure("trajectory", XySvg(trajectory),
         "Each evaluated candidate's " + primary.metric + " in the order of evaluation (repeats " +
             "left out), coloured by the strategy that proposed it; the line is the best so far (" +
             GoalText(primary) + ").",
         out);
  if (!r.front_objectives.empty()) {
    const Objective& x = r.front_objectives[1];
    const Objective& y = r.front_objectives[0];
    XyChart pareto;
    pareto.title = r.front_of_objectives ? "Pareto front"
                                         : "Trade-off (params is not an objective of this run)";
    pareto.x_label = x.metric;
    pareto.y_label = y.metric;
    pareto.y_percent = IsFractionMetric(r.evaluator_type, y.metric);
    pareto.series = ParetoSeries(r);
    if (r.chosen) {
      const std::optional<double> cx = ReportValue(r, *r.chosen, x.metric);
      const std::optional<double> cy = ReportValue(r, *r.chosen, y.metric);
      if (cx && cy) pareto.marks.push_back({{*cx, *cy}, "chosen #" + std::to_string(r.chosen->id)});
    }
    Figure("pareto", XySvg(pareto),
           std::to_string(r.front.size()) + " candidates on the front (" + GoalText(y) + ", " +
               GoalText(x) + "), joined by the line; every evaluated candidate as a dot.",
           out);
  }
  out << "</div>\n";
}

void TrainingCharts(const ExperimentReport& r, std::ostream& out) {
  out << "<h3>Training</h3>\n";
  if (r.training.empty()) {
    out << "<p class=\"note\">No training run is recorded for this experiment (its evaluator "
           "trains nothing, or no final block retrained a model).</p>\n";
    return;
  }
  out << "<div class=\"charts\">\n";
  for (const TrainingCurve& curve : r.training) {
    const std::string name = TrainingRunTitle(curve.run);
    if (curve.epochs.empty()) {
      // A run that took an earlier training's network (a reused teacher), or one stopped
      // before its first epoch ended: no curve to draw.
      out << "<p class=\"note\">" << EscapeHtml(name) << ": " << EscapeHtml(curve.run.status)
          << (curve.run.status == "finished" ? ", no epochs of its own" : " before its first epoch")
          << ".</p>\n";
      continue;
    }
    for (const CurveKind kind : {CurveKind::kLoss, CurveKind::kAccuracy}) {
      XyChart chart;
      chart.title = name + (kind == CurveKind::kLoss ? ": loss" : ": accuracy");
      chart.x_label = "epoch";
      chart.x_counts = true;
      chart.y_label = kind == CurveKind::kLoss ? "loss" : "accuracy";
      chart.y_percent = kind == CurveKind::kAccuracy;
      chart.series = CurveSeries(curve, kind);
      // A block distilled from a teacher has a loss and no accuracy: no empty panel for it.
      if (kind == CurveKind::kAccuracy &&
          std::none_of(chart.series.begin(), chart.series.end(),
                       [](const ChartSeries& series) { return !series.points.empty(); })) {
        continue;
      }
      Figure(kind == CurveKind::kLoss ? "training-loss" : "training-accuracy", XySvg(chart),
             Counted(static_cast<std::int64_t>(curve.epochs.size()), "epoch") +
                 " recorded, status " + curve.run.status + ".",
             out);
    }
  }
  out << "</div>\n";
}

void ChoiceCharts(const ExperimentReport& r, std::ostream& out) {
  out << "<h3>Choices among the best candidates</h3>\n";
  if (r.choices.empty()) {
    out << "<p class=\"note\">No choice shares: " << EscapeHtml(r.choices_note) << ".</p>\n";
    return;
  }
  out << "<div class=\"charts\">\n";
  for (std::size_t i = 0; i < r.choices.size();) {
    BarChart chart;
    chart.title = r.choices[i].decision;
    chart.percent = true;
    chart.groups = {"top " + std::to_string(r.choice_top), "all " + std::to_string(r.evaluated.size())};
    const std::string& decision = r.choices[i].decision;
    for (; i < r.choices.size() && r.choices[i].decision == decision; ++i) {
      chart.rows.push_back({r.choices[i].option, {r.choices[i].top, r.choices[i].all}});
    }
    Figure("choices", BarSvg(chart), "", out);
  }
  out << "</div>\n";
}

void TopTable(const ExperimentReport& r, std::ostream& out) {
  out << "<h3>Top " << r.top.size() << " candidates by " << EscapeHtml(r.objectives.front().metric)
      << "</h3>\n";
  if (r.top.empty()) {
    out << "<p class=\"note\">No candidate was evaluated successfully.</p>\n";
    return;
  }
  std::vector<std::string> first;
  for (const Objective& o : r.objectives) first.push_back(o.metric);
  CandidateTableSpec spec;
  spec.metrics = MetricColumns(r.top, first);
  spec.primary = r.objectives.front().metric;
  spec.evaluator_type = r.evaluator_type;
  spec.extra = {{"strategy", [](const StoredCandidate& c) { return Cell(c.strategy); }}};
  const Table table = CandidateTable(r.top, spec);
  WriteHtmlTable(table, out, r.chosen ? r.chosen->step : -1, 1);
}

void ZooTable(const ExperimentReport& r, std::ostream& out) {
  if (r.zoo.rows.empty()) return;
  out << "<h3>Zoo: a model for each " << EscapeHtml(r.zoo_metric) << " budget</h3>\n";
  WriteHtmlTable(r.zoo, out);
  if (!r.zoo_missing.empty()) {
    out << "<p class=\"note\">" << EscapeHtml(r.zoo_missing) << ".</p>\n";
  }
  out << "<p class=\"note\">Each model was retrained and exported by the run (the export state "
         "says whether its folder still holds it: a later run of the config exports to the same "
         "folders); <code>sculpt export DB --run RUN --out DIR</code> writes one again from its "
         "training run's weights.</p>\n";
  std::vector<ChartSeries> series = ZooSeries(r);
  if (series.empty()) return;
  XyChart chart;
  chart.title = "Zoo: accuracy against " + r.zoo_metric;
  chart.x_label = r.zoo_metric;
  chart.y_label = "accuracy";
  chart.y_percent = true;
  chart.series = std::move(series);
  for (const ZooModelPoint& model : ZooModelPoints(r)) {
    const ChartPoint point{model.cost, model.test_accuracy};
    // Budgets that took the same model share one ring and one label ("<= 0.12, <= 10"), rather
    // than labels drawn over each other.
    const auto same = std::find_if(chart.marks.begin(), chart.marks.end(), [&](const ChartMark& m) {
      return m.at.x == point.x && m.at.y == point.y;
    });
    if (same != chart.marks.end()) {
      same->label += ", <= " + FormatNumber(model.budget);
    } else {
      chart.marks.push_back({point, "<= " + FormatNumber(model.budget)});
    }
  }
  out << "<div class=\"charts\">\n";
  Figure("zoo", XySvg(chart),
         "Each budget's model by its test accuracy after the full retraining (ringed, labelled "
         "with its budget), and every network the zoo tried by its validation accuracy after "
         "the short trial it was chosen by.",
         out);
  out << "</div>\n";
}

void ExperimentSection(const ExperimentReport& r, std::ostream& out) {
  out << "<section class=\"experiment\" id=\"experiment-" << r.info.id << "\">\n<h2>Experiment "
      << r.info.id << ": " << EscapeHtml(r.info.name) << "</h2>\n";
  Facts(r, out);
  SearchCharts(r, out);
  ZooTable(r, out);
  TrainingCharts(r, out);
  ChoiceCharts(r, out);
  TopTable(r, out);
  out << "<h3>Config</h3>\n<pre class=\"config\">" << EscapeHtml(r.info.config.dump(2))
      << "</pre>\n</section>\n";
}

// ---- Several experiments side by side ----

void Comparison(const std::vector<ExperimentReport>& experiments, std::ostream& out) {
  out << "<section id=\"comparison\">\n<h2>Experiments side by side</h2>\n";
  Table table;
  // "best" is the best objective of any candidate; the chosen model can be another (a pruning
  // strategy's answer, a retrained candidate), so its value and why it was chosen come with it.
  table.columns = {"id",        "name",           "space",       "strategy",
                   "objective", "status",         "evaluations", "best of any candidate",
                   "chosen",    "chosen's value", "why chosen",  "test accuracy"};
  for (const ExperimentReport& r : experiments) {
    const Objective& primary = r.objectives.front();
    std::string test_accuracy;
    const nlohmann::json& summary = r.info.summary;
    if (summary.is_object() && summary.contains("final") && summary["final"].is_object() &&
        summary["final"].contains("test_accuracy") && summary["final"]["test_accuracy"].is_number()) {
      test_accuracy = PercentText(summary["final"]["test_accuracy"].get<double>());
    }
    table.rows.push_back(
        {r.info.id, r.info.name, r.info.space, r.info.strategy, GoalText(primary), r.info.status,
         r.stats.evaluations, ValueText(r, primary.metric, r.stats.best_objective),
         r.chosen ? r.chosen->arch : std::string(),
         r.chosen ? ValueText(r, primary.metric, r.chosen->objective) : std::string(),
         r.chosen ? r.chosen_because : std::string(), test_accuracy});
  }
  WriteHtmlTable(table, out);
  // One chart per primary metric shared by two or more experiments.
  std::map<std::string, std::vector<const ExperimentReport*>> by_metric;
  for (const ExperimentReport& r : experiments) by_metric[r.objectives.front().metric].push_back(&r);
  out << "<div class=\"charts\">\n";
  for (const auto& [metric, group] : by_metric) {
    if (group.size() < 2) continue;
    XyChart chart;
    chart.title = "Best " + metric + " so far";
    chart.x_label = "evaluations";
    chart.x_counts = true;
    chart.y_label = metric;
    chart.y_percent = IsFractionMetric(group.front()->evaluator_type, metric);
    int color = 0;
    for (const ExperimentReport* r : group) {
      ChartSeries series = BestSoFarSeries(*r);
      series.name = std::to_string(r->info.id) + ": " + r->info.name;
      series.color = color++;
      chart.series.push_back(std::move(series));
    }
    Figure("comparison", XySvg(chart),
           "The best " + metric + " after each evaluation, one line per experiment.", out);
  }
  out << "</div>\n</section>\n";
}

}  // namespace

void WriteHtmlReport(const std::vector<ExperimentReport>& experiments, const std::string& db,
                     const std::string& generated_at, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << kGeneratorTag << "\n<title>Sculpt report: " << EscapeHtml(db) << "</title>\n<style>"
      << kStyle << "</style>\n</head>\n<body>\n"
      << "<header><h1>Sculpt report</h1><p class=\"sub\">" << EscapeHtml(db) << ": "
      << Counted(static_cast<std::int64_t>(experiments.size()), "experiment") << ", written "
      << EscapeHtml(generated_at) << "</p>\n";
  if (experiments.size() > 1) {
    out << "<nav><p>";
    for (const ExperimentReport& r : experiments) {
      out << "<a href=\"#experiment-" << r.info.id << "\">" << r.info.id << ": "
          << EscapeHtml(r.info.name) << "</a> ";
    }
    out << "</p></nav>\n";
  }
  out << "</header>\n";
  if (experiments.size() > 1) Comparison(experiments, out);
  for (const ExperimentReport& r : experiments) ExperimentSection(r, out);
  out << "</body>\n</html>\n";
}

}  // namespace sculpt::report
