#pragma once
// What the NAS-Bench-201 benchmark programs share: the nb201 space and the table evaluator built
// through the same registries `sculpt run` uses, the best-by-valid trajectory of a search (the
// NAS literature's protocol), and small helpers for flags and statistics.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "search/result_sink.h"
#include "spaces/evaluator.h"
#include "spaces/search_space.h"

namespace sculpt::bench {

struct Nb201Table {
  std::unique_ptr<SearchSpace> space;
  std::unique_ptr<Evaluator> evaluator;  // visible cifar10_valid, reported cifar10_test
};

// Loads the table at `path`; throws ConfigError when it cannot be read.
Nb201Table LoadNb201Table(const std::string& path);

// After each distinct evaluation (or, with count_repeats, after each query, repeats included,
// as the reference figures count), the cifar10_test of the best-by-valid candidate so far.
// Infeasible proposals are never queries.
class BestByValidSink final : public ResultSink {
 public:
  explicit BestByValidSink(bool count_repeats = false) : count_repeats_(count_repeats) {}
  void Write(std::span<const CandidateRecord> records) override;

  std::optional<double> best_valid;
  double best_test = 0;
  std::vector<double> curve;  // curve[i]: after i + 1 evaluations (or queries)

 private:
  bool count_repeats_;
};

// "a,b,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitCommas(const std::string& text);

// Mean and sample standard deviation (0 for fewer than two values).
struct MeanStd {
  double mean = 0;
  double std_dev = 0;
};
MeanStd Summarize(const std::vector<double>& values);

// "mean ± std" with `decimals` digits after the point.
std::string FormatMeanStd(const std::vector<double>& values, int decimals);

}  // namespace sculpt::bench
