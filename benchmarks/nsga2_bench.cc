// Benchmark: NSGA-II on the NAS-Bench-201 table (CIFAR-10, 12 epochs), two objectives:
// cifar10_valid (max) and flops (min). For each seed a run of 150 distinct evaluations; its front
// is the non-dominated set of the cells it evaluated; its quality the 2-D hypervolume of that
// front. Reference point: cifar10_valid = 10 % (chance on CIFAR-10) and the largest cell's FLOPs
// (every edge a 3x3 conv, the most of any cell); hypervolume in %·MFLOPs. Compared with random
// search on the same budget and with the table's true front (all 15,625 cells).
//
// usage: nsga2_bench TABLE.csv [--seeds N] [--evaluations N] [--reference-valid V]
//                    [--configs 'json;json']   (e.g. '{"type":"nsga2","population":10}')

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "benchmarks/nb201_table.h"
#include "experiments/config/builtins.h"
#include "search/engine.h"
#include "search/pareto.h"
#include "spaces/options.h"

namespace {

using namespace sculpt;

// The (valid, -MFLOPs) points of a run's distinct successful evaluations.
class PointSink final : public ResultSink {
 public:
  void Write(std::span<const CandidateRecord> records) override {
    for (const CandidateRecord& r : records) {
      if (r.repeat_of >= 0 || r.status != CandidateStatus::kOk) continue;
      points.push_back({r.metrics.at("cifar10_valid"), -r.metrics.at("flops") / 1e6});
    }
  }
  std::vector<std::vector<double>> points;
};

std::string MeanStd(const std::vector<double>& v) { return bench::FormatMeanStd(v, 1); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: nsga2_bench TABLE.csv [--seeds N] [--evaluations N] "
                 "[--configs 'json;json']\n";
    return 2;
  }
  const std::string table = argv[1];
  int seeds = 200;
  int budget = 150;
  double reference_valid = 10.0;
  std::vector<std::pair<std::string, nlohmann::json>> runs = {
      {"random", nlohmann::json::object()},
      {"nsga2", {{"population", 20}, {"crossover", 0.5}}},
      {"nsga2", {{"population", 20}, {"crossover", 0.0}}},
      {"nsga2", {{"population", 30}, {"crossover", 0.5}}},
      {"nsga2", {{"population", 10}, {"crossover", 0.5}}},
  };
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--seeds") {
      seeds = std::stoi(value);
    } else if (flag == "--reference-valid") {
      reference_valid = std::stod(value);
    } else if (flag == "--evaluations") {
      budget = std::stoi(value);
    } else if (flag == "--configs") {
      runs.clear();
      std::stringstream in(value);
      for (std::string part; std::getline(in, part, ';');) {
        nlohmann::json config = nlohmann::json::parse(part);
        const std::string type = config.at("type").get<std::string>();
        config.erase("type");
        runs.emplace_back(type, config);
      }
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }

  bench::Nb201Table loaded = bench::LoadNb201Table(table);
  const std::unique_ptr<SearchSpace>& space = loaded.space;
  const std::unique_ptr<Evaluator>& evaluator = loaded.evaluator;
  ConfigErrors errors;
  const std::vector<Objective> objectives = {{"cifar10_valid", Goal::kMaximize},
                                             {"flops", Goal::kMinimize}};
  const double largest = space->Cost(*space->Largest()).at("flops") / 1e6;
  const std::array<double, 2> reference = {reference_valid, -largest};

  std::vector<std::vector<double>> all;
  for (const Architecture& arch : space->Enumerate()) {
    all.push_back(
        {evaluator->Evaluate(arch, {}).at("cifar10_valid"), -space->Cost(arch).at("flops") / 1e6});
  }
  const std::vector<std::size_t> true_front = NonDominated(all);
  std::vector<std::vector<double>> front_points;
  for (std::size_t i : true_front) front_points.push_back(all[i]);
  const double true_hv = Hypervolume2D(front_points, reference);
  std::printf(
      "NSGA-II on %s: objectives cifar10_valid (max), flops (min); %d distinct "
      "evaluations, %d seeds\n",
      table.c_str(), budget, seeds);
  std::printf(
      "hypervolume reference: valid %.1f %%, flops %.2f MFLOPs (largest cell); "
      "units %%·MFLOPs\n",
      reference_valid, largest);
  std::printf("true front (all 15,625 cells): %zu points, hypervolume %.1f\n\n", true_front.size(),
              true_hv);
  std::printf("%-50s %-18s %-12s %-10s\n", "strategy", "hypervolume", "% of true", "front size");
  for (const auto& [type, config] : runs) {
    std::vector<double> volumes, ratios, sizes;
    for (int seed = 0; seed < seeds; ++seed) {
      Options strategy_options(config, "strategy", errors, nullptr);
      auto strategy = Strategies().Get(type)(
          strategy_options, {space.get(), objectives, static_cast<std::uint64_t>(seed), {}, {}});
      if (!errors.Empty()) {
        std::cerr << errors.Messages().front() << "\n";
        return 1;
      }
      EngineOptions options;
      options.seed = static_cast<std::uint64_t>(seed);
      options.batch = 10;
      options.budget.evaluations = budget;
      options.budget.patience = 100'000;
      options.strategy_name = type;
      Engine engine(*space, *evaluator, *strategy, objectives, {}, options);
      PointSink sink;
      engine.Run(sink);
      const double hv = Hypervolume2D(sink.points, reference);
      volumes.push_back(hv);
      ratios.push_back(100.0 * hv / true_hv);
      sizes.push_back(static_cast<double>(NonDominated(sink.points).size()));
    }
    const std::string label = type + (config.empty() ? "" : " " + config.dump());
    std::printf("%-50s %-18s %-12s %-10s\n", label.c_str(), MeanStd(volumes).c_str(),
                MeanStd(ratios).c_str(), MeanStd(sizes).c_str());
  }
  return 0;
}
