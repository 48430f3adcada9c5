// Benchmark 1: search quality on the NAS-Bench-201 table.
// For each strategy and seed, runs the engine up to the largest budget and records, after n
// distinct evaluations, the cifar10_test of the candidate with the best cifar10_valid so far
// (the NAS literature's protocol; a strategy never sees cifar10_test). A run with budget n is a
// prefix of the longer run (the engine is deterministic), so one run per seed serves every n.
//
// usage: search_quality_bench TABLE.csv [--seeds N] [--strategies a,b] [--budgets 50,100,...]
//                             [--constraint-max-params P] [--count evaluations|queries]
// --count queries counts every table look-up, repeats included, as the reference figures in
// ../shared/benchmarks/README.md do; the default counts distinct evaluations (Sculpt's budget).

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "experiments/builtins.h"
#include "search/engine.h"
#include "spaces/options.h"

namespace {

using namespace sculpt;

// Keeps, after each distinct evaluation, the test accuracy of the best-by-valid candidate.
// With count_repeats, a repeat counts as one query (the reference figures' protocol: a query is
// one table look-up); otherwise only distinct evaluations count (Sculpt's budget).
class BestByValidSink final : public ResultSink {
 public:
  explicit BestByValidSink(bool count_repeats) : count_repeats_(count_repeats) {}

  void Write(std::span<const CandidateRecord> records) override {
    for (const CandidateRecord& r : records) {
      if (r.status == CandidateStatus::kInfeasible) continue;
      if (r.repeat_of >= 0) {
        if (count_repeats_) curve.push_back(best_test);
        continue;
      }
      if (r.status == CandidateStatus::kOk) {
        const double valid = r.metrics.at("cifar10_valid");
        if (!best_valid || valid > *best_valid) {
          best_valid = valid;
          best_test = r.metrics.at("cifar10_test");
        }
      }
      curve.push_back(best_test);
    }
  }
  bool count_repeats_;
  std::optional<double> best_valid;
  double best_test = 0;
  std::vector<double> curve;  // curve[i]: after i+1 evaluations
};

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: search_quality_bench TABLE.csv [--seeds N] [--strategies a,b] "
                 "[--budgets 50,100,150,300] [--constraint-max-params P] [--count evaluations|queries]\n";
    return 2;
  }
  std::string table = argv[1];
  int seeds = 500;
  std::vector<std::string> strategies = {"random", "regularized_evolution"};
  std::vector<int> budgets = {50, 100, 150, 300};
  std::optional<double> max_params;
  bool count_repeats = false;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--seeds") seeds = std::stoi(value);
    else if (flag == "--strategies") strategies = Split(value);
    else if (flag == "--budgets") {
      budgets.clear();
      for (const std::string& b : Split(value)) budgets.push_back(std::stoi(b));
    } else if (flag == "--constraint-max-params") max_params = std::stod(value);
    else if (flag == "--count" && (value == "queries" || value == "evaluations")) {
      count_repeats = value == "queries";
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  const int largest = *std::max_element(budgets.begin(), budgets.end());

  ConfigErrors errors;
  nlohmann::json space_config = {{"type", "nb201"}};
  Options space_options(space_config, "space", errors, nullptr);
  auto space = Spaces().Get("nb201")(space_options);
  nlohmann::json evaluator_config = {
      {"path", table}, {"objective", "cifar10_valid"}, {"report", {"cifar10_test"}}};
  Options evaluator_options(evaluator_config, "evaluator", errors, nullptr);
  auto evaluator = Evaluators().Get("table")(evaluator_options, {space.get(), ".", 1, 0});
  if (!errors.Empty()) {
    std::cerr << errors.Messages().front() << "\n";
    return 1;
  }
  std::vector<Constraint> constraints;
  if (max_params) constraints.push_back({"params", std::nullopt, *max_params});
  const std::vector<Objective> objectives = {{"cifar10_valid", Goal::kMaximize}};

  std::printf("search quality on %s: %d seeds, best-by-valid cifar10_test after n %s "
              "(mean ± std)\n", table.c_str(), seeds,
              count_repeats ? "queries (repeats counted)" : "distinct evaluations");
  std::printf("%-24s", "strategy");
  for (int b : budgets) std::printf("  n=%-13d", b);
  std::printf("\n");
  for (const std::string& type : strategies) {
    std::map<int, std::vector<double>> results;
    for (int seed = 0; seed < seeds; ++seed) {
      nlohmann::json strategy_config = nlohmann::json::object();
      if (type == "regularized_evolution") strategy_config = {{"population", 10}, {"sample", 3}};
      Options strategy_options(strategy_config, "strategy", errors, nullptr);
      auto strategy = Strategies().Get(type)(
          strategy_options, {space.get(), objectives, static_cast<std::uint64_t>(seed)});
      EngineOptions options;
      options.seed = static_cast<std::uint64_t>(seed);
      if (count_repeats) {
        options.budget.proposals = largest;
      } else {
        options.budget.evaluations = largest;
      }
      options.budget.patience = 100'000;
      options.strategy_name = type;
      Engine engine(*space, *evaluator, *strategy, objectives, constraints, options);
      BestByValidSink sink(count_repeats);
      engine.Run(sink);
      for (int b : budgets) {
        if (static_cast<int>(sink.curve.size()) >= b) results[b].push_back(sink.curve[b - 1]);
        else std::fprintf(stderr, "seed %d of %s stopped before %d\n", seed, type.c_str(), b);
      }
    }
    std::printf("%-24s", type.c_str());
    for (int b : budgets) {
      const std::vector<double>& v = results[b];
      double mean = 0, var = 0;
      for (double x : v) mean += x;
      mean /= static_cast<double>(v.size());
      for (double x : v) var += (x - mean) * (x - mean);
      const double std_dev = std::sqrt(var / static_cast<double>(v.size() - 1));
      std::printf("  %6.2f ± %-6.2f", mean, std_dev);
    }
    std::printf("\n");
  }
  return 0;
}
