#pragma once
// The series a report draws from an ExperimentReport: the search trajectory and its best-so-far
// curve, the Pareto front among all candidates, the zoo's models and trials, and training curves.
// Shared by the HTML report (as charts) and the text report (as numbers), so both show the same
// values. Thread-safety: pure functions.

#include <optional>
#include <string>
#include <vector>

#include "experiments/report/experiment_report.h"
#include "experiments/report/svg_chart.h"

namespace sculpt::report {

// Every evaluated candidate's primary objective by its evaluation number (1 for the first
// evaluated candidate; steps would spread them over the repeats, millions in a long search), one
// dot series per strategy (in the order strategies first appear), then the best-so-far staircase.
std::vector<ChartSeries> TrajectorySeries(const ExperimentReport& report);

// `candidate`'s evaluation number (its x in the trajectory); nullopt when it is not among the
// evaluated candidates.
std::optional<double> EvaluationNumber(const ExperimentReport& report,
                                       const StoredCandidate& candidate);

// The best primary objective so far by evaluation number (so that experiments compare on one
// axis whatever their repeats).
ChartSeries BestSoFarSeries(const ExperimentReport& report);

// Every evaluated candidate at (front_objectives[1], front_objectives[0]) as dots, then the front
// as a line through its points in x order.
std::vector<ChartSeries> ParetoSeries(const ExperimentReport& report);

// A zoo model with a test accuracy: its budget, its cost on the zoo's metric, its accuracy.
struct ZooModelPoint {
  double budget = 0.0;
  double cost = 0.0;
  double test_accuracy = 0.0;
};

// The zoo's models that have a cost and a test accuracy, by budget.
std::vector<ZooModelPoint> ZooModelPoints(const ExperimentReport& report);

// The zoo's trials as dots (validation accuracy after their short training) and its models as a
// line in cost order (test accuracy), both against the zoo's metric; empty without a model.
std::vector<ChartSeries> ZooSeries(const ExperimentReport& report);

enum class CurveKind { kLoss, kAccuracy };

// One line per recorded value of `kind` (train_loss and valid_loss; train_accuracy,
// valid_accuracy...) by epoch.
std::vector<ChartSeries> CurveSeries(const TrainingCurve& curve, CurveKind kind);

// "supernet training (run 1)", "sub-supernet 2/5, edge0=skip_connect (run 3)", "block layers1
// distilled (run 2)", "block layers1, distilled by an earlier experiment and read from its file
// (run 9)",
// "retraining of candidate #37 (run 4)".
std::string TrainingRunTitle(const TrainingRunInfo& run);

}  // namespace sculpt::report
