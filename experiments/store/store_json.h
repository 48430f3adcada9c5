#pragma once
// Text the store writes into JSON columns and keys, built by hand: the writer runs once per
// candidate and must not allocate a JSON tree for each. Internal to the store
// (experiments/store*.cc). Thread-safety: stateless functions.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "spaces/metrics.h"

namespace sculpt::store_json {

inline constexpr std::string_view kHexDigits = "0123456789abcdef";

// A JSON string literal (quoted and escaped).
void AppendJsonString(std::string_view text, std::string& out);
// A JSON number that reads back as a REAL in SQL; NaN and infinities as null.
void AppendJsonNumber(double value, std::string& out);
// {"name": value, ...} in the map's (sorted) order.
void AppendMetricsJson(const Metrics& metrics, std::string& out);
std::string MetricsJson(const Metrics& metrics);
// Reads a metrics column back (null as NaN); `path` names the database in the error.
Metrics ParseMetrics(std::string_view text, const std::string& path);
// 16 lowercase hex digits, most significant first.
void AppendHex(std::uint64_t hash, std::array<char, 16>& out);

}  // namespace sculpt::store_json
