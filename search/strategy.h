#pragma once
// Strategy: decides what to evaluate next, in ask/tell form (as NNI's strategies submit to an
// engine). A strategy never evaluates or trains anything itself: it proposes, the engine
// evaluates (in parallel, with caching and budgets), and tells it the results in step order.
// It owns its RNG (seeded from the experiment seed) and can save and restore its whole state.
// Called from the engine's controlling thread only. A new strategy is one new file plus one
// registration line in experiments/config/builtins.cc.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/candidate.h"
#include "search/objective.h"
#include "spaces/options.h"
#include "spaces/predictor.h"
#include "spaces/search_space.h"
#include "spaces/unit_gradients.h"

namespace sculpt {

class Strategy {
 public:
  virtual ~Strategy() = default;

  // Up to `max_count` proposals (fewer is allowed; none means the strategy has nothing left).
  // Proposals asked before earlier ones were told are pending: the engine tells each exactly once.
  virtual std::vector<Proposal> Ask(int max_count) = 0;

  // Ask, answered into `proposals` (its old content replaced). The engine asks through this
  // with one vector for the whole search, so a strategy that overrides it can reuse the
  // storage of the proposals it made last time (and which the engine hands back): a long
  // evolutionary search then proposes without allocating. Same proposals, same RNG draws as Ask.
  virtual void AskInto(int max_count, std::vector<Proposal>& proposals) {
    proposals = Ask(max_count);
  }

  // Results of earlier proposals, in step order.
  virtual void Tell(const std::vector<Observation>& observations) = 0;

  // Everything needed to continue exactly where it stopped (RNG included).
  virtual nlohmann::json SaveState() const = 0;
  virtual void RestoreState(const nlohmann::json& state) = 0;
};

// What a strategy is built from besides its own options.
struct StrategyContext {
  const SearchSpace* space = nullptr;
  std::vector<Objective> objectives;
  std::uint64_t seed = 0;
  // Constraints on cost metrics, which a strategy can check itself with space->Cost() to avoid
  // proposing what the engine would reject unevaluated.
  std::vector<Constraint> constraints;
  // Reads a comparator block ({"type": "nac", ...}; an empty block gives the default comparator)
  // for comparator-guided strategies (ctnas); filled in by experiments/ (search/ never depends
  // on the concrete, LibTorch models). Empty when none is available.
  ComparatorOptionsFactory comparators;
  // The evaluator's gate gradients when it can give them (the prune evaluator), for
  // gradient-based pruning (search/pruning/); null otherwise.
  const UnitGradientSource* unit_gradients = nullptr;
  // Relative paths in a strategy's options resolve against the config file's folder.
  std::filesystem::path base_dir{};
};

// Reads its options (reporting errors through Options) and builds the strategy.
using StrategyFactory =
    std::function<std::unique_ptr<Strategy>(Options& options, const StrategyContext& context)>;

}  // namespace sculpt
