#include "experiments/models/zoo.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "experiments/models/export.h"
#include "spaces/cost_bounds.h"
#include "spaces/did_you_mean.h"
#include "spaces/errors.h"

namespace sculpt {

ZooPlan ReadZooPlan(Options& block, const SearchSpace& space, bool space_valid) {
  ZooPlan plan;
  const std::size_t errors_before = block.Errors().Messages().size();
  const std::vector<std::string> costs = space.CostMetricNames();
  const nlohmann::json* metric = block.Raw("metric");
  const bool no_table = metric != nullptr && *metric == "latency_lut_ms" &&
                        std::find(costs.begin(), costs.end(), "latency_lut_ms") == costs.end();
  if (no_table && !space_valid) {
    plan.metric = "latency_lut_ms";  // the space's error says why there is no such cost yet
  } else if (no_table) {
    block.Error("metric", "latency_lut_ms needs a latency table: set the space's \"latency_table\" "
                          "(`sculpt latency CONFIG` builds one); without it expected one of " +
                              JoinNames(costs));
  } else {
    plan.metric = block.String("metric", plan.metric, costs);
  }
  // A metric in error leaves the default's name: budgets checked against it would be misnamed.
  const bool metric_read = errors_before == block.Errors().Messages().size() && space_valid;
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
    // A budget listed twice would be one model under two names: most likely a typo for
    // another budget, so it is named rather than merged.
    const auto twice = std::adjacent_find(plan.budgets.begin(), plan.budgets.end());
    if (twice != plan.budgets.end()) {
      block.Error("budgets", "lists " + BudgetText(*twice) + " twice; each budget gets one model");
    }
    // A budget no member fits would get no model however the search went.
    if (!plan.budgets.empty() && metric_read) {
      const std::optional<CostRange> range =
          SureCostRange(space, ReductionCostBounds(space), plan.metric);
      if (range && plan.budgets.front() < range->lowest) {
        block.Error("budgets", plan.metric + " <= " + BudgetText(plan.budgets.front()) +
                                   " fits no member of the space: the " + range->cheapest_word +
                                   ", " + space.Format(range->cheapest) + ", has " +
                                   BudgetText(range->lowest));
      }
    }
  }
  plan.top = static_cast<int>(block.Int("top", plan.top, 1, 1000));
  plan.trial_epochs = block.Int("trial_epochs", plan.trial_epochs, 1, 100000);
  if (const nlohmann::json* references = block.Raw("references")) {
    if (!references->is_array()) {
      block.Error("references", "expected a list of architectures of the space (strings)");
    } else {
      for (const nlohmann::json& reference : *references) {
        if (!reference.is_string()) {
          block.Error("references", "expected architecture strings, got " + reference.dump());
          break;
        }
        try {
          const Architecture arch = space.Parse(reference.get<std::string>());
          if (!space.IsValid(arch)) throw UserError("not a valid member of the space");
          // One network written twice would be one reference under two names: a typo, most
          // likely, for another.
          const auto twice = std::find_if(
              plan.references.begin(), plan.references.end(), [&](const ZooPlan::Reference& r) {
                return space.CanonicalHash(r.arch) == space.CanonicalHash(arch);
              });
          if (twice != plan.references.end()) {
            block.Error("references", "'" + reference.get<std::string>() +
                                          "' is the same network as '" + twice->text +
                                          "', listed before it");
            break;
          }
          plan.references.push_back({arch, space.Format(arch)});
        } catch (const UserError& error) {
          block.Error("references", "'" + reference.get<std::string>() +
                                        "' is not an architecture of the space: " + error.what());
          break;
        }
      }
    }
  }
  block.Finish();
  return plan;
}

std::vector<ZooModel> BuildZoo(const ZooPlan& zoo, const RetrainPlan& final, ResultStore& store,
                               std::int64_t experiment_id, TrainingProgress* progress,
                               const std::atomic<bool>* stop, const std::filesystem::path& db,
                               bool resume, const std::function<void(const ZooModel&)>& on_model) {
  const std::optional<ExperimentInfo> info = store.FindExperiment(std::to_string(experiment_id));
  SCULPT_ASSERT(info.has_value(), "the zoo's experiment is missing from its store");
  // Every evaluated candidate, best first: each budget takes its best few that fit.
  const std::vector<StoredCandidate> ranked = store.Top(experiment_id, 1 << 30);
  // A network however it is written (a layer left out first or last is the same network): its
  // canonical hash, which every candidate carries (a hand-picked one too), with its analytic
  // costs, is the key under which it is tried once and matched to the search's candidates. The
  // costs, as the engine's class key: isomorphic nb201 cells may differ in dead-end convs, which
  // cost params and so fit other budgets (a reference of the space's fewest params was once
  // tried as its costlier twin from the search, and not at the one budget it alone fitted).
  const std::vector<std::string> cost_names = final.space->CostMetricNames();
  auto network = [&](const StoredCandidate& c) {
    std::string key = c.hash;
    for (const std::string& name : cost_names) {
      const auto cost = c.metrics.find(name);
      char text[32] = "-";
      if (cost != c.metrics.end()) std::snprintf(text, sizeof text, "%.17g", cost->second);
      key += ' ';
      key += text;
    }
    return key;
  };
  // The references, each as the search's candidate of the same network where there is one (its
  // trials and model are then the candidate's), else hand-picked with its costs.
  std::vector<StoredCandidate> references;
  for (const ZooPlan::Reference& reference : zoo.references) {
    const std::string key = HashToHex(final.space->CanonicalHash(reference.arch));
    const auto searched = std::find_if(ranked.begin(), ranked.end(),
                                       [&](const StoredCandidate& c) { return network(c) == key; });
    references.push_back(searched != ranked.end()
                             ? *searched
                             : HandPickedCandidate(*final.space, reference.arch, "zoo-reference",
                                                   final.space->Cost(reference.arch)));
  }
  std::vector<ZooModel> models;
  // Trials are the same training whatever the budget: each network is tried once.
  std::map<std::string, double> tried;  // network -> validation accuracy
  for (const double budget : zoo.budgets) {
    if (stop != nullptr && stop->load()) break;
    ZooModel model;
    model.budget = budget;
    auto fits = [&](const StoredCandidate& c) {
      const auto cost = c.metrics.find(zoo.metric);
      return cost != c.metrics.end() && cost->second <= budget;
    };
    std::vector<const StoredCandidate*> fitting;
    for (const StoredCandidate& c : ranked) {
      if (static_cast<int>(fitting.size()) == zoo.top) break;
      if (fits(c)) fitting.push_back(&c);
    }
    const std::size_t searched = fitting.size();
    for (const StoredCandidate& reference : references) {
      const bool listed = std::any_of(fitting.begin(), fitting.end(), [&](const auto* c) {
        return network(*c) == network(reference);
      });
      if (!listed && fits(reference)) fitting.push_back(&reference);
    }
    auto tagged = [&](const StoredCandidate& c, const char* stage, std::int64_t epochs) {
      RetrainPlan plan = final;
      plan.training.epochs = epochs;
      plan.run_tags = {{"zoo", {{"metric", zoo.metric}, {"stage", stage}}}};
      // A trial serves every budget its candidate fits; a model is its budget's.
      if (std::string(stage) == "model") plan.run_tags["zoo"]["budget"] = budget;
      // A hand-picked reference has no candidate row to keep its cost: its runs do.
      if (c.step < 0) {
        plan.run_tags["zoo"]["reference"] = true;
        plan.run_tags["zoo"]["cost"] = c.metrics.at(zoo.metric);
      }
      return plan;
    };
    auto candidate_id = [](const StoredCandidate& c) {
      return c.step < 0 ? std::nullopt : std::optional<std::int64_t>(c.id);
    };
    const StoredCandidate* best = nullptr;
    for (std::size_t i = 0; i < fitting.size(); ++i) {
      const StoredCandidate* c = fitting[i];
      auto found = tried.find(network(*c));
      if (found == tried.end()) {
        if (progress != nullptr) {
          progress->Note("zoo, " + zoo.metric + " <= " + BudgetText(budget) + ": trial of " +
                         (i < searched ? "candidate #" + std::to_string(c->id)
                                       : std::string("reference")) +
                         " " + c->arch);
        }
        const RetrainOutcome outcome =
            Retrain(tagged(*c, "trial", zoo.trial_epochs), final.space->Parse(c->arch), store,
                    experiment_id, candidate_id(*c), progress, stop, db, resume,
                    EarlierRetrainings::kTakeSameTraining);
        if (!outcome.finished) return models;
        found = tried.emplace(network(*c), outcome.result.at("valid_accuracy")).first;
      }
      ++(i < searched ? model.trials : model.reference_trials);
      if (best == nullptr || found->second > model.trial_valid_accuracy) {
        best = c;
        model.trial_valid_accuracy = found->second;
      }
    }
    if (best != nullptr) {
      model.candidate = *best;
      model.outcome = Retrain(tagged(*best, "model", final.training.epochs),
                              final.space->Parse(best->arch), store, experiment_id,
                              candidate_id(*best), progress, stop, db, resume,
                              EarlierRetrainings::kTakeSameTraining);
      if (!model.outcome.finished) return models;
      // A reference has no evaluation: its metrics are its costs and what its training
      // measured, as `sculpt export --run` writes them.
      Metrics metrics = best->metrics;
      if (best->step < 0) {
        for (const auto& [name, value] : model.outcome.result) metrics[name] = value;
      }
      model.export_dir = ZooExportDir(final.export_dir, zoo.metric, budget);
      model.replaced =
          ExportRetrained(*info, *best, metrics, final, model.outcome, model.export_dir).replaced;
    }
    if (on_model) on_model(model);
    models.push_back(std::move(model));
  }
  return models;
}

}  // namespace sculpt
