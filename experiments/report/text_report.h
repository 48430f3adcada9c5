#pragma once
// The terminal summary of `sculpt report DB --text`: what the HTML report shows, as text for
// people who live in a terminal. Several experiments open with a side-by-side table; each
// experiment then says what it is, what it chose, how the best value grew over the search, its
// Pareto front, its training runs' last epochs, the choices its best candidates favour, and its
// top candidates.
// Thread-safety: a pure function of its arguments.

#include <ostream>
#include <vector>

#include "experiments/report/experiment_report.h"

namespace sculpt::report {

void WriteTextReport(const std::vector<ExperimentReport>& experiments, std::ostream& out);

}  // namespace sculpt::report
