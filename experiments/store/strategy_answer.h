#pragma once
// The answer of a goal-seeking strategy (astar, importance, fisher): such a strategy re-proposes
// the candidate it answers with origin "<strategy>-goal" and that candidate's step as parent, so
// the answer is a query away. For pruning it is what the run is for, while the best candidate by
// the objective is the unpruned model.
// Thread-safety: as the store's reads.

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/store/store.h"

namespace sculpt {

// The evaluation the experiment's last "*-goal" record points at (the one it repeats, when the
// record points at a repeat); nullopt when there is none.
std::optional<StoredCandidate> StrategyAnswer(const ResultStore& store, std::int64_t experiment_id);

// The objectives a run trades off against each other: `objectives` without the one its strategy
// only checks its answer against (astar's `confirm`, the same accuracy on held-out images: a
// check, never a trade-off), read from the canonical config. The first objective always stays.
std::vector<Objective> TradeOffObjectives(const nlohmann::json& canonical_config,
                                          const std::vector<Objective>& objectives);

}  // namespace sculpt
