// Benchmark: search quality of ctnas (comparator-guided, CTNAS) on the NAS-Bench-201 table, next
// to random search and regularized evolution, with the protocol of search_quality.cc: after n
// distinct evaluations, the cifar10_test of the candidate with the best cifar10_valid so far,
// mean ± std over seeds (a strategy never sees cifar10_test). One run per seed up to the largest
// budget serves every smaller one (a run is a prefix of a longer one). Prints each strategy's
// wall time.
//
// usage: ctnas_bench TABLE.csv [--seeds N] [--strategies a,b] [--budgets 50,100]
//                    [--ctnas JSON] [--hidden H] [--steps S] [--threads T]

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "benchmarks/nb201_table.h"
#include "experiments/config/builtins.h"
#include "search/engine.h"
#include "spaces/options.h"
#include "supernet/torch_threads.h"

using namespace sculpt;  // a benchmark program, not library code

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: ctnas_bench TABLE.csv [--seeds N] [--strategies a,b] [--budgets 50,100] "
                 "[--ctnas JSON] [--hidden H] [--steps S] [--threads T]\n";
    return 2;
  }
  const std::string table = argv[1];
  int seeds = 100;
  std::vector<std::string> strategies = {"random", "regularized_evolution", "ctnas"};
  std::vector<int> budgets = {50, 100};
  nlohmann::json ctnas_config = nlohmann::json::object();
  std::optional<int> hidden, steps;
  int threads = 1;  // LibTorch intra-op threads: tiny models gain nothing from more
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--seeds") seeds = std::stoi(value);
    else if (flag == "--strategies") strategies = bench::SplitCommas(value);
    else if (flag == "--budgets") {
      budgets.clear();
      for (const std::string& b : bench::SplitCommas(value)) budgets.push_back(std::stoi(b));
    } else if (flag == "--ctnas") ctnas_config = nlohmann::json::parse(value);
    else if (flag == "--hidden") hidden = std::stoi(value);
    else if (flag == "--steps") steps = std::stoi(value);
    else if (flag == "--threads") threads = std::stoi(value);
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  // --hidden and --steps are shortcuts for the comparator block of --ctnas.
  if (hidden) ctnas_config["comparator"]["hidden"] = *hidden;
  if (steps) ctnas_config["comparator"]["steps"] = *steps;
  SetTorchThreads(threads);
  const int largest = *std::max_element(budgets.begin(), budgets.end());

  bench::Nb201Table loaded = bench::LoadNb201Table(table);
  const std::unique_ptr<SearchSpace>& space = loaded.space;
  const std::unique_ptr<Evaluator>& evaluator = loaded.evaluator;
  ConfigErrors errors;
  const std::vector<Objective> objectives = {{"cifar10_valid", Goal::kMaximize}};

  std::printf("ctnas_bench on %s: %d seeds, best-by-valid cifar10_test after n distinct "
              "evaluations (mean ± std)\nctnas options %s (comparator defaults: see "
              "predictors/neural_comparator.h)\n", table.c_str(), seeds, ctnas_config.dump().c_str());
  std::printf("%-24s", "strategy");
  for (int b : budgets) std::printf("  n=%-13d", b);
  std::printf("  wall s\n");
  for (const std::string& type : strategies) {
    std::map<int, std::vector<double>> results;
    const auto start = std::chrono::steady_clock::now();
    for (int seed = 0; seed < seeds; ++seed) {
      nlohmann::json strategy_config = nlohmann::json::object();
      if (type == "regularized_evolution") strategy_config = {{"population", 10}, {"sample", 3}};
      if (type == "ctnas") strategy_config = ctnas_config;
      Options strategy_options(strategy_config, "strategy", errors, nullptr);
      auto strategy = Strategies().Get(type)(
          strategy_options,
          {space.get(), objectives, static_cast<std::uint64_t>(seed), {}, BuildComparator});
      strategy_options.Finish();
      if (!errors.Empty()) {
        std::cerr << errors.Messages().front() << "\n";
        return 1;
      }
      EngineOptions options;
      options.seed = static_cast<std::uint64_t>(seed);
      options.budget.evaluations = largest;
      options.budget.patience = 100'000;
      options.strategy_name = type;
      Engine engine(*space, *evaluator, *strategy, objectives, {}, options);
      bench::BestByValidSink sink;
      engine.Run(sink);
      for (int b : budgets) {
        if (static_cast<int>(sink.curve.size()) >= b) results[b].push_back(sink.curve[b - 1]);
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-24s", type.c_str());
    for (int b : budgets) {
      const bench::MeanStd summary = bench::Summarize(results[b]);
      std::printf("  %6.2f ± %-6.2f", summary.mean, summary.std_dev);
    }
    std::printf("  %.1f\n", seconds);
    std::fflush(stdout);
  }
  return 0;
}
