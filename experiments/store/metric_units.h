#pragma once
// The units of stored metrics, and how people are shown them (docs/SCHEMA.md, "Units"):
//  - An accuracy that Sculpt measures itself (a metric named `accuracy` or `*_accuracy` of any
//    evaluator but `table`: the supernet and train evaluators, retraining, training curves) is
//    a fraction in [0, 1].
//  - A `table` evaluator's columns keep the CSV's own unit (NAS-Bench-201's are percentages,
//    84.89), whatever their names.
//  - Every display for people (progress lines, the run summary, `sculpt query` tables) shows a
//    fraction as a percentage with two decimals ("77.30%"); CSV and JSON output, the database
//    and exported files hold the stored value.
// Header-only, so that both the `sculpt` executable and the commands module use the same rule.
// Thread-safety: stateless functions.

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace sculpt {

// The evaluator whose metrics keep the units of the file they come from.
inline constexpr std::string_view kTableEvaluatorType = "table";

// Whether metric `name` of an experiment whose evaluator is `evaluator_type` is stored as a
// fraction in [0, 1] ("" for a value Sculpt measured outside an evaluator, e.g. a training
// curve).
inline bool IsFractionMetric(std::string_view evaluator_type, std::string_view name) {
  constexpr std::string_view kSuffix = "_accuracy";
  const bool accuracy = name == "accuracy" || (name.size() > kSuffix.size() &&
                                               name.substr(name.size() - kSuffix.size()) == kSuffix);
  return accuracy && evaluator_type != kTableEvaluatorType;
}

// Whether `value` of a fraction metric can be shown as a percentage: a value outside [0, 1]
// (a database written before the convention, a bug) is shown as stored rather than as 8489%.
inline bool ShowsAsPercent(bool fraction, double value) {
  return fraction && value >= 0.0 && value <= 1.0;
}

// A fraction as a percentage: 0.773 -> "77.30%".
inline std::string PercentText(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.2f%%", 100.0 * fraction);
  return buffer;
}

// A metric value for people: a percentage for a fraction, else 6 significant digits.
inline std::string MetricText(std::string_view evaluator_type, std::string_view name,
                              double value) {
  if (ShowsAsPercent(IsFractionMetric(evaluator_type, name), value)) return PercentText(value);
  if (std::isnan(value)) return "nan";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

}  // namespace sculpt
