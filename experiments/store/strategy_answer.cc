#include "experiments/store/strategy_answer.h"

#include <string>
#include <variant>

namespace sculpt {

std::optional<StoredCandidate> StrategyAnswer(const ResultStore& store, std::int64_t experiment_id) {
  const Table table = store.Sql(
      "SELECT COALESCE(parent_step, repeat_of_step) FROM candidates WHERE experiment_id = " +
      std::to_string(experiment_id) + " AND origin LIKE '%-goal' ORDER BY step DESC LIMIT 1");
  if (table.rows.empty() || !std::holds_alternative<std::int64_t>(table.rows.front().front())) {
    return std::nullopt;
  }
  std::optional<StoredCandidate> answer =
      store.CandidateAtStep(experiment_id, std::get<std::int64_t>(table.rows.front().front()));
  // An answer the strategy had proposed as a repeat has no row, id or metrics of its own: the
  // evaluation it repeats (the same class: function family and costs) is the answer.
  if (answer && answer->id == 0 && answer->repeat_of >= 0) {
    answer = store.CandidateAtStep(experiment_id, answer->repeat_of);
  }
  return answer;
}

std::vector<Objective> TradeOffObjectives(const nlohmann::json& canonical_config,
                                          const std::vector<Objective>& objectives) {
  std::string confirming;
  if (canonical_config.is_object() && canonical_config.contains("strategy")) {
    const nlohmann::json& strategy = canonical_config["strategy"];
    if (strategy.is_object() && strategy.contains("confirm") && strategy["confirm"].is_string()) {
      confirming = strategy["confirm"].get<std::string>();
    }
  }
  std::vector<Objective> traded;
  for (const Objective& objective : objectives) {
    if (traded.empty() || objective.metric != confirming) traded.push_back(objective);
  }
  return traded;
}

}  // namespace sculpt
