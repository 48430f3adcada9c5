#pragma once
// Reading the option that names one of a space's cost metrics (astar's target.metric, the
// pruning strategies' metric): flops by default where the space has it, else its first; an
// unknown name is an error with a did-you-mean. Checked here rather than by Options::String's
// list, which would document one space's metrics as every space's (experiments/config/
// option_docs.h).
// Thread-safety: a pure function of its arguments (errors go to `options`).

#include <string>

#include "spaces/options.h"
#include "spaces/search_space.h"

namespace sculpt {

// The metric named by `key` of `options`; "" (with an error under `key`) when the space has no
// cost metric at all.
std::string ReadCostMetric(Options& options, const SearchSpace& space, const std::string& key);

}  // namespace sculpt
