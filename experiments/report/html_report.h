#pragma once
// The HTML report of `sculpt report DB --out report.html`: one self-contained file (styles
// inlined, charts as inline SVG, no scripts, nothing fetched) that shows one or several
// experiments of a database. Several experiments open with a side-by-side table and their
// best-so-far curves in one chart per objective metric; each experiment then has its search
// trajectory, its Pareto front with the chosen model marked, its training curves, its choice
// shares (best candidates against all), its top candidates and its config.
// Every chart is a <figure class="chart-figure" data-chart="KIND"> holding one <svg class="chart">
// (svg_chart.h), so that a test can check that each one drew its data.
// Thread-safety: a pure function of its arguments.

#include <ostream>
#include <string>
#include <vector>

#include "experiments/report/experiment_report.h"

namespace sculpt::report {

// In the head of every report: how `sculpt report --out` knows an earlier report it may replace.
inline constexpr const char* kGeneratorTag = "<meta name=\"generator\" content=\"sculpt report\">";

// Writes the report of `experiments` (in the order given) read from database `db`;
// `generated_at` is the ISO-8601 time shown in the header.
void WriteHtmlReport(const std::vector<ExperimentReport>& experiments, const std::string& db,
                     const std::string& generated_at, std::ostream& out);

}  // namespace sculpt::report
