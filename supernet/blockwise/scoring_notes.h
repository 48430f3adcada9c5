#pragma once
// ScoringNotes: what a long scoring (the block score table, a shrinking round) tells a person
// while it runs. Scoring thousands of block choices takes minutes at a few dozen a second and
// has no epochs for a training bar, so it notes how far it has got a tenth at a time, with the
// rate: "<prefix>518 of 5184 choices scored in 19.6 s (26.5 a second)".
// Thread-safety: Scored may be called from any thread (the table is scored on several
// workers); Rate from any thread too.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

#include "spaces/prepare.h"

namespace sculpt {

class ScoringNotes {
 public:
  // `progress` may be null (nothing is noted); `total` things to score, named `noun` ("block
  // choices"); each note begins with `prefix`.
  ScoringNotes(TrainingProgress* progress, std::string prefix, std::string noun, std::int64_t total)
      : progress_(progress),
        prefix_(std::move(prefix)),
        noun_(std::move(noun)),
        total_(total),
        start_(std::chrono::steady_clock::now()) {}

  // One more scored: every tenth of the total but the last is noted.
  void Scored() {
    if (progress_ == nullptr) return;
    const std::lock_guard lock(mutex_);
    ++done_;
    if (done_ < total_ && done_ % std::max<std::int64_t>(1, total_ / 10) == 0) {
      progress_->Note(RateLocked());
    }
  }

  // How far and how fast so far, as the notes say it.
  std::string Rate() const {
    const std::lock_guard lock(mutex_);
    return RateLocked();
  }

 private:
  std::string RateLocked() const {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::ostringstream text;
    text.precision(3);
    text << prefix_ << done_ << " of " << total_ << " " << noun_ << " scored in " << seconds
         << " s (" << static_cast<double>(done_) / std::max(seconds, 1e-9) << " a second)";
    return text.str();
  }

  TrainingProgress* progress_;
  std::string prefix_;
  std::string noun_;
  std::int64_t total_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  std::int64_t done_ = 0;
};

}  // namespace sculpt
