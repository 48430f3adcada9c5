#include "experiments/cli/interrupt.h"

#include <csignal>

#include "spaces/errors.h"

namespace sculpt {
namespace {

std::atomic<bool> interrupted{false};
std::atomic<bool> installed{false};
using Handler = void (*)(int);
Handler previous_int = SIG_DFL;
Handler previous_term = SIG_DFL;

extern "C" void OnSignal(int signal_number) {
  interrupted.store(true);
  // The next signal of this kind gets the default action: a user can always force a stop.
  std::signal(signal_number, SIG_DFL);
}

}  // namespace

InterruptFlag::InterruptFlag() {
  SCULPT_ASSERT(!installed.exchange(true), "only one InterruptFlag may exist at a time");
  interrupted.store(false);
  previous_int = std::signal(SIGINT, OnSignal);
  previous_term = std::signal(SIGTERM, OnSignal);
}

InterruptFlag::~InterruptFlag() {
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  installed.store(false);
}

const std::atomic<bool>& InterruptFlag::Flag() const { return interrupted; }

}  // namespace sculpt
