#include "experiments/models/zoo.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "spaces/errors.h"

namespace sculpt {

ZooPlan ReadZooPlan(Options& block, const SearchSpace& space) {
  ZooPlan plan;
  const std::vector<std::string> costs = space.CostMetricNames();
  plan.metric = block.String("metric", plan.metric, costs);
  const nlohmann::json* budgets = block.Raw("budgets");
  if (budgets == nullptr) {
    block.Error("budgets", "is required: the list of budgets, each a model (e.g. [20000, 40000])");
  } else if (!budgets->is_array() || budgets->empty()) {
    block.Error("budgets", "expected a non-empty list of positive numbers");
  } else {
    for (const nlohmann::json& b : *budgets) {
      if (!b.is_number() || !(b.get<double>() > 0) || !std::isfinite(b.get<double>())) {
        block.Error("budgets", "expected positive numbers, got " + b.dump());
        break;
      }
      plan.budgets.push_back(b.get<double>());
    }
    std::sort(plan.budgets.begin(), plan.budgets.end());
    plan.budgets.erase(std::unique(plan.budgets.begin(), plan.budgets.end()), plan.budgets.end());
  }
  plan.top = static_cast<int>(block.Int("top", plan.top, 1, 1000));
  plan.trial_epochs = block.Int("trial_epochs", plan.trial_epochs, 1, 100000);
  block.Finish();
  return plan;
}

std::string BudgetText(double budget) {
  if (budget == std::floor(budget) && std::abs(budget) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(budget));
  }
  std::ostringstream text;
  text.precision(6);
  text << budget;
  return text.str();
}

std::filesystem::path ZooExportDir(const std::filesystem::path& final_export,
                                   const std::string& metric, double budget) {
  return final_export.parent_path() /
         (final_export.filename().string() + "-" + metric + "-" + BudgetText(budget));
}

std::vector<ZooModel> BuildZoo(const ZooPlan& zoo, const RetrainPlan& final, ResultStore& store,
                               std::int64_t experiment_id, TrainingProgress* progress,
                               const std::atomic<bool>* stop, const std::filesystem::path& db,
                               bool resume, const std::function<void(const ZooModel&)>& on_model) {
  const std::optional<ExperimentInfo> info = store.FindExperiment(std::to_string(experiment_id));
  SCULPT_ASSERT(info.has_value(), "the zoo's experiment is missing from its store");
  // Every evaluated candidate, best first: each budget takes its best few that fit.
  const std::vector<StoredCandidate> ranked = store.Top(experiment_id, 1 << 30);
  std::vector<ZooModel> models;
  // Trials are the same training whatever the budget: each candidate is tried once.
  std::map<std::int64_t, double> tried;  // candidate id -> validation accuracy
  for (const double budget : zoo.budgets) {
    if (stop != nullptr && stop->load()) break;
    ZooModel model;
    model.budget = budget;
    std::vector<const StoredCandidate*> fitting;
    for (const StoredCandidate& c : ranked) {
      const auto cost = c.metrics.find(zoo.metric);
      if (cost != c.metrics.end() && cost->second <= budget) fitting.push_back(&c);
      if (static_cast<int>(fitting.size()) == zoo.top) break;
    }
    auto tagged = [&](const char* stage, std::int64_t epochs) {
      RetrainPlan plan = final;
      plan.training.epochs = epochs;
      plan.run_tags = {{"zoo", {{"metric", zoo.metric}, {"stage", stage}}}};
      // A trial serves every budget its candidate fits; a model is its budget's.
      if (std::string(stage) == "model") plan.run_tags["zoo"]["budget"] = budget;
      return plan;
    };
    const StoredCandidate* best = nullptr;
    const RetrainPlan trial = tagged("trial", zoo.trial_epochs);
    for (const StoredCandidate* c : fitting) {
      auto found = tried.find(c->id);
      if (found == tried.end()) {
        if (progress != nullptr) {
          progress->Note("zoo, " + zoo.metric + " <= " + BudgetText(budget) +
                         ": trial of candidate #" + std::to_string(c->id) + " " + c->arch);
        }
        const RetrainOutcome outcome = Retrain(trial, final.space->Parse(c->arch), store,
                                               experiment_id, c->id, progress, stop, db, resume,
                                               EarlierRetrainings::kTakeSameTraining);
        if (!outcome.finished) return models;
        found = tried.emplace(c->id, outcome.result.at("valid_accuracy")).first;
      }
      ++model.trials;
      if (best == nullptr || found->second > model.trial_valid_accuracy) {
        best = c;
        model.trial_valid_accuracy = found->second;
      }
    }
    if (best != nullptr) {
      model.candidate = *best;
      model.outcome = Retrain(tagged("model", final.training.epochs),
                              final.space->Parse(best->arch), store, experiment_id, best->id,
                              progress, stop, db, resume,
                              EarlierRetrainings::kTakeSameTraining);
      if (!model.outcome.finished) return models;
      model.export_dir = ExportRetrained(*info, *best, best->metrics, final, model.outcome,
                                         ZooExportDir(final.export_dir, zoo.metric, budget));
    }
    if (on_model) on_model(model);
    models.push_back(std::move(model));
  }
  return models;
}

}  // namespace sculpt
