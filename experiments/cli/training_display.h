#pragma once
// TrainingDisplay: shows a training run's progress (TrainingProgress, spaces/prepare.h). On a
// terminal: one line redrawn in place (epoch, a bar of the epoch's batches, running loss and
// accuracy, images/s, ETA of the whole run). Elsewhere (a log file, CI): a plain progress line
// at most every `interval` seconds and one line per finished epoch, so that logs stay short.
// Quiet mode shows nothing but the epoch lines. Called from one thread only.

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "spaces/prepare.h"

namespace sculpt {

class TrainingDisplay final : public TrainingProgress {
 public:
  TrainingDisplay(std::ostream& out, bool terminal, bool quiet = false,
                  double interval_seconds = 10.0);

  void Begin(std::string_view title, std::int64_t first_epoch, std::int64_t epochs,
             std::int64_t steps_per_epoch) override;
  void Step(const TrainingStep& step) override;
  void EpochDone(std::int64_t epoch, const Metrics& values) override;
  void EpochDoneOf(std::string_view title, std::int64_t epoch, std::int64_t epochs,
                   const Metrics& values) override;
  void End() override;
  void Note(std::string_view text) override;

  // The text of one progress line (no carriage return or newline).
  std::string Line(const TrainingStep& step) const;

 private:
  double Elapsed() const;

  std::ostream& out_;
  bool terminal_;
  bool quiet_;
  double interval_seconds_;
  std::string title_;
  std::int64_t first_epoch_ = 1;
  std::int64_t epochs_ = 0;
  std::int64_t steps_per_epoch_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::optional<double> last_drawn_;
  bool line_open_ = false;  // a redrawn line is on screen without its newline
};

}  // namespace sculpt
