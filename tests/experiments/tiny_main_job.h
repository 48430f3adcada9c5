#pragma once
// The main job's config (supernet, search, retraining: experiments/quickstart.json's shape) on
// the tiny IDX data set that testing::WriteIdxDataset(dir / "data", 320, 64, 8, 4) writes, with
// budgets of a few seconds. For end-to-end tests of `sculpt run`; adjust a copy as a test needs.

#include <string>

#include <nlohmann/json.hpp>

namespace sculpt::testing {

inline nlohmann::json TinyMainJobConfig(const std::string& name) {
  const nlohmann::json dataset = {{"path", "data"}, {"validation_size", 64}};
  return {{"name", name},
          {"seed", 3},
          {"space",
           {{"type", "nb201"}, {"channels", 4}, {"cells_per_stage", 1},
            {"input_channels", 1}, {"input_size", 8}, {"classes", 4}}},
          {"evaluator",
           {{"type", "supernet"},
            {"dataset", dataset},
            {"training", {{"epochs", 2}, {"batch_size", 32}, {"learning_rate", 0.1}}},
            {"eval_images", 64},
            {"eval_batch_size", 32},
            {"latency_runs", 2}}},
          {"objectives", {{{"metric", "accuracy"}, {"goal", "maximize"}}}},
          {"constraints", {{{"metric", "params"}, {"max", 9000}}}},
          {"strategy", {{"type", "regularized_evolution"}, {"population", 4}, {"sample", 2}}},
          {"budget", {{"evaluations", 6}}},
          {"batch", 2},
          {"workers", 2},
          {"final", {{"epochs", 2}, {"batch_size", 32}, {"learning_rate", 0.1}}},
          {"storage", "runs/" + name + ".sqlite"}};
}

}  // namespace sculpt::testing
