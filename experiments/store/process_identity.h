#pragma once
// ProcessIdentity: which process runs an experiment, so that a reader can tell a running search
// from one whose process was killed (kill -9, power loss, an out-of-memory kill) and left the
// experiment in status "running". A pid alone is not enough (pids are reused), so the identity
// also holds the process's start time since boot and the boot's id: on the same host, a process
// is alive exactly when a process with that pid, start time and boot exists. A process of
// another host (a database on a shared disk) cannot be checked.
// Thread-safety: free functions, safe from any thread.

#include <cstdint>
#include <optional>
#include <string>

namespace sculpt {

struct ProcessIdentity {
  std::string host;
  std::int64_t pid = 0;
  std::string start;  // "<boot id>:<start time in clock ticks since boot>"
};

ProcessIdentity ThisProcess();

// True or false on the host that ran it; nullopt when it ran on another host.
std::optional<bool> IsAlive(const ProcessIdentity& process);

}  // namespace sculpt
