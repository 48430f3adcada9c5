#include "experiments/report/report_series.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace sculpt::report {
namespace {

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The colour of the best-so-far and front lines: the palette's last, apart from the strategies.
constexpr int kLineColor = 7;

// Who trained what a reused run read: the run the database names, or "an earlier experiment".
std::string EarlierRun(const nlohmann::json& config) {
  const auto by = config.find("trained_by_run");
  if (by == config.end() || !by->is_number_integer()) return "an earlier experiment";
  return "run " + std::to_string(by->get<std::int64_t>());
}

}  // namespace

std::vector<ChartSeries> TrajectorySeries(const ExperimentReport& report) {
  std::vector<ChartSeries> series;
  std::map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < report.evaluated.size(); ++i) {
    const StoredCandidate& c = report.evaluated[i];
    if (!c.objective) continue;
    auto [it, added] = index_of.emplace(c.strategy, series.size());
    if (added) {
      series.push_back(
          {c.strategy, SeriesStyle::kDots, static_cast<int>(series.size()) % kLineColor, {}});
    }
    series[it->second].points.push_back({static_cast<double>(i + 1), *c.objective});
  }
  ChartSeries best = BestSoFarSeries(report);
  best.name = "best so far";
  series.push_back(std::move(best));
  return series;
}

std::optional<double> EvaluationNumber(const ExperimentReport& report,
                                       const StoredCandidate& candidate) {
  for (std::size_t i = 0; i < report.evaluated.size(); ++i) {
    if (report.evaluated[i].step == candidate.step) return static_cast<double>(i + 1);
  }
  return std::nullopt;
}

ChartSeries BestSoFarSeries(const ExperimentReport& report) {
  ChartSeries best{"", SeriesStyle::kStep, kLineColor, {}};
  const Objective& primary = report.objectives.front();
  std::optional<double> so_far;
  double evaluations = 0;
  for (const StoredCandidate& c : report.evaluated) {
    ++evaluations;
    if (!c.objective) continue;
    if (so_far && !primary.Better(*c.objective, *so_far)) continue;
    so_far = *c.objective;
    best.points.push_back({evaluations, *so_far});
  }
  // Hold the best to the end of the search.
  if (so_far && !report.evaluated.empty()) {
    if (best.points.back().x < evaluations) best.points.push_back({evaluations, *so_far});
  }
  return best;
}

std::vector<ChartSeries> ParetoSeries(const ExperimentReport& report) {
  if (report.front_objectives.size() < 2) return {};
  const std::string& x = report.front_objectives[1].metric;
  const std::string& y = report.front_objectives[0].metric;
  ChartSeries all{"candidates", SeriesStyle::kDots, 0, {}};
  for (const StoredCandidate& c : report.evaluated) {
    const std::optional<double> cx = ReportValue(report, c, x);
    const std::optional<double> cy = ReportValue(report, c, y);
    if (cx && cy) all.points.push_back({*cx, *cy});
  }
  ChartSeries front{"Pareto front", SeriesStyle::kLine, 3, {}};
  for (const StoredCandidate& c : report.front) {
    const std::optional<double> cx = ReportValue(report, c, x);
    const std::optional<double> cy = ReportValue(report, c, y);
    if (cx && cy) front.points.push_back({*cx, *cy});
  }
  std::sort(front.points.begin(), front.points.end(),
            [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
  return {std::move(all), std::move(front)};
}

std::vector<ZooModelPoint> ZooModelPoints(const ExperimentReport& report) {
  const std::vector<std::string>& columns = report.zoo.columns;
  auto column = [&](const std::string& name) -> std::optional<std::size_t> {
    const auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end()) return std::nullopt;
    return static_cast<std::size_t>(it - columns.begin());
  };
  const auto budget = column("budget");
  const auto cost = column(report.zoo_metric);
  const auto test = column("test");
  std::vector<ZooModelPoint> points;
  if (!budget || !cost || !test) return points;
  for (const std::vector<Cell>& row : report.zoo.rows) {
    const auto b = CellNumber(row[*budget]);
    const auto c = CellNumber(row[*cost]);
    const auto t = CellNumber(row[*test]);
    if (b && c && t) points.push_back({*b, *c, *t});
  }
  return points;
}

std::vector<ChartSeries> ZooSeries(const ExperimentReport& report) {
  ChartSeries models{"models (test)", SeriesStyle::kLine, 3, {}};
  for (const ZooModelPoint& model : ZooModelPoints(report)) {
    models.points.push_back({model.cost, model.test_accuracy});
  }
  if (models.points.empty()) return {};
  std::sort(models.points.begin(), models.points.end(),
            [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
  ChartSeries trials{"trials (validation)", SeriesStyle::kDots, 0, {}};
  for (const auto& [cost, accuracy] : report.zoo_trials) trials.points.push_back({cost, accuracy});
  return {std::move(trials), std::move(models)};
}

std::vector<ChartSeries> CurveSeries(const TrainingCurve& curve, CurveKind kind) {
  const std::string suffix = kind == CurveKind::kLoss ? "loss" : "accuracy";
  std::map<std::string, ChartSeries> by_name;
  for (const TrainingEpoch& epoch : curve.epochs) {
    for (const auto& [name, value] : epoch.values) {
      if (!EndsWith(name, suffix)) continue;
      ChartSeries& series = by_name[name];
      series.name = name;
      series.style = SeriesStyle::kLine;
      series.points.push_back({static_cast<double>(epoch.epoch), value});
    }
  }
  std::vector<ChartSeries> series;
  for (auto& [name, s] : by_name) {
    // Training in the first colour, validation in the second, anything else after them.
    s.color = name.rfind("train", 0) == 0 ? 0 : name.rfind("valid", 0) == 0 ? 1 : 2 + static_cast<int>(series.size());
    series.push_back(std::move(s));
  }
  return series;
}

std::string TrainingRunTitle(const TrainingRunInfo& run) {
  const std::string id = " (run " + std::to_string(run.id) + ")";
  if (run.kind == "supernet") {
    const nlohmann::json& config = run.config;
    if (config.is_object() && config.contains("few_shot") && config["few_shot"].is_object()) {
      const nlohmann::json& split = config["few_shot"];
      return "sub-supernet " + std::to_string(split.value("sub_supernet", 0) + 1) + "/" +
             std::to_string(split.value("of", 0)) + ", " + split.value("decision", std::string()) +
             "=" + split.value("value", std::string()) + id;
    }
    if (config.is_object() && config.contains("blockwise_block")) {
      return "block " + config.value("blockwise_block", std::string()) +
             (config.value("reused", false)
                  ? ", distilled by " + EarlierRun(config) + " and read from its file"
                  : " distilled") +
             id;
    }
    return "supernet training" + id;
  }
  if (run.kind == "retrain") {
    if (run.config.is_object() && run.config.value("blockwise_teacher", false)) {
      return (run.config.value("reused", false)
                  ? "the block-wise teacher, trained by " + EarlierRun(run.config) +
                        " and read from its folder"
                  : "training of the block-wise teacher") +
             id;
    }
    const std::string what =
        run.candidate_id ? "candidate #" + std::to_string(*run.candidate_id)
        : run.config.is_object() && run.config.value("arch", nlohmann::json()).is_string()
            ? "hand-picked " + run.config["arch"].get<std::string>()
            : std::string("a hand-picked network");
    const nlohmann::json zoo =
        run.config.is_object() ? run.config.value("zoo", nlohmann::json()) : nlohmann::json();
    if (zoo.is_object()) {
      // A zoo's trial (a short training) or model, of a candidate or of a reference.
      std::ostringstream budget;
      budget << zoo.value("metric", std::string()) << " <= ";
      const nlohmann::json& limit = zoo.value("budget", nlohmann::json());
      if (limit.is_number()) {
        budget << limit.get<double>();  // 20000, not 20000.0
      } else {
        budget << limit.dump();
      }
      const std::string source =
          run.candidate_id ? what : "reference " + run.config.value("arch", std::string());
      return (zoo.value("stage", std::string()) == "trial"
                  ? "zoo trial of " + source
                  : "zoo model, " + budget.str() + ": " + source) +
             id;
    }
    return (run.candidate_id ? "retraining of " + what : "training of " + what) + id;
  }
  return run.kind + id;
}

}  // namespace sculpt::report
