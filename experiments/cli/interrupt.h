#pragma once
// InterruptFlag: while alive, the first Ctrl-C (SIGINT) or SIGTERM sets a flag instead of killing
// the process, so the engine can finish the candidates in flight, write them and stop cleanly.
// A second Ctrl-C kills as usual. Only one may exist at a time.

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
