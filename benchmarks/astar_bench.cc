// Benchmark: A* pruning on the NAS-Bench-201 table (CIFAR-10, 12 epochs).
// Goal: a cell with at most half the FLOPs of the largest cell (every edge a 3x3 conv), losing
// as little cifar10_valid as possible. A* starts from the largest cell and follows single
// cost-reducing edits (it is deterministic; the seed only seeds the evaluator, which the table
// ignores). Reported: the answer's cifar10_valid and cifar10_test, the best-by-valid feasible cell
// among everything A* evaluated, and the distinct evaluations used; against regularized evolution
// and random search under the constraint flops <= target with the same number of evaluations
// (best-by-valid's cifar10_test and cifar10_valid, mean ± std over seeds), and against the best
// feasible cell of the table.
//
// usage: astar_bench TABLE.csv [--seeds N] [--weights 1,2,4]

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "benchmarks/nb201_table.h"
#include "experiments/config/builtins.h"
#include "search/engine.h"
#include "spaces/options.h"

namespace {

using namespace sculpt;

struct Cell {
  double valid = 0;
  double test = 0;
};

// Keeps every record and, among the feasible distinct evaluations, the best by valid.
class Sink final : public ResultSink {
 public:
  Sink(const SearchSpace& space, double max_flops) : space_(space), max_flops_(max_flops) {}
  void Write(std::span<const CandidateRecord> records) override {
    for (const CandidateRecord& r : records) {
      if (r.origin == "astar-goal") answer = r.arch;
      if (r.repeat_of >= 0 || r.status != CandidateStatus::kOk) continue;
      if (space_.Cost(r.arch).at("flops") > max_flops_) continue;
      const double valid = r.metrics.at("cifar10_valid");
      if (!best || valid > best->valid) best = Cell{valid, r.metrics.at("cifar10_test")};
    }
  }
  std::optional<Architecture> answer;
  std::optional<Cell> best;

 private:
  const SearchSpace& space_;
  double max_flops_;
};

std::string MeanStd(const std::vector<double>& v) { return bench::FormatMeanStd(v, 2); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: astar_bench TABLE.csv [--seeds N] [--weights 1,2,4]\n";
    return 2;
  }
  const std::string table = argv[1];
  int seeds = 200;
  std::vector<double> weights = {1.0, 2.0, 4.0};
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--seeds") {
      seeds = std::stoi(value);
    } else if (flag == "--weights") {
      weights.clear();
      for (const std::string& w : bench::SplitCommas(value)) weights.push_back(std::stod(w));
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }

  bench::Nb201Table loaded = bench::LoadNb201Table(table);
  const std::unique_ptr<SearchSpace>& space = loaded.space;
  const std::unique_ptr<Evaluator>& evaluator = loaded.evaluator;
  ConfigErrors errors;
  const std::vector<Objective> objectives = {{"cifar10_valid", Goal::kMaximize}};
  auto lookup = [&](const Architecture& arch) {
    const Metrics m = evaluator->Evaluate(arch, {});
    return Cell{m.at("cifar10_valid"), m.at("cifar10_test")};
  };

  const Architecture largest = *space->Largest();
  const double target = space->Cost(largest).at("flops") / 2;
  const Cell start = lookup(largest);

  // The table's best feasible cell.
  Cell table_best;
  double table_best_test = 0;
  int feasible = 0;
  for (const Architecture& arch : space->Enumerate()) {
    if (space->Cost(arch).at("flops") > target) continue;
    ++feasible;
    const Cell cell = lookup(arch);
    if (cell.valid > table_best.valid) table_best = cell;
    table_best_test = std::max(table_best_test, cell.test);
  }
  std::printf("A* on %s: target flops <= %.2f MFLOPs (half of the largest cell's %.2f)\n",
              table.c_str(), target / 1e6, 2 * target / 1e6);
  std::printf("largest cell: valid %.2f, test %.2f\n", start.valid, start.test);
  std::printf(
      "table: %d feasible cells; best-by-valid feasible cell: valid %.2f, test %.2f "
      "(highest feasible test %.2f)\n\n",
      feasible, table_best.valid, table_best.test, table_best_test);

  std::int64_t reference_evaluations = 0;
  std::printf("%-22s %-12s %-14s %-14s %-24s\n", "A*", "evaluations", "answer valid", "answer test",
              "best feasible valid/test");
  for (double weight : weights) {
    const nlohmann::json config = {{"target", {{"metric", "flops"}, {"max", target}}},
                                   {"heuristic_weight", weight}};
    std::optional<std::int64_t> evaluations;
    std::optional<Architecture> answer;
    bool deterministic = true;
    Sink* first_sink = nullptr;
    std::vector<std::unique_ptr<Sink>> sinks;
    for (int seed = 0; seed < 3; ++seed) {  // A* is deterministic: check it, keep the first
      Options strategy_options(config, "strategy", errors, nullptr);
      auto strategy = Strategies().Get("astar")(
          strategy_options, {space.get(), objectives, static_cast<std::uint64_t>(seed), {}, {}});
      EngineOptions options;
      options.seed = static_cast<std::uint64_t>(seed);
      options.batch = 8;
      options.budget.evaluations = 15625;
      options.strategy_name = "astar";
      Engine engine(*space, *evaluator, *strategy, objectives, {}, options);
      sinks.push_back(std::make_unique<Sink>(*space, target));
      const RunSummary summary = engine.Run(*sinks.back());
      if (!evaluations) {
        evaluations = summary.progress.evaluations;
        answer = sinks.back()->answer;
        first_sink = sinks.back().get();
      } else {
        deterministic = deterministic && *evaluations == summary.progress.evaluations &&
                        answer == sinks.back()->answer;
      }
    }
    if (!answer) {
      std::printf("weight %.1f: no answer\n", weight);
      continue;
    }
    const Cell cell = lookup(*answer);
    char label[32];
    std::snprintf(label, sizeof(label), "weight %.1f%s", weight, deterministic ? "" : " (!)");
    std::printf("%-22s %-12lld %-14.2f %-14.2f %.2f / %.2f\n", label,
                static_cast<long long>(*evaluations), cell.valid, cell.test,
                first_sink->best->valid, first_sink->best->test);
    std::printf("  answer: %s (%.2f MFLOPs)\n", space->Format(*answer).c_str(),
                space->Cost(*answer).at("flops") / 1e6);
    if (reference_evaluations == 0) reference_evaluations = *evaluations;
  }

  std::printf(
      "\nbaselines under flops <= target, %lld evaluations (A* weight %.1f's), %d seeds: "
      "best-by-valid (mean ± std)\n",
      static_cast<long long>(reference_evaluations), weights.front(), seeds);
  std::printf("%-24s %-18s %-18s\n", "strategy", "valid", "test");
  const std::vector<Constraint> constraints = {{"flops", std::nullopt, target}};
  for (const std::string type : {"regularized_evolution", "random"}) {
    std::vector<double> valids, tests;
    for (int seed = 0; seed < seeds; ++seed) {
      nlohmann::json config = nlohmann::json::object();
      if (type == "regularized_evolution") config = {{"population", 10}, {"sample", 3}};
      Options strategy_options(config, "strategy", errors, nullptr);
      auto strategy = Strategies().Get(type)(
          strategy_options, {space.get(), objectives, static_cast<std::uint64_t>(seed), {}, {}});
      EngineOptions options;
      options.seed = static_cast<std::uint64_t>(seed);
      options.budget.evaluations = reference_evaluations;
      options.budget.patience = 100'000;
      options.strategy_name = type;
      Engine engine(*space, *evaluator, *strategy, objectives, constraints, options);
      Sink sink(*space, target);
      engine.Run(sink);
      valids.push_back(sink.best->valid);
      tests.push_back(sink.best->test);
    }
    std::printf("%-24s %-18s %-18s\n", type.c_str(), MeanStd(valids).c_str(),
                MeanStd(tests).c_str());
  }
  return 0;
}
