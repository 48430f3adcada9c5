#include "experiments/cli/training_display.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "experiments/cli/progress_display.h"
#include "experiments/store/metric_units.h"

namespace sculpt {

TrainingDisplay::TrainingDisplay(std::ostream& out, bool terminal, bool quiet,
                                 double interval_seconds)
    : out_(out),
      terminal_(terminal),
      quiet_(quiet),
      interval_seconds_(terminal ? 0.1 : interval_seconds),
      start_(std::chrono::steady_clock::now()) {}

double TrainingDisplay::Elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void TrainingDisplay::Begin(std::string_view title, std::int64_t first_epoch, std::int64_t epochs,
                            std::int64_t steps_per_epoch) {
  title_ = title;
  first_epoch_ = first_epoch;
  epochs_ = epochs;
  steps_per_epoch_ = steps_per_epoch;
  start_ = std::chrono::steady_clock::now();
  last_drawn_.reset();
  out_ << "sculpt: training " << title_ << ": epochs " << first_epoch << ".." << epochs << ", "
       << steps_per_epoch << " batches each\n"
       << std::flush;
}

std::string TrainingDisplay::Line(const TrainingStep& s) const {
  constexpr int kWidth = 20;
  const double fraction =
      s.steps > 0 ? static_cast<double>(s.step) / static_cast<double>(s.steps) : 0.0;
  const int filled = std::clamp(static_cast<int>(fraction * kWidth), 0, kWidth);
  // The ETA covers the whole run at the rate seen since Begin (this run's epochs only).
  const double done = static_cast<double>((s.epoch - first_epoch_) * s.steps + s.step);
  const double left = static_cast<double>((s.epochs - s.epoch) * s.steps + (s.steps - s.step));
  const double elapsed = Elapsed();
  char buffer[200];
  std::snprintf(buffer, sizeof(buffer), "%s epoch %lld/%lld [%s%s] %lld/%lld | loss %.4f",
                title_.c_str(), static_cast<long long>(s.epoch), static_cast<long long>(s.epochs),
                std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
                static_cast<long long>(s.step), static_cast<long long>(s.steps), s.loss);
  std::string line = buffer;
  if (!std::isnan(s.accuracy)) {  // NaN: the training measures none (distillation)
    std::snprintf(buffer, sizeof(buffer), " | acc %.2f%%", 100.0 * s.accuracy);
    line += buffer;
  }
  std::snprintf(buffer, sizeof(buffer), " | %.0f img/s", s.images_per_second);
  line += buffer;
  if (done > 0) line += " | ETA " + FormatDuration(elapsed * left / done);
  return line;
}

void TrainingDisplay::Step(const TrainingStep& step) {
  if (quiet_) return;
  const double now = Elapsed();
  if (last_drawn_ && now - *last_drawn_ < interval_seconds_) return;
  last_drawn_ = now;
  if (terminal_) {
    out_ << "\r\033[K" << Line(step) << std::flush;
    line_open_ = true;
  } else {
    out_ << Line(step) << "\n" << std::flush;
  }
}

void TrainingDisplay::EpochDone(std::int64_t epoch, const Metrics& values) {
  EpochDoneOf(title_, epoch, epochs_, values);
}

void TrainingDisplay::EpochDoneOf(std::string_view title, std::int64_t epoch, std::int64_t epochs,
                                  const Metrics& values) {
  if (line_open_) out_ << "\r\033[K";
  line_open_ = false;
  out_ << title << " epoch " << epoch << "/" << epochs << ":";
  char buffer[64];
  // The curves first, then the bookkeeping.
  std::vector<std::pair<std::string, double>> ordered;
  for (const char* name : {"train_loss", "train_accuracy", "valid_loss", "valid_accuracy"}) {
    if (auto it = values.find(name); it != values.end()) ordered.emplace_back(name, it->second);
  }
  for (const auto& [name, value] : values) {
    if (name.rfind("train_", 0) != 0 && name.rfind("valid_", 0) != 0) {
      ordered.emplace_back(name, value);
    }
  }
  for (const auto& [name, value] : ordered) {
    // Training accuracies are fractions (metric_units.h), shown as percentages.
    if (ShowsAsPercent(IsFractionMetric("", name), value)) {
      out_ << " " << name << " " << PercentText(value);
    } else if (value == std::trunc(value) && std::abs(value) < 1e15) {
      out_ << " " << name << " " << static_cast<std::int64_t>(value);  // a count, in full
    } else {
      std::snprintf(buffer, sizeof(buffer), " %s %.4g", name.c_str(), value);
      out_ << buffer;
    }
  }
  out_ << "\n" << std::flush;
}

void TrainingDisplay::End() {
  if (line_open_) out_ << "\n" << std::flush;
  line_open_ = false;
}

void TrainingDisplay::Note(std::string_view text) {
  if (line_open_) out_ << "\n";
  line_open_ = false;
  out_ << "sculpt: " << text << "\n" << std::flush;
}

}  // namespace sculpt
