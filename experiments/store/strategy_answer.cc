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
  return store.CandidateAtStep(experiment_id, std::get<std::int64_t>(table.rows.front().front()));
}

}  // namespace sculpt
