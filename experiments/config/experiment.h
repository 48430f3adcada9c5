#pragma once
// Experiment: everything a search needs, built from a JSON config file. Building validates the
// whole config first and reports every error at once (ConfigError, with JSON paths and what is
// allowed); nothing is created on disk until the config is valid.
// Relative paths in the config resolve against the config file's folder; paths given on the
// command line resolve against the working directory.
// Thread-safety: built and used on one thread; the engine runs it.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/engine.h"
#include "search/objective.h"
#include "search/strategy.h"
#include "spaces/evaluator.h"
#include "spaces/search_space.h"

namespace sculpt {

struct RetrainPlan;  // experiments/models/retrain.h
struct ZooPlan;      // experiments/models/zoo.h

// Command-line values that replace the config's.
struct Overrides {
  std::optional<std::uint64_t> seed;
  std::optional<std::filesystem::path> storage;
  std::optional<int> workers;
};

struct Experiment {
  std::string name;
  std::uint64_t seed = 0;
  std::string space_type;
  std::string strategy_type;
  std::string evaluator_type;
  std::filesystem::path storage;
  // Repeats stored one row each before they are only counted (ResultStore::Writer).
  std::int64_t stored_repeats = 0;
  // The config as run: every value with defaults filled in and overrides applied.
  nlohmann::json canonical_config;

  std::unique_ptr<SearchSpace> space;
  std::unique_ptr<Evaluator> evaluator;
  std::unique_ptr<Strategy> strategy;
  std::vector<Objective> objectives;
  std::vector<Constraint> constraints;
  EngineOptions engine;
  int threads_per_worker = 1;
  // The "final" block: how the best candidate is retrained and exported after the search; null
  // when the config has none.
  std::shared_ptr<const RetrainPlan> final;
  // The "zoo" block: a model for each of several budgets after the search (needs "final");
  // null when the config has none.
  std::shared_ptr<const ZooPlan> zoo;
};

// Reads and builds the experiment in `config_path`. Throws UserError when the file cannot be
// read or is not JSON, ConfigError when it is invalid.
Experiment LoadExperiment(const std::filesystem::path& config_path, const Overrides& overrides);

// Builds from an already parsed config; `base_dir` anchors relative paths.
Experiment BuildExperiment(const nlohmann::json& config, const std::filesystem::path& base_dir,
                           const Overrides& overrides);

}  // namespace sculpt
