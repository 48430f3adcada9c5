#pragma once
// ProgressDisplay: shows a search's progress. On a terminal: one line redrawn in place (a bar of
// evaluations done against the budget, best so far, rate, ETA). Elsewhere (a log file, CI): a plain
// line at most every `interval` seconds. Called from the engine's controlling thread only.

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "search/engine.h"
#include "spaces/metrics.h"

namespace sculpt {

class ProgressDisplay {
 public:
  // `objective_is_fraction`: the objective is an accuracy stored as a fraction, shown as a
  // percentage like everywhere else (experiments/store/metric_units.h).
  ProgressDisplay(std::ostream& out, bool terminal, const Budget& budget, std::string objective,
                  bool objective_is_fraction, double interval_seconds = 2.0);

  void Update(const EngineProgress& progress);
  // Draws the last state once more and ends the line.
  void Finish(const EngineProgress& progress);

  // The text of one progress line (no carriage return or newline).
  std::string Line(const EngineProgress& progress) const;

 private:
  std::ostream& out_;
  bool terminal_;
  Budget budget_;
  std::string objective_;
  bool objective_is_fraction_;
  double interval_seconds_;
  std::optional<double> last_drawn_;
};

// "1:02:03" / "4:05" for ETAs and durations.
std::string FormatDuration(double seconds);

// A fraction metric (e.g. test_accuracy 0.9123) as "91.23%", or "n/a" when absent or not finite.
std::string FormatPercent(const Metrics& metrics, std::string_view name);

}  // namespace sculpt
