#include "experiments/config/experiment.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "experiments/config/builtins.h"
#include "experiments/models/retrain.h"
#include "experiments/models/zoo.h"
#include "experiments/models/zoo_export_dir.h"
#include "experiments/store/store.h"
#include "experiments/store/table_format.h"
#include "spaces/cost_bounds.h"
#include "spaces/did_you_mean.h"
#include "spaces/machine.h"
#include "spaces/options.h"

namespace sculpt {
namespace {

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Reads a component block {"type": ..., options...} and builds it with the registry's factory.
// A block whose type is unknown is not read further (its options would only add noise).
template <class Factory, class... Args>
auto BuildComponent(Options& block, const Registry<Factory>& registry, std::string& type,
                    bool can_build, Args&&... args) -> decltype(registry.Get("")(block, args...)) {
  type = block.RequiredString("type", registry.Names());
  const auto* entry = registry.Find(type);
  if (entry == nullptr || !can_build) return nullptr;
  auto component = entry->factory(block, std::forward<Args>(args)...);
  block.Finish();
  return component;
}

// Why an evaluator lacks `metric` when a setting of its own turned it off ("" otherwise): the
// evaluators time candidates (latency_ms) only when latency_runs > 0.
std::string WhyMetricIsMissing(const std::string& metric, const nlohmann::json& evaluator_config) {
  if (metric == "latency_ms" && evaluator_config.is_object() &&
      evaluator_config.value("latency_runs", nlohmann::json()) == 0) {
    return "; the evaluator measures latency_ms only when it times candidates: evaluator."
           "latency_runs is 0, set it to the number of timed runs (e.g. 15)";
  }
  return "";
}

// `evaluator_config`: the evaluator's block as read (defaults filled in), for saying why a
// metric is missing.
void ReadObjectives(Options& root, const nlohmann::json& evaluator_config, Experiment& e) {
  std::vector<std::string> visible, reported, costs;
  if (e.evaluator) {
    visible = e.evaluator->VisibleMetrics();
    reported = e.evaluator->ReportedMetrics();
  }
  if (e.space) costs = e.space->CostMetricNames();
  std::vector<std::string> allowed = visible;
  for (const std::string& c : costs) {
    if (!Contains(allowed, c)) allowed.push_back(c);
  }

  std::vector<Options> blocks = root.Children("objectives");
  if (blocks.empty() && !root.Has("objectives")) {
    root.Error("objectives",
               "missing; expected a list such as [{\"metric\": \"accuracy\", \"goal\": \"maximize\"}]");
  } else if (blocks.empty()) {
    root.Error("objectives", "expected at least one objective");
  }
  for (Options& block : blocks) {
    Objective objective;
    objective.metric = block.RequiredString("metric");
    if (block.Has("metric") && objective.metric.empty()) block.Error("metric", "must not be empty");
    // No default: maximising params or a loss by omission would run a whole search the wrong way.
    if (!block.Has("goal")) {
      block.Error("goal", "missing; \"maximize\" or \"minimize\"" +
                              (objective.metric.empty()
                                   ? std::string()
                                   : " (is more " + objective.metric + " better or worse?)"));
    }
    const std::string goal = block.String("goal", "maximize", {"maximize", "minimize"});
    objective.goal = goal == "minimize" ? Goal::kMinimize : Goal::kMaximize;
    block.Finish();
    // One metric twice is one objective (or two that contradict): most likely a typo for another.
    if (!objective.metric.empty() &&
        std::any_of(e.objectives.begin(), e.objectives.end(),
                    [&](const Objective& o) { return o.metric == objective.metric; })) {
      block.Error("metric", "'" + objective.metric +
                                "' is already an objective; each metric may "
                                "be one objective only");
    }
    // Kept even when it cannot be checked (the evaluator has errors of its own): a strategy
    // that counts objectives must not report them missing as a second mistake.
    e.objectives.push_back(objective);
    if (objective.metric.empty() || !e.evaluator) continue;
    if (Contains(reported, objective.metric)) {
      block.Error("metric", "'" + objective.metric +
                                "' is report-only (strategies never see it); expected one of " +
                                JoinNames(allowed));
    } else if (!Contains(allowed, objective.metric)) {
      std::string message = "unknown metric '" + objective.metric + "'";
      const std::string guess = DidYouMean(objective.metric, allowed);
      if (!guess.empty()) message += "; did you mean '" + guess + "'?";
      block.Error("metric", message + " (expected one of " + JoinNames(allowed) + ")" +
                                WhyMetricIsMissing(objective.metric, evaluator_config));
    }
  }
}

// Refuses a constraint that no member of the space meets: the space's cheapest member costs
// more than its max, or its dearest less than its min. Such a run would train its supernet and
// search for nothing.
void CheckSatisfiable(Options& block, const Constraint& constraint, const SearchSpace& space,
                      const std::optional<CostBounds>& bounds) {
  const std::optional<CostRange> range = SureCostRange(space, bounds, constraint.metric);
  if (!range) return;
  if (constraint.max && range->lowest > *constraint.max) {
    block.Error("max", constraint.metric + " <= " + FormatNumber(*constraint.max) +
                           " excludes every member of the space: the " + range->cheapest_word +
                           ", " + space.Format(range->cheapest) + ", has " +
                           BudgetText(range->lowest));
  }
  if (constraint.min && range->highest < *constraint.min) {
    block.Error("min", constraint.metric + " >= " + FormatNumber(*constraint.min) +
                           " excludes every member of the space: the " + range->dearest_word +
                           ", " + space.Format(range->dearest) + ", has " +
                           BudgetText(range->highest));
  }
}

// `space_valid`: the space block had no errors. Otherwise its cost metrics are a fallback's
// (a latency table that did not load adds no latency_lut_ms), and checking constraints against
// them would only add follow-on errors.
void ReadConstraints(Options& root, Experiment& e, bool space_valid) {
  const std::vector<std::string> costs =
      e.space ? e.space->CostMetricNames() : std::vector<std::string>{};
  std::optional<std::optional<CostBounds>> bounds;  // computed for the first constraint
  for (Options& block : root.Children("constraints")) {
    Constraint constraint;
    constraint.metric = block.RequiredString("metric");
    if (block.Has("metric") && constraint.metric.empty()) {
      block.Error("metric", "must not be empty");
    }
    constraint.min = block.OptionalNumber("min");
    constraint.max = block.OptionalNumber("max");
    block.Finish();
    if (!block.Has("min") && !block.Has("max")) block.Error("", "expected \"min\", \"max\" or both");
    if (constraint.min && constraint.max && *constraint.min > *constraint.max) {
      block.Error("min", "is greater than max");
    }
    if (!space_valid) {
      // Said by the space's own error.
    } else if (e.space && !constraint.metric.empty() && !Contains(costs, constraint.metric)) {
      block.Error("metric", "'" + constraint.metric +
                                "' is not known before evaluation; constraints may use the space's "
                                "cost metrics: " +
                                (costs.empty() ? std::string("none") : JoinNames(costs)));
    } else if (e.space && !constraint.metric.empty()) {
      if (!bounds) bounds = ReductionCostBounds(*e.space);
      CheckSatisfiable(block, constraint, *e.space, *bounds);
    }
    e.constraints.push_back(constraint);
  }
}

void ReadBudget(Options& root, Experiment& e) {
  const std::size_t errors_before = root.Errors().Messages().size();
  Options block = root.Child("budget");
  // A budget that is not an object has its own error: "set at least one" would only repeat it.
  const bool an_object = root.Errors().Messages().size() == errors_before;
  Budget& budget = e.engine.budget;
  budget.evaluations = block.OptionalInt("evaluations", 1);
  budget.proposals = block.OptionalInt("proposals", 1);
  budget.seconds = block.OptionalNumber("seconds", 1e-3);
  const std::int64_t patience = block.Int("patience", 100'000, 0);
  if (patience > 0) budget.patience = patience;
  // null would read as "no limit": a budget that cannot end is no budget.
  bool limited = false;
  for (const char* key : {"evaluations", "proposals", "seconds"}) {
    if (!block.Has(key)) continue;
    if (block.Raw(key) == nullptr) {  // present, and null
      block.Error(key, "null is no limit; give a number or leave the key out");
    } else {
      limited = true;
    }
  }
  block.Finish();
  if (!limited && an_object) {
    root.Error("budget", "set at least one of evaluations, proposals, seconds");
  }
  // Without patience, a strategy that keeps proposing what it has seen never spends an
  // evaluation budget: only proposals or seconds end such a search.
  if (limited && patience == 0 && !budget.proposals && !budget.seconds) {
    block.Error("patience", "0 (never stop for want of new architectures) needs a budget of "
                            "proposals or seconds too: an evaluation budget alone may never be "
                            "spent by a strategy that circles in what it has seen");
  }
}

// The optional "final" block (see retrain.h). Its data set defaults to the evaluator's.
void ReadFinal(const nlohmann::json& config, Options& root, const std::filesystem::path& base_dir,
               nlohmann::json& canonical, Experiment& e) {
  // Looked up even when absent: an unknown key ("fnal") is matched against the keys looked up.
  root.Raw("final");
  if (!root.Has("final")) return;
  const nlohmann::json block_json = FinalBlockWithDataset(config);
  nlohmann::json& block_canonical = canonical["final"];
  block_canonical = nlohmann::json::object();
  Options block(block_json, "final", root.Errors(), &block_canonical);
  // Without a valid space there is no skeleton to check the block against; the space's errors
  // say what to fix first.
  if (!e.space) return;
  const std::filesystem::path default_export =
      e.storage.parent_path() / (e.storage.stem().string() + "-best");
  RetrainPlan plan = ReadRetrainPlan(block, canonical.value("space", nlohmann::json::object()),
                                     base_dir, default_export, e.seed);
  // As threads_per_worker: more LibTorch threads than cores spin against each other (a
  // walk-through's 99 threads made an epoch 40 times slower). Checked for a run on this machine
  // only; `sculpt train` caps a stored setting at the cores it finds.
  if (const int cores = HardwareCores(); plan.threads > cores) {
    block.Error("threads", std::to_string(plan.threads) + " threads exceed the " +
                               std::to_string(cores) + " cores of this machine");
  }
  block.Finish();
  block_canonical["export"] = plan.export_dir.string();
  e.final = std::make_shared<const RetrainPlan>(std::move(plan));
}

// The optional "zoo" block (see zoo.h): it trains with the "final" block's settings.
// `space_valid`: as for constraints (a latency table that did not load is the space's error).
void ReadZoo(Options& root, Experiment& e, bool space_valid) {
  root.Raw("zoo");
  if (!root.Has("zoo")) return;
  Options block = root.Child("zoo");
  if (!e.space) return;
  ZooPlan plan = ReadZooPlan(block, *e.space, space_valid);
  if (!e.final) {
    block.Error("", "needs a \"final\" block: the zoo's trials and models train with its "
                    "settings");
  }
  e.zoo = std::make_shared<const ZooPlan>(std::move(plan));
}

// Space factories see only their block, not the config's folder: a relative space
// "latency_table" or "model" (prune) is anchored to it here (the canonical config keeps the absolute path, as it
// does data set folders, so the stored config works from anywhere).
nlohmann::json WithSpacePathsResolved(nlohmann::json config,
                                      const std::filesystem::path& base_dir) {
  if (!config.is_object() || !config.contains("space") || !config["space"].is_object()) {
    return config;
  }
  nlohmann::json& space = config["space"];
  for (const char* key : {"latency_table", "model"}) {
    if (!space.contains(key) || !space[key].is_string()) continue;
    const std::filesystem::path path = space[key].get<std::string>();
    if (path.is_relative()) {
      space[key] = std::filesystem::absolute(base_dir / path).lexically_normal().string();
    }
  }
  return config;
}

// What a config file may be: at most this large, nested at most this deep.
constexpr std::uintmax_t kMaxConfigBytes = std::uintmax_t{16} << 20;
constexpr int kMaxConfigDepth = 64;
struct TooDeep {};

// The stand-in gradient source of a config whose evaluator has errors (see BuildExperiment).
class NoUnitGradients final : public UnitGradientSource {
 public:
  const UnitGradients& Gradients() const override {
    throw InternalError("the gradients of an evaluator that was never built");
  }
};

}  // namespace

Experiment BuildExperiment(const nlohmann::json& given_config,
                           const std::filesystem::path& base_dir, const Overrides& overrides) {
  const nlohmann::json config = WithSpacePathsResolved(given_config, base_dir);
  ConfigErrors errors;
  Experiment e;
  nlohmann::json canonical = nlohmann::json::object();
  Options root(config, "", errors, &canonical);

  e.name = root.RequiredString("name");
  if (root.Has("name") && e.name.empty()) root.Error("name", "must not be empty");
  root.OptionalString("description");
  const std::int64_t seed = root.Int("seed", 0, 0);
  e.seed = overrides.seed.value_or(static_cast<std::uint64_t>(seed));

  const int cores = HardwareCores();
  e.engine.batch = static_cast<int>(root.Int("batch", 1, 1, 1'000'000));
  const int workers = static_cast<int>(root.Int("workers", cores, 1, 1024));
  e.engine.workers = overrides.workers.value_or(workers);
  const bool threads_given = root.Has("threads_per_worker");
  e.threads_per_worker =
      static_cast<int>(root.Int("threads_per_worker", std::max(1, cores / e.engine.workers), 1, 1024));
  if (threads_given && e.threads_per_worker * e.engine.workers > cores) {
    root.Error("threads_per_worker",
               std::to_string(e.engine.workers) + " workers x " +
                   std::to_string(e.threads_per_worker) + " threads exceed the " +
                   std::to_string(cores) + " cores of this machine");
  }

  Options space_block = root.Child("space");
  const std::size_t errors_before_space = errors.Messages().size();
  e.space = BuildComponent(space_block, Spaces(), e.space_type, true);
  // A space with errors falls back to defaults; an evaluator checked against them would only
  // add follow-on errors.
  const bool space_valid = e.space != nullptr && errors.Messages().size() == errors_before_space;

  // The evaluator block collects its errors apart: evaluator factories build nothing once they
  // see an error, and an error elsewhere in the config (a missing name) must not keep the
  // evaluator from being built, or the objectives could not be checked against its metrics
  // until that error is fixed.
  ConfigErrors evaluator_errors;
  const nlohmann::json no_block = nlohmann::json::object();
  const nlohmann::json* given_evaluator = root.Raw("evaluator");
  nlohmann::json& evaluator_canonical = canonical["evaluator"];
  evaluator_canonical = nlohmann::json::object();
  Options evaluator_block(given_evaluator != nullptr ? *given_evaluator : no_block, "evaluator",
                          evaluator_errors, &evaluator_canonical);
  EvaluatorContext evaluator_context{e.space.get(), base_dir, e.threads_per_worker, e.seed};
  if (canonical.contains("space")) evaluator_context.space_config = canonical["space"];
  e.evaluator = BuildComponent(evaluator_block, Evaluators(), e.evaluator_type, space_valid,
                               evaluator_context);
  for (const std::string& message : evaluator_errors.Messages()) errors.Add("", message);

  ReadObjectives(root, evaluator_canonical, e);
  ReadConstraints(root, e, space_valid);

  // A strategy that needs objectives would report a missing objectives list a second time; the
  // error about the list says it, and the strategy's own options are checked against a
  // stand-in.
  std::vector<Objective> strategy_objectives = e.objectives;
  if (strategy_objectives.empty()) strategy_objectives.push_back({"", Goal::kMaximize});
  Options strategy_block = root.Child("strategy");
  StrategyContext strategy_context{e.space.get(), strategy_objectives, e.seed, e.constraints,
                                   BuildComparator};
  strategy_context.unit_gradients = dynamic_cast<const UnitGradientSource*>(e.evaluator.get());
  strategy_context.base_dir = base_dir;
  // An evaluator block with errors, or one not built for a space with errors, built nothing; a
  // pruning strategy would add that it has no gradients, which those errors already explain.
  // It gets a stand-in (never asked: a config with errors does not run).
  static const NoUnitGradients stand_in;
  if (!e.evaluator && (!evaluator_errors.Empty() || !space_valid)) {
    strategy_context.unit_gradients = &stand_in;
  }
  e.strategy = BuildComponent(strategy_block, Strategies(), e.strategy_type, e.space != nullptr,
                              strategy_context);

  ReadBudget(root, e);

  const std::string storage = root.String("storage", "runs/" + e.name + ".sqlite");
  // SQLite would make an empty name a private temporary database: every result lost.
  if (root.Has("storage") && storage.empty()) {
    root.Error("storage", "must not be empty (the default: runs/<name>.sqlite)");
  }
  e.storage = overrides.storage.value_or(base_dir / storage);
  e.stored_repeats = root.Int("stored_repeats", kDefaultStoredRepeats, 0);
  ReadFinal(config, root, base_dir, canonical, e);
  ReadZoo(root, e, space_valid);
  root.Finish();
  errors.ThrowIfAny();
  SCULPT_ASSERT(e.space && e.evaluator && e.strategy, "a valid config built no component");

  // Data set folders as absolute paths: the stored config must work from anywhere (`sculpt
  // train` reads it back without the config file's folder).
  for (const char* block : {"evaluator", "final"}) {
    if (!canonical.contains(block) || !canonical[block].contains("dataset")) continue;
    nlohmann::json& dataset = canonical[block]["dataset"];
    if (dataset.contains("path") && dataset["path"].is_string()) {
      const std::filesystem::path path = dataset["path"].get<std::string>();
      if (path.is_relative()) {
        dataset["path"] = std::filesystem::absolute(base_dir / path).lexically_normal().string();
      }
    }
  }
  // So is the teacher the final block distils from (the plan holds the resolved folder).
  if (e.final != nullptr && e.final->distillation != nullptr) {
    canonical["final"]["distill"]["teacher"] = e.final->distillation_record["teacher"];
  }
  canonical["seed"] = e.seed;
  canonical["workers"] = e.engine.workers;
  canonical["storage"] = e.storage.string();
  e.canonical_config = std::move(canonical);
  e.engine.seed = e.seed;
  e.engine.strategy_name = e.strategy_type;
  return e;
}

Experiment LoadExperiment(const std::filesystem::path& config_path, const Overrides& overrides) {
  const std::string name = config_path.string();
  // A device, a FIFO or a huge file is not a config: refuse it before reading (reading
  // /dev/zero never ends).
  std::error_code error_code;
  const std::filesystem::file_status status = std::filesystem::status(config_path, error_code);
  if (!error_code && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    throw ConfigError({"config file '" + name + "' is not a regular file"});
  }
  if (!error_code && std::filesystem::exists(status) &&
      std::filesystem::file_size(config_path, error_code) > kMaxConfigBytes && !error_code) {
    throw ConfigError({"config file '" + name + "' is larger than " +
                       std::to_string(kMaxConfigBytes >> 20) + " MiB: not a config"});
  }
  std::ifstream in(config_path);
  if (!in) {
    const int why = errno;  // what the open found: no such file, no permission
    throw ConfigError({"cannot read config file '" + name + "': " + std::strerror(why)});
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  // The line of byte `offset`: what an editor shows.
  auto line_of = [&content](std::size_t offset) {
    offset = std::min(offset, content.size());
    return std::to_string(1 + std::count(content.begin(), content.begin() + static_cast<long>(offset), '\n'));
  };
  nlohmann::json config;
  // A key written twice in one object (a copy-paste slip) would silently keep the last value:
  // the parse follows the objects and arrays it is in to name each such key by its path.
  struct Open {
    bool object = false;
    std::set<std::string> keys;
    std::string key;  // an object's newest key
  };
  std::vector<Open> open;
  std::vector<std::string> repeated;
  using Event = nlohmann::json::parse_event_t;
  try {
    // Nesting is bounded: printing or freeing a value nested 100,000 deep overflows the stack.
    config = nlohmann::json::parse(content, [&](int depth, Event event, nlohmann::json& parsed) {
      if (depth > kMaxConfigDepth) throw TooDeep();
      if (event == Event::object_start || event == Event::array_start) {
        open.push_back({event == Event::object_start, {}, {}});
      } else if (event == Event::object_end || event == Event::array_end) {
        if (!open.empty()) open.pop_back();
      } else if (event == Event::key && !open.empty()) {
        Open& object = open.back();
        object.key = parsed.get<std::string>();
        if (!object.keys.insert(object.key).second) {
          std::string path;
          for (const Open& outer : open) {
            if (!outer.object) {
              path += "[]";
            } else {
              path += (path.empty() ? "" : ".") + outer.key;
            }
          }
          if (std::find(repeated.begin(), repeated.end(), path) == repeated.end()) {
            repeated.push_back(path);
          }
        }
      }
      return true;
    });
  } catch (const TooDeep&) {
    throw ConfigError({name + ": nested more than " + std::to_string(kMaxConfigDepth) +
                       " levels deep: not a config"});
  } catch (const nlohmann::json::parse_error& error) {
    throw ConfigError({name + ":" + line_of(error.byte) + ": not valid JSON: " + error.what()});
  } catch (const nlohmann::json::out_of_range& error) {
    // A number too large for a double ("number overflow parsing '1e999999'"): find it.
    const std::string message = error.what();
    const std::size_t open = message.find('\'');
    const std::size_t close = message.rfind('\'');
    std::string where = name;
    if (open != std::string::npos && close > open + 1) {
      const std::size_t at = content.find(message.substr(open + 1, close - open - 1));
      if (at != std::string::npos) where += ":" + line_of(at);
    }
    throw ConfigError({where + ": not valid JSON: " + message});
  }
  if (!repeated.empty()) {
    std::vector<std::string> messages;
    for (const std::string& path : repeated) {
      messages.push_back(path +
                         ": written more than once in one object (JSON keeps only the "
                         "last); keep one");
    }
    throw ConfigError(std::move(messages));
  }
  return BuildExperiment(config, config_path.parent_path(), overrides);
}

}  // namespace sculpt
