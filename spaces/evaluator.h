#pragma once
// Evaluator: turns an architecture into named metrics (a table look-up, analytic costs, a
// supernet score, a training run). The engine owns concurrency: it calls Evaluate from several
// TBB workers at once, so implementations must be thread-safe and must give the same result for
// the same (architecture, context) whatever the order or thread of calls. A failure is thrown
// (any std::exception); the engine records the candidate as failed and the search goes on.
// A new evaluator is one new file plus one registration line in experiments/config/builtins.cc.

#include <cstdint>
#include <string>
#include <vector>

#include "spaces/architecture.h"
#include "spaces/metrics.h"
#include "spaces/prepare.h"

namespace sculpt {

// What an evaluation may depend on besides the architecture.
struct EvalContext {
  // Derived from (experiment seed, candidate step): use it for any randomness.
  std::uint64_t seed = 0;
  // The candidate's step (proposal number) in its experiment.
  std::int64_t step = 0;
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;

  virtual Metrics Evaluate(const Architecture& arch, const EvalContext& context) const = 0;

  // Metrics a strategy may be shown (objectives must be among these or the space's costs).
  virtual std::vector<std::string> VisibleMetrics() const = 0;

  // Metrics that are stored for the user but never shown to a strategy (e.g. test accuracy).
  virtual std::vector<std::string> ReportedMetrics() const { return {}; }

  // One-off work before the search (e.g. training a supernet), called once by the thread that
  // runs the command, before any Evaluate. It returns early, unprepared, when
  // context.StopRequested(); the caller then checks the flag and does not search. Most
  // evaluators need nothing.
  virtual void Prepare(PrepareContext& /*context*/) {}
};

}  // namespace sculpt

#include <filesystem>
#include <functional>
#include <memory>

#include "spaces/options.h"

namespace sculpt {

class SearchSpace;

// What an evaluator is built from besides its own options.
struct EvaluatorContext {
  const SearchSpace* space = nullptr;
  // Relative paths in a config resolve against the config file's folder.
  std::filesystem::path base_dir;
  // LibTorch intra-op threads each engine worker may use (workers x threads <= cores).
  int threads_per_worker = 1;
  // Experiment seed.
  std::uint64_t seed = 0;
  // The space's block of the config as read (defaults filled in), for evaluators that build the
  // network the space describes and must agree with it (e.g. the nb201 macro skeleton).
  nlohmann::json space_config = nlohmann::json::object();
};

using EvaluatorFactory = std::function<std::unique_ptr<Evaluator>(Options& options,
                                                                  const EvaluatorContext& context)>;

}  // namespace sculpt
