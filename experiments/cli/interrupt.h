#pragma once
// InterruptFlag: while alive, the first Ctrl-C (SIGINT) or SIGTERM sets a flag instead of killing
// the process, so the engine can finish the candidates in flight, write them and stop cleanly.
// A second one stops the process at once, saying so (the experiment is then left as a killed
// one, which --resume continues). A closed output pipe (SIGPIPE: `sculpt run ... | head`) stops
// cleanly too, rather than killing the run without a word; later writes to it just fail.
// Only one may exist at a time.

#include <atomic>

namespace sculpt {

class InterruptFlag {
 public:
  InterruptFlag();
  ~InterruptFlag();
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;

  const std::atomic<bool>& Flag() const;
  bool Raised() const { return Flag().load(); }
};

}  // namespace sculpt
