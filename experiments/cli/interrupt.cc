#include "experiments/cli/interrupt.h"

#include <unistd.h>

#include <csignal>

#include "spaces/errors.h"

namespace sculpt {
namespace {

std::atomic<bool> interrupted{false};
std::atomic<bool> asked_to_stop{false};  // a Ctrl-C or SIGTERM came already
std::atomic<bool> pipe_closed{false};    // a SIGPIPE came: the output's reader is gone
std::atomic<bool> installed{false};
using Handler = void (*)(int);
Handler previous_int = SIG_DFL;
Handler previous_term = SIG_DFL;
Handler previous_pipe = SIG_DFL;

extern "C" void OnSignal(int signal_number) {
  interrupted.store(true);
  // The reader of the output went away: stop cleanly; the handler stays, so each later write to
  // the pipe fails (EPIPE) instead of killing the process mid-write.
  if (signal_number == SIGPIPE) {
    pipe_closed.store(true);
    return;
  }
  if (asked_to_stop.exchange(true)) {
    // Only async-signal-safe calls here: write, signal, raise.
    constexpr char kMessage[] =
        "\nsculpt: stopped at once (a second signal): what was in flight is lost, what was "
        "stored is kept; the same command with --resume continues it\n";
    [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
  }
}

}  // namespace

InterruptFlag::InterruptFlag() {
  SCULPT_ASSERT(!installed.exchange(true), "only one InterruptFlag may exist at a time");
  interrupted.store(false);
  asked_to_stop.store(false);
  pipe_closed.store(false);
  previous_int = std::signal(SIGINT, OnSignal);
  previous_term = std::signal(SIGTERM, OnSignal);
  previous_pipe = std::signal(SIGPIPE, OnSignal);
}

InterruptFlag::~InterruptFlag() {
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  // Once the reader is gone, the command's last lines (its summary) go nowhere: they must not
  // kill it with SIGPIPE after a clean stop, which would change its exit status.
  std::signal(SIGPIPE, pipe_closed.load() ? SIG_IGN : previous_pipe);
  installed.store(false);
}

const std::atomic<bool>& InterruptFlag::Flag() const { return interrupted; }

}  // namespace sculpt
