#include "experiments/store/store_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "spaces/errors.h"

namespace sculpt::store_json {

void AppendJsonString(std::string_view text, std::string& out) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHexDigits[(static_cast<unsigned char>(c) >> 4) & 0xF];
          out += kHexDigits[static_cast<unsigned char>(c) & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendJsonNumber(double value, std::string& out) {
  // JSON has no NaN or infinity; they are stored as null and read back as NaN.
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
  // "90" would read back as an SQL INTEGER, and then `value / 100` in a user's query is integer
  // division: keep every metric a REAL.
  if (std::find_if(buffer.data(), result.ptr, [](char c) { return c == '.' || c == 'e'; }) ==
      result.ptr) {
    out += ".0";
  }
}

void AppendMetricsJson(const Metrics& metrics, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : metrics) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(name, out);
    out += ':';
    AppendJsonNumber(value, out);
  }
  out += '}';
}

std::string MetricsJson(const Metrics& metrics) {
  std::string out;
  AppendMetricsJson(metrics, out);
  return out;
}

void AppendHex(std::uint64_t hash, std::array<char, 16>& out) {
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHexDigits[hash & 0xF];
    hash >>= 4;
  }
}

Metrics ParseMetrics(std::string_view text, const std::string& path) {
  Metrics metrics;
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) throw UserError("database " + path + ": metrics are not a JSON object");
  for (const auto& [name, value] : json.items()) {
    metrics[name] =
        value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
  }
  return metrics;
}

}  // namespace sculpt::store_json
