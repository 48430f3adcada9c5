#pragma once
// ConfigFuzzer: seeded generator of malformed `sculpt run` inputs for the fuzz test
// (config_fuzz_test.cc). It starts from small valid configs (they run in well under a second) and
// damages them the ways people and scripts do: keys deleted, misspelt or added; values of the
// wrong type, empty, negative, huge, deeply nested; arrays emptied or repeated; plus damaged
// command lines. Grow it with every new option or block: add the option's valid form to a base
// config, or a damage below, and the test covers it.
// Thread-safety: one generator per thread.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sculpt::testing {

class ConfigFuzzer {
 public:
  // `table` is the path of a NAS-Bench-201-shaped CSV (test_table.h) for the table configs.
  ConfigFuzzer(std::uint64_t seed, std::string table) : rng_(seed), table_(std::move(table)) {}

  // Valid configs that run in a moment: a table search, a cost-only search of the transformer
  // space, an A* search on a cost target.
  std::vector<nlohmann::json> Bases() const {
    const nlohmann::json table_search = {
        {"name", "fuzz-table"},
        {"seed", 1},
        {"space", {{"type", "nb201"}}},
        {"evaluator",
         {{"type", "table"}, {"path", table_}, {"objective", "cifar10_valid"},
          {"report", {"cifar10_test"}}}},
        {"objectives", {{{"metric", "cifar10_valid"}, {"goal", "maximize"}}}},
        {"constraints", {{{"metric", "params"}, {"max", 1000000}}}},
        {"strategy", {{"type", "regularized_evolution"}, {"population", 4}, {"sample", 2}}},
        {"budget", {{"evaluations", 6}}},
        {"batch", 2},
        {"workers", 2},
        {"stored_repeats", 3}};
    const nlohmann::json transformer_costs = {
        {"name", "fuzz-transformer"},
        {"seed", 2},
        {"space",
         {{"type", "transformer"}, {"input_channels", 1}, {"input_size", 8}, {"classes", 4},
          {"patch_size", 4}, {"layers", 2}, {"embed_dims", {8, 16}}, {"heads", {0, 1, 2}},
          {"head_dim", 4}, {"ffn_dims", {0, 8}}, {"block_layers", {1, 1}}}},
        {"evaluator", {{"type", "cost"}}},
        {"objectives", {{{"metric", "params"}, {"goal", "minimize"}},
                        {{"metric", "flops"}, {"goal", "minimize"}}}},
        {"strategy", {{"type", "nsga2"}, {"population", 4}}},
        {"budget", {{"evaluations", 8}, {"seconds", 20}}},
        {"workers", 1}};
    const nlohmann::json astar = {
        {"name", "fuzz-astar"},
        {"space", {{"type", "nb201"}}},
        {"evaluator", {{"type", "table"}, {"path", table_}, {"objective", "cifar10_valid"}}},
        {"objectives", {{{"metric", "cifar10_valid"}, {"goal", "maximize"}}}},
        {"strategy", {{"type", "astar"}, {"target", {{"metric", "flops"}}}, {"max_drop", 5.0}}},
        {"budget", {{"evaluations", 6}}}};
    return {table_search, transformer_costs, astar};
  }

  // A base config with 1 to 3 damages.
  nlohmann::json Config() {
    std::vector<nlohmann::json> bases = Bases();
    nlohmann::json config = bases[Below(bases.size())];
    const int damages = 1 + static_cast<int>(Below(3));
    for (int i = 0; i < damages; ++i) Damage(config);
    return config;
  }

  // Extra arguments for `sculpt run CONFIG`, most of them wrong.
  std::string Arguments() {
    static const std::vector<std::string> kArguments = {
        "--seed -1", "--seed abc", "--seed 99999999999999999999", "--seed 3", "--workers 0",
        "--workers 100000", "--workers x", "--workers 2", "--db ''", "--db /dev/null",
        "--db /", "--bogus", "--quiet --quiet", "extra-positional", "-w", "--resume",
        "--resume --seed 4", "--db"};
    return kArguments[Below(kArguments.size())];
  }

 private:
  std::size_t Below(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  // A value of some wrong or extreme kind.
  nlohmann::json OddValue() {
    switch (Below(16)) {
      case 0: return nullptr;
      case 1: return true;
      case 2: return -1;
      case 3: return 0;
      case 4: return 1e308;
      case 5: return -1e308;
      case 6: return 0.5;
      case 7: return "";
      case 8: return "x";
      case 9: return std::string(20000, 'y');
      case 10: return nlohmann::json::array();
      case 11: return nlohmann::json::object();
      case 12: return nlohmann::json::array({1, "a", nullptr});
      case 13: return 9223372036854775807LL;
      case 14: {
        nlohmann::json deep = 1;
        for (int i = 0; i < 200; ++i) deep = nlohmann::json::array({deep});
        return deep;
      }
      default: return "-3";
    }
  }

  // Every object or array inside `value` (itself included), for picking where to damage.
  static void Containers(nlohmann::json& value, std::vector<nlohmann::json*>& out) {
    if (!value.is_structured()) return;
    out.push_back(&value);
    for (auto& child : value) Containers(child, out);
  }

  void Damage(nlohmann::json& config) {
    std::vector<nlohmann::json*> containers;
    Containers(config, containers);
    nlohmann::json& target = *containers[Below(containers.size())];
    if (target.is_array()) {
      if (target.empty() || Below(3) == 0) {
        target.push_back(OddValue());
      } else if (Below(2) == 0) {
        target = nlohmann::json::array();
      } else {
        target[Below(target.size())] = OddValue();
      }
      return;
    }
    if (target.empty()) {
      target["unknown"] = OddValue();
      return;
    }
    auto it = target.begin();
    std::advance(it, static_cast<long>(Below(target.size())));
    const std::string key = it.key();
    switch (Below(4)) {
      case 0:  // deleted
        target.erase(key);
        break;
      case 1: {  // misspelt
        nlohmann::json value = target[key];
        target.erase(key);
        target[key.substr(0, key.size() - 1) + (key.size() > 1 ? "e" : "x")] = value;
        break;
      }
      case 2:  // an unknown key beside it
        target[key + "_extra"] = OddValue();
        break;
      default:  // a value of another kind
        target[key] = OddValue();
    }
  }

  std::mt19937_64 rng_;
  std::string table_;
};

}  // namespace sculpt::testing
