// Benchmark: ranking quality of the Neural Architecture Comparator (CTNAS's NAC) on the
// NAS-Bench-201 table, next to the MLP regression predictor trained on the same data.
// For each training size n and seed: n cells drawn at random (score: cifar10_valid), a disjoint
// held-out set of cells; reports the held-out pairwise accuracy (the fraction of pairs with
// different valid accuracy that the model orders right: P(a > b) > 0.5 for the NAC, predicted
// a > b for the MLP) and Kendall's tau (NAC: of each cell's summed P(beats the others)).
//
// usage: comparator_bench TABLE.csv [--seeds N] [--train 100,400] [--test 1000]
//                         [--hidden H] [--steps S] [--threads T]

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <sstream>

#include "spaces/csv_table.h"
#include "predictors/mlp_predictor.h"
#include "predictors/neural_comparator.h"
#include "predictors/ranking.h"
#include "spaces/nb201.h"
#include "supernet/torch_threads.h"
#include "spaces/rng.h"

namespace {

using namespace sculpt;

std::vector<int> SplitInts(const std::string& text) {
  std::vector<int> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(std::stoi(part));
  return parts;
}

struct Stats {
  std::vector<double> values;
  void Add(double v) { values.push_back(v); }
  std::string Text() const {
    double mean = 0, var = 0;
    for (double v : values) mean += v / static_cast<double>(values.size());
    for (double v : values) var += (v - mean) * (v - mean);
    const double sd = values.size() > 1 ? std::sqrt(var / static_cast<double>(values.size() - 1)) : 0;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.4f ± %.4f", mean, sd);
    return buffer;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: comparator_bench TABLE.csv [--seeds N] [--train 100,400] [--test 1000] "
                 "[--hidden H] [--steps S] [--threads T]\n";
    return 2;
  }
  int seeds = 5, test_size = 1000;
  std::vector<int> train_sizes = {100, 400};
  NacOptions nac;
  int threads = 1;  // LibTorch intra-op threads: tiny models gain nothing from more
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--seeds") seeds = std::stoi(value);
    else if (flag == "--train") train_sizes = SplitInts(value);
    else if (flag == "--test") test_size = std::stoi(value);
    else if (flag == "--hidden") nac.hidden = std::stoi(value);
    else if (flag == "--steps") nac.steps = std::stoi(value);
    else if (flag == "--threads") threads = std::stoi(value);
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  SetTorchThreads(threads);
  const CsvTable table = CsvTable::Read(argv[1]);
  const std::size_t arch_column = *table.ColumnIndex("arch");
  const std::size_t valid_column = *table.ColumnIndex("cifar10_valid");
  auto space = nb201::MakeSpace({});
  std::vector<Architecture> archs;
  std::vector<double> valid;
  for (const auto& row : table.Rows()) {
    archs.push_back(space->Parse(row[arch_column]));
    valid.push_back(std::stod(row[valid_column]));
  }
  std::printf("comparator_bench on %s: %d seeds, %d held-out cells, NAC hidden=%d gcn_layers=%d "
              "steps=%d batch_pairs=%d\n", argv[1], seeds, test_size, nac.hidden, nac.gcn_layers,
              nac.steps, nac.batch_pairs);
  std::printf("%-6s %-24s %-24s %-24s %-24s %-10s %-10s\n", "train", "NAC pairwise acc",
              "NAC kendall tau", "MLP pairwise acc", "MLP kendall tau", "NAC fit s", "MLP fit s");
  for (int n : train_sizes) {
    Stats nac_accuracy, nac_tau, mlp_accuracy, mlp_tau;
    double nac_seconds = 0, mlp_seconds = 0;
    for (int seed = 0; seed < seeds; ++seed) {
      Rng rng(MixSeed(static_cast<std::uint64_t>(seed), static_cast<std::uint64_t>(n)));
      std::vector<int> order(archs.size());
      std::iota(order.begin(), order.end(), 0);
      for (int i = static_cast<int>(order.size()) - 1; i > 0; --i) {
        std::swap(order[i], order[UniformIndex(rng, i + 1)]);
      }
      std::vector<Architecture> train, test;
      std::vector<double> train_scores, test_scores;
      for (int i = 0; i < n + test_size; ++i) {
        const int row = order[static_cast<std::size_t>(i)];
        (i < n ? train : test).push_back(archs[row]);
        (i < n ? train_scores : test_scores).push_back(valid[row]);
      }

      auto start = std::chrono::steady_clock::now();
      auto comparator = MakeNeuralComparator(*space, static_cast<std::uint64_t>(seed), nac);
      comparator->Fit(train, train_scores);
      nac_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const std::vector<double> p = comparator->ProbabilityMatrix(test);
      std::vector<double> wins(test.size(), 0.0);
      long right = 0, pairs = 0;
      for (std::size_t i = 0; i < test.size(); ++i) {
        for (std::size_t j = 0; j < test.size(); ++j) {
          wins[i] += p[i * test.size() + j];
          if (j <= i || test_scores[i] == test_scores[j]) continue;
          ++pairs;
          right += (p[i * test.size() + j] > 0.5) == (test_scores[i] > test_scores[j]) ? 1 : 0;
        }
      }
      nac_accuracy.Add(static_cast<double>(right) / static_cast<double>(pairs));
      nac_tau.Add(KendallTau(test_scores, wins));

      start = std::chrono::steady_clock::now();
      auto predictor = MakeMlpPredictor(*space, static_cast<std::uint64_t>(seed));
      predictor->Fit(train, train_scores);
      mlp_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const std::vector<double> predicted = predictor->Predict(test);
      mlp_accuracy.Add(PairwiseAccuracy(test_scores, predicted));
      mlp_tau.Add(KendallTau(test_scores, predicted));
    }
    std::printf("%-6d %-24s %-24s %-24s %-24s %-10.2f %-10.2f\n", n, nac_accuracy.Text().c_str(),
                nac_tau.Text().c_str(), mlp_accuracy.Text().c_str(), mlp_tau.Text().c_str(),
                nac_seconds / seeds, mlp_seconds / seeds);
  }
  return 0;
}
