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

#include "benchmarks/nb201_table.h"
#include "experiments/config/builtins.h"
#include "search/engine.h"
#include "spaces/options.h"

using namespace sculpt;  // a benchmark program, not library code

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
    else if (flag == "--strategies") strategies = bench::SplitCommas(value);
    else if (flag == "--budgets") {
      budgets.clear();
      for (const std::string& b : bench::SplitCommas(value)) budgets.push_back(std::stoi(b));
    } else if (flag == "--constraint-max-params") max_params = std::stod(value);
    else if (flag == "--count" && (value == "queries" || value == "evaluations")) {
      count_repeats = value == "queries";
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  const int largest = *std::max_element(budgets.begin(), budgets.end());

  bench::Nb201Table loaded = bench::LoadNb201Table(table);
  const std::unique_ptr<SearchSpace>& space = loaded.space;
  const std::unique_ptr<Evaluator>& evaluator = loaded.evaluator;
  ConfigErrors errors;
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
          strategy_options, {space.get(), objectives, static_cast<std::uint64_t>(seed), {}, {}});
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
      bench::BestByValidSink sink(count_repeats);
      engine.Run(sink);
      for (int b : budgets) {
        if (static_cast<int>(sink.curve.size()) >= b) results[b].push_back(sink.curve[b - 1]);
        else std::fprintf(stderr, "seed %d of %s stopped before %d\n", seed, type.c_str(), b);
      }
    }
    std::printf("%-24s", type.c_str());
    for (int b : budgets) {
      const bench::MeanStd summary = bench::Summarize(results[b]);
      std::printf("  %6.2f ± %-6.2f", summary.mean, summary.std_dev);
    }
    std::printf("\n");
  }
  return 0;
}
