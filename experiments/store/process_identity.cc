#include "experiments/store/process_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace sculpt {
namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

std::string BootId() {
  std::ifstream file("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(file, id);
  return id;
}

// Field 22 of /proc/PID/stat: the start time in clock ticks after boot; empty when there is no
// such process, or only its corpse (a killed process its parent has not reaped yet: state Z or
// X). The command name (field 2) may hold spaces and parentheses: skip past its last ')'.
std::string StartTicks(std::int64_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(file, line)) return "";
  const std::size_t name_end = line.rfind(')');
  if (name_end == std::string::npos) return "";
  std::istringstream fields(line.substr(name_end + 1));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 3 && (field == "Z" || field == "X")) return "";
    if (index == 22) return field;
  }
  return "";
}

}  // namespace

ProcessIdentity ThisProcess() {
  const std::int64_t pid = getpid();
  return {HostName(), pid, BootId() + ":" + StartTicks(pid)};
}

std::optional<bool> IsAlive(const ProcessIdentity& process) {
  if (process.host != HostName()) return std::nullopt;
  const std::string ticks = StartTicks(process.pid);
  return !ticks.empty() && BootId() + ":" + ticks == process.start;
}

}  // namespace sculpt
