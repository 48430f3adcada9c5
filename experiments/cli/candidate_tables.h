#pragma once
// Candidate tables: an experiment's candidates as `sculpt query` lists them and `sculpt run`
// summarises a search. One row per candidate, one column per metric; fractions (accuracies
// Sculpt measured) become Fraction cells, shown as percentages (experiments/store/
// metric_units.h). Also the Pareto front of a multi-objective experiment.
// Implemented in cli_query.cc, which both the `sculpt` executable and the commands module
// compile, so that the summary of a run and a later query show candidates alike.
// Thread-safety: stateless functions.

#include <functional>
#include <string>
#include <vector>

#include "experiments/store/store.h"
#include "experiments/store/table.h"
#include "search/objective.h"

namespace sculpt {

// A column besides id, step, arch and the metrics (e.g. the strategy that proposed it).
struct CandidateColumn {
  std::string name;
  std::function<Cell(const StoredCandidate&)> cell;
};

struct CandidateTableSpec {
  std::vector<std::string> metrics;  // one column each, in this order
  // The primary objective's metric: where a candidate's metrics lack it, its stored objective
  // value fills the column.
  std::string primary;
  // The experiment's evaluator type: decides which accuracies are fractions.
  std::string evaluator_type;
  std::vector<CandidateColumn> extra;  // placed after id and step
};

// Columns: id (blank for a repeat, which has no id of its own), step, the extra columns, arch,
// the metrics.
Table CandidateTable(const std::vector<StoredCandidate>& candidates,
                     const CandidateTableSpec& spec);

// `first`, then every other metric the candidates have, by name.
std::vector<std::string> MetricColumns(const std::vector<StoredCandidate>& candidates,
                                       const std::vector<std::string>& first);

// A metric's value for a candidate: its stored metric, else (for the primary objective) its
// stored objective value; nullopt when it has neither.
std::optional<double> MetricValue(const StoredCandidate& candidate, const std::string& metric,
                                  const std::string& primary);

// The experiment's objectives as stored with its config (the first is the primary one).
std::vector<Objective> StoredObjectives(const ExperimentInfo& experiment);
// The evaluator type stored with the experiment's config; "" when the config has none.
std::string StoredEvaluatorType(const ExperimentInfo& experiment);

// The candidates that no other one beats on every objective, in the order of `candidates`;
// candidates that lack a finite value of some objective are left out (not comparable).
std::vector<StoredCandidate> ParetoFront(const std::vector<Objective>& objectives,
                                         const std::vector<StoredCandidate>& candidates);

}  // namespace sculpt
