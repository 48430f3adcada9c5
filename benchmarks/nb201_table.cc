#include "benchmarks/nb201_table.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "experiments/config/builtins.h"
#include "spaces/options.h"

namespace sculpt::bench {

Nb201Table LoadNb201Table(const std::string& path) {
  ConfigErrors errors;
  const nlohmann::json space_config = {{"type", "nb201"}};
  Options space_options(space_config, "space", errors, nullptr);
  Nb201Table table;
  table.space = Spaces().Get("nb201")(space_options);
  const nlohmann::json evaluator_config = {
      {"path", path}, {"objective", "cifar10_valid"}, {"report", {"cifar10_test"}}};
  Options evaluator_options(evaluator_config, "evaluator", errors, nullptr);
  EvaluatorContext context;
  context.space = table.space.get();
  context.base_dir = ".";
  table.evaluator = Evaluators().Get("table")(evaluator_options, context);
  errors.ThrowIfAny();
  return table;
}

void BestByValidSink::Write(std::span<const CandidateRecord> records) {
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

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  return parts;
}

MeanStd Summarize(const std::vector<double>& values) {
  MeanStd result;
  if (values.empty()) return result;
  for (double x : values) result.mean += x;
  result.mean /= static_cast<double>(values.size());
  double squares = 0;
  for (double x : values) squares += (x - result.mean) * (x - result.mean);
  if (values.size() > 1) result.std_dev = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return result;
}

std::string FormatMeanStd(const std::vector<double>& values, int decimals) {
  const MeanStd summary = Summarize(values);
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f ± %.*f", decimals, summary.mean, decimals,
                summary.std_dev);
  return text;
}

}  // namespace sculpt::bench
