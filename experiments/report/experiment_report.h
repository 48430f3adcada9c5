#pragma once
// ExperimentReport: what `sculpt report` shows of one experiment, read from its store once and
// then rendered as HTML (html_report.h) or as text (text_report.h): the evaluated candidates in
// step order (the search trajectory), the best ones, the model the run chose, the Pareto front,
// the training curves of its supernet(s) and retraining, and how often each choice of each
// decision appears among the best candidates against all of them.
// Thread-safety: ReadExperimentReport reads the store as its reads allow; the result is a value.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiments/store/store.h"
#include "experiments/store/table.h"
#include "search/objective.h"
#include "spaces/search_space.h"

namespace sculpt::report {

struct TrainingCurve {
  TrainingRunInfo run;
  std::vector<TrainingEpoch> epochs;
};

// How often `option` is decision `decision`'s choice among the best candidates and among all.
struct ChoiceShare {
  std::string decision;
  std::string option;
  double top = 0.0;  // fraction of the best candidates (ExperimentReport::choice_top of them)
  double all = 0.0;  // fraction of all evaluated candidates
};

struct ExperimentReport {
  ExperimentInfo info;
  ExperimentStats stats;
  std::vector<Objective> objectives;  // the first is the primary one
  std::string evaluator_type;
  std::vector<StoredCandidate> evaluated;  // status ok, repeats left out, in step order
  std::vector<StoredCandidate> top;        // the best ones by the primary objective, best first
  std::optional<StoredCandidate> chosen;   // the model the run chose; nullopt: none evaluated
  std::string chosen_because;              // e.g. "the answer of astar"
  // The trade-off the Pareto chart shows: the experiment's first two objectives, or for a
  // single-objective run its objective against params (when the candidates have params).
  std::vector<Objective> front_objectives;  // empty: no trade-off to show
  // Whether front_objectives are objectives the run traded off (else params beside the one
  // objective, e.g. of a pruning run whose second objective only confirms its answer).
  bool front_of_objectives = false;
  std::vector<StoredCandidate> front;       // non-dominated on front_objectives, step order
  std::vector<TrainingCurve> training;      // oldest run first
  std::vector<ChoiceShare> choices;         // decision by decision, options in space order
  std::size_t choice_top = 0;               // how many best candidates the shares count
  std::string choices_note;  // why there are no choice shares, when there are none
  // The zoo's models (a config's "zoo" block), by budget: budget, arch, source (search or
  // reference), candidate, the budget's metric, the best trial's validation accuracy, the
  // model's validation and test accuracy, its training run. No rows: no zoo.
  Table zoo;
  std::string zoo_metric;  // what the budgets limit, e.g. params
  // Each finished zoo trial as (cost on zoo_metric, validation accuracy after its short
  // training): what the zoo tried before it chose each budget's model.
  std::vector<std::pair<double, double>> zoo_trials;
  // Budgets of the config's zoo without a row yet, with why ("the run stopped before the zoo
  // finished them;
  // --resume finishes them"); empty when every budget has one.
  std::string zoo_missing;
  // The final block's export folder seen from where the database was named, and whether it
  // still holds this experiment's retrained model ("ok", "missing", "holds training run N": a
  // later run of the config exported there); empty when nothing was exported. Set by the
  // report command, which knows that path.
  std::string final_export;
  std::string final_export_state;
  // The `final` retraining was stopped (Ctrl-C, or a kill) before it finished: nothing was
  // exported; after Ctrl-C the summary holds its candidate and partial results.
  bool final_interrupted = false;
};

// How many of the best candidates the top table lists.
inline constexpr int kReportTop = 10;

// Reads `info`'s report. `space` (the experiment's space rebuilt from its config, or nullptr
// when it cannot be: `space_note` says why) gives the decisions for the choice shares.
ExperimentReport ReadExperimentReport(const ResultStore& store, const ExperimentInfo& info,
                                      const SearchSpace* space, const std::string& space_note);

// A candidate's value of `metric` (its metrics, else the objective for the primary metric).
std::optional<double> ReportValue(const ExperimentReport& report, const StoredCandidate& c,
                                  const std::string& metric);

}  // namespace sculpt::report
