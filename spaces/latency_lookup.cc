// LatencyLookup as JSON, on disk, and summed. The document:
//   {"format": "sculpt-latency-lookup", "version": 1, "family": "transformer",
//    "skeleton": {...}, "machine": "...", "threads": 1, "runs": 100, "date": "...",
//    "parts_ms": {"embed/d64": 0.05, ...}}
// Reading is strict (every field present and of its type, every latency finite and >= 0), so a
// hand-edited or truncated table fails at load time, naming the file and the field, and never
// in the middle of a search.

#include "spaces/latency_lookup.h"

#include <cmath>
#include <cstdint>

#include "spaces/errors.h"
#include "spaces/json_file.h"

namespace sculpt {
namespace {

constexpr const char* kFormat = "sculpt-latency-lookup";
constexpr int kVersion = 1;

// "latency table 'runs/t.json': parts_ms.embed/d64: expected ...".
[[noreturn]] void Fail(const std::string& source, const std::string& field,
                       const std::string& message) {
  throw UserError("latency table " + source + ": " + (field.empty() ? "" : field + ": ") + message);
}

const nlohmann::json& Get(const nlohmann::json& json, const std::string& source,
                          const std::string& key) {
  const auto it = json.find(key);
  if (it == json.end()) Fail(source, key, "missing");
  return *it;
}

std::string GetString(const nlohmann::json& json, const std::string& source,
                      const std::string& key) {
  const nlohmann::json& value = Get(json, source, key);
  if (!value.is_string()) Fail(source, key, "expected a string, got " + value.dump());
  return value.get<std::string>();
}

int GetInt(const nlohmann::json& json, const std::string& source, const std::string& key, int min) {
  const nlohmann::json& value = Get(json, source, key);
  if (!value.is_number_integer() || value.get<std::int64_t>() < min ||
      value.get<std::int64_t>() > 1'000'000'000) {
    Fail(source, key, "expected an integer >= " + std::to_string(min) + ", got " + value.dump());
  }
  return value.get<int>();
}

}  // namespace

double PredictLatencyMs(const LatencyLookup& table, const std::vector<LatencyTerm>& terms) {
  double total = 0;
  for (const LatencyTerm& term : terms) {
    const auto it = table.parts_ms.find(term.key);
    if (it == table.parts_ms.end()) {
      throw UserError("latency table (family '" + table.family + "') has no entry '" + term.key +
                      "'; measure a table for this skeleton with `sculpt latency CONFIG`");
    }
    total += term.count * it->second;
  }
  return total;
}

nlohmann::json LatencyLookupJson(const LatencyLookup& table) {
  nlohmann::json parts = nlohmann::json::object();
  for (const auto& [key, ms] : table.parts_ms) parts[key] = ms;
  return {{"format", kFormat},          {"version", kVersion},      {"family", table.family},
          {"skeleton", table.skeleton}, {"machine", table.machine}, {"threads", table.threads},
          {"runs", table.runs},         {"date", table.date},       {"parts_ms", parts}};
}

LatencyLookup LatencyLookupFromJson(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) Fail(source, "", "expected a JSON object, got " + json.dump());
  const std::string format = GetString(json, source, "format");
  if (format == "sculpt-latency-table") {  // the other format `sculpt latency` writes
    Fail(source, "format",
         "an nb201 latency table; this space needs one `sculpt latency` measured on a config of "
         "its family (for the prune space: the transformer family, docs/SPACES.md)");
  }
  if (format != kFormat) {
    Fail(source, "format",
         "expected \"" + std::string(kFormat) + "\" (a table `sculpt latency` writes), got \"" +
             format + "\"");
  }
  const int version = GetInt(json, source, "version", 1);
  if (version != kVersion) {
    Fail(source, "version",
         "this Sculpt reads version " + std::to_string(kVersion) + ", got " +
             std::to_string(version));
  }
  LatencyLookup table;
  table.family = GetString(json, source, "family");
  if (table.family.empty()) Fail(source, "family", "expected a space name, got \"\"");
  table.skeleton = Get(json, source, "skeleton");
  if (!table.skeleton.is_object()) {
    Fail(source, "skeleton",
         "expected an object of the space's keys, got " + table.skeleton.dump());
  }
  table.machine = GetString(json, source, "machine");
  table.threads = GetInt(json, source, "threads", 1);
  table.runs = GetInt(json, source, "runs", 1);
  table.date = GetString(json, source, "date");
  const nlohmann::json& parts = Get(json, source, "parts_ms");
  if (!parts.is_object()) Fail(source, "parts_ms", "expected an object, got " + parts.dump());
  for (const auto& [key, value] : parts.items()) {
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0) {
      Fail(source, "parts_ms." + key, "expected a latency in ms >= 0, got " + value.dump());
    }
    table.parts_ms[key] = value.get<double>();
  }
  return table;
}

LatencyLookup LoadLatencyLookup(const std::filesystem::path& path) {
  const nlohmann::json json = ReadJsonFile(path, "latency table");
  std::string source = "'";  // appended, not operator+: g++ 12 warns falsely (-Wrestrict)
  source += path.string();
  source += "'";
  return LatencyLookupFromJson(json, source);
}

void SaveLatencyLookup(const LatencyLookup& table, const std::filesystem::path& path) {
  WriteJsonFile(LatencyLookupJson(table), path, "latency table");
}

}  // namespace sculpt
