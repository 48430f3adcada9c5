#include "experiments/cli/progress_display.h"

#include <cmath>
#include <cstdio>

#include "experiments/store/metric_units.h"

namespace sculpt {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long total = std::lround(seconds);
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof(buffer), "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%ld:%02ld", total / 60, total % 60);
  }
  return buffer;
}

std::string FormatPercent(const Metrics& metrics, std::string_view name) {
  auto it = metrics.find(name);
  if (it == metrics.end() || !std::isfinite(it->second)) return "n/a";
  return PercentText(it->second);
}

ProgressDisplay::ProgressDisplay(std::ostream& out, bool terminal, const Budget& budget,
                                 std::string objective, bool objective_is_fraction,
                                 double interval_seconds)
    : out_(out), terminal_(terminal), budget_(budget), objective_(std::move(objective)),
      objective_is_fraction_(objective_is_fraction),
      interval_seconds_(terminal ? 0.1 : interval_seconds) {}

std::string ProgressDisplay::Line(const EngineProgress& p) const {
  // The fraction done follows the budget that binds first.
  double fraction = -1;
  std::string count;
  if (budget_.evaluations) {
    fraction = static_cast<double>(p.evaluations) / static_cast<double>(*budget_.evaluations);
    count = std::to_string(p.evaluations) + "/" + std::to_string(*budget_.evaluations) + " evals";
  } else {
    count = std::to_string(p.evaluations) + " evals";
  }
  if (budget_.proposals) {
    fraction = std::max(fraction, static_cast<double>(p.proposals) /
                                      static_cast<double>(*budget_.proposals));
  }
  if (budget_.seconds) fraction = std::max(fraction, p.elapsed_seconds / *budget_.seconds);
  fraction = std::min(fraction, 1.0);

  std::string line;
  if (fraction >= 0) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    // Appended, not summed: GCC 12 warns falsely (-Wrestrict) on the sum.
    line += '[';
    line.append(static_cast<std::size_t>(filled), '#');
    line.append(static_cast<std::size_t>(kWidth - filled), '.');
    line += "] ";
  }
  line += count + ", " + std::to_string(p.proposals) + " proposals";
  char buffer[160];
  if (p.best_objective) {
    if (ShowsAsPercent(objective_is_fraction_, *p.best_objective)) {
      line += " | best " + objective_ + " " + PercentText(*p.best_objective);
    } else {
      std::snprintf(buffer, sizeof(buffer), " | best %s %.6g", objective_.c_str(),
                    *p.best_objective);
      line += buffer;
    }
  }
  const double rate = p.elapsed_seconds > 0 ? static_cast<double>(p.proposals) / p.elapsed_seconds : 0;
  std::snprintf(buffer, sizeof(buffer), " | %.4g prop/s | %s elapsed", rate,
                FormatDuration(p.elapsed_seconds).c_str());
  line += buffer;
  if (fraction > 0 && fraction < 1) {
    line += " | ETA " + FormatDuration(p.elapsed_seconds * (1 - fraction) / fraction);
  }
  return line;
}

void ProgressDisplay::Update(const EngineProgress& progress) {
  if (last_drawn_ && progress.elapsed_seconds - *last_drawn_ < interval_seconds_) return;
  last_drawn_ = progress.elapsed_seconds;
  if (terminal_) {
    out_ << "\r\033[K" << Line(progress) << std::flush;
  } else {
    out_ << Line(progress) << "\n" << std::flush;
  }
}

void ProgressDisplay::Finish(const EngineProgress& progress) {
  if (terminal_) {
    out_ << "\r\033[K" << Line(progress) << "\n" << std::flush;
  } else {
    out_ << Line(progress) << "\n" << std::flush;
  }
}

}  // namespace sculpt
