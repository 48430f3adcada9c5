#pragma once
// SideBySideReports: what trainings running side by side on the engine's workers (SideBySide,
// spaces/prepare.h) report through, given one TrainingProgress and one TrainingLog made for a
// single caller at a time. Every call is serialised. The runs share one bar: epochs done of all
// the runs' epochs (a run that resumes or is reused counts its earlier epochs as done), the loss
// and accuracy averaged over the runs in progress, their images per second summed. Each run's
// start is a note and each of its epochs a line with its own title; the log gets each run as a
// run of its own, as if they had trained one after the other (only the order of their ids is
// not fixed).
// Thread-safety: Progress(k) and Log() are used from any thread; the rest from the thread that
// made the object, before and after the runs.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "spaces/prepare.h"

namespace sculpt {

class SideBySideReports {
 public:
  // `shown` and `log` may be null. `runs` trainings of `epochs` epochs each, shown under `title`.
  SideBySideReports(TrainingProgress* shown, TrainingLog* log, std::string title, int runs,
                    std::int64_t epochs);
  ~SideBySideReports();
  SideBySideReports(const SideBySideReports&) = delete;
  SideBySideReports& operator=(const SideBySideReports&) = delete;

  // Where run `run` reports its progress; null when nothing is shown.
  TrainingProgress* Progress(int run);
  // Where every run logs; null when nothing is logged.
  TrainingLog* Log();
  // Run `run` has all its epochs (trained now, or earlier and reused).
  void Done(int run);
  // Ends the shared bar; the runs have ended.
  void End();

 private:
  class RunProgress;
  class SerialLog;
  struct RunState {
    std::int64_t done_steps = 0;  // of its epochs x steps, including earlier sessions'
    bool running = false;
    bool finished = false;        // all its epochs are done
    double loss = 0;
    double accuracy = 0;
    double images_per_second = 0;
  };

  // Called with mutex_ held.
  void Begin(int run, std::int64_t first_epoch, std::int64_t steps);
  void Step(int run, const TrainingStep& step);

  TrainingProgress* shown_;
  std::string title_;
  std::int64_t epochs_;           // of each run
  std::int64_t steps_ = 0;        // per epoch, the same for every run; 0 until a run begins
  bool bar_open_ = false;
  std::mutex mutex_;
  std::vector<RunState> runs_;
  std::vector<std::unique_ptr<RunProgress>> progress_;
  std::unique_ptr<SerialLog> log_;
};

}  // namespace sculpt
