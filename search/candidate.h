#pragma once
// The vocabulary between strategies, the engine and result sinks.
//  - Proposal: what a strategy asks the engine to evaluate.
//  - Observation: what a strategy is told back (only objective values, never reported metrics).
//  - CandidateRecord: everything logged about one proposal (written to a ResultSink).
// Every proposal gets a step: its 0-based number in the experiment, in proposal order.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spaces/architecture.h"
#include "spaces/metrics.h"

namespace sculpt {

enum class CandidateStatus { kOk, kFailed, kInfeasible };

std::string_view ToString(CandidateStatus status);

struct Proposal {
  Architecture arch;
  // How the strategy made it, e.g. "random", "mutation".
  std::string origin;
  // Step of the parent candidate, or -1.
  std::int64_t parent = -1;
};

struct Observation {
  std::int64_t step = 0;
  Architecture arch;
  CandidateStatus status = CandidateStatus::kOk;
  // One value per experiment objective, oriented so that larger is better; empty unless ok.
  std::vector<double> objectives;
  // True when the result came from the cache (an isomorphic architecture was seen before).
  bool repeat = false;
};

struct CandidateRecord {
  std::int64_t step = 0;
  Architecture arch;
  std::string arch_text;       // the space's string form
  // The engine's number for this exact string form (0, 1, ... in first-proposal order within a
  // run), so that sinks can name repeated strings without hashing them; -1 when unknown.
  std::int64_t arch_id = -1;
  std::uint64_t hash = 0;      // canonical (isomorphism-aware) hash
  std::string strategy;        // registered strategy name
  std::string origin;
  std::int64_t parent = -1;    // step of the parent, or -1
  CandidateStatus status = CandidateStatus::kOk;
  std::string error;           // why it failed or is infeasible
  std::int64_t repeat_of = -1; // step of the first evaluation of this canonical class, or -1
  // All metrics (cost, visible and reported). Empty for repeats: they live on repeat_of's record.
  Metrics metrics;
  std::optional<double> objective;  // value of the first objective (natural sign) when ok
  double eval_seconds = 0.0;        // wall time of the evaluation (0 for repeats)
  double finished_at = 0.0;         // seconds since the search started
};

}  // namespace sculpt
