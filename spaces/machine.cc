#include "spaces/machine.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <thread>

namespace sculpt {

int HardwareCores() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> buffer{};
  const std::size_t size =
      std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return {buffer.data(), size};
}

}  // namespace sculpt
