#pragma once
// PlannedPruning: the strategy behind gradient-based pruning (importance, fisher). Such methods
// decide from the trained model alone which masks to try, from the largest architecture down:
// a plan of ever smaller architectures (Michel et al.: remove the least important unit, then the
// next...; Kwon et al.: one mask per FLOPs budget, largest budget first). The strategy evaluates
// the largest architecture (origin "<name>-start"), then the plan in order (origin "<name>"),
// up to the engine's batch at a time, and stops at the first member whose measured drop of the
// first objective exceeds max_drop (when given). The answer is the last member in plan order that
// was evaluated successfully within max_drop; it is re-proposed once with origin "<name>-goal"
// and its step as parent (answered from the engine's cache), as astar does, so
// `sculpt export --answer` finds it. The plan is made on the first Ask after the start was told
// (the gradients it needs may take a while: the progress display shows the time).
// Called from the engine's controlling thread only.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "search/strategy.h"

namespace sculpt {

using PruningPlan = std::function<std::vector<Architecture>()>;

std::unique_ptr<Strategy> MakePlannedPruning(std::string name, Architecture largest, PruningPlan plan,
                                             std::optional<double> max_drop);

}  // namespace sculpt
