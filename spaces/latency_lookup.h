#pragma once
// LatencyLookup: a latency lookup table as plain data: the measured batch-1 milliseconds of
// named parts of one model family's networks on one skeleton and one machine. A space predicts
// a network's latency, without running anything, as the sum of its parts' entries (a list of
// LatencyTerm), so a latency constraint is checked before evaluation. The family that builds the
// networks measures the table (supernet/model_family.h); this file only reads, writes and sums
// one, and so needs no LibTorch. (nb201 keeps its own richer table, spaces/nb201_latency.h.)
// Thread-safety: a plain value; the functions are pure (Load/Save touch only their file).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sculpt {

struct LatencyLookup {
  std::string family;              // the space/family name, e.g. "transformer"
  nlohmann::json skeleton;         // the skeleton's config keys, as the family records them
  std::string machine;             // CPU model, cores, LibTorch version
  int threads = 1;                 // LibTorch intra-op threads during the measurements
  int runs = 0;                    // timed runs per entry (each entry is their median)
  std::string date;                // UTC, ISO 8601
  std::map<std::string, double> parts_ms;
};

// `count` times the part `key`.
struct LatencyTerm {
  std::string key;
  double count = 1;
};

// Sum of count x parts_ms[key]; throws UserError naming a key the table lacks.
double PredictLatencyMs(const LatencyLookup& table, const std::vector<LatencyTerm>& terms);

nlohmann::json LatencyLookupJson(const LatencyLookup& table);
// Throws UserError naming the file and the problem.
LatencyLookup LatencyLookupFromJson(const nlohmann::json& json, const std::string& source);
LatencyLookup LoadLatencyLookup(const std::filesystem::path& path);
// Written beside and renamed.
void SaveLatencyLookup(const LatencyLookup& table, const std::filesystem::path& path);

}  // namespace sculpt
