#pragma once
// Facts about the machine and the clock that several folders record or size things by: how
// many cores it has, and the time as every Sculpt file writes it.
// Thread-safety: stateless functions.

#include <string>

namespace sculpt {

// std::thread::hardware_concurrency(), at least 1 (it may report 0 when unknown).
int HardwareCores();

// The current UTC date and time in ISO 8601, e.g. "2026-11-24T15:58:31Z".
std::string UtcNow();

}  // namespace sculpt
