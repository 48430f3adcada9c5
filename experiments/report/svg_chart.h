#pragma once
// Charts as inline SVG, written by Sculpt so that a report is one self-contained file that any
// browser shows without scripts or network access: an x-y chart (dots, lines, steps; marked
// points with a label) and a horizontal grouped bar chart. Each chart is an <svg class="chart">
// whose data-marks attribute counts the data marks drawn (dots, line vertices, bars), and each
// mark has class "mark", so a test can tell a chart that drew its data from an empty frame.
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

namespace sculpt::report {

// `text` with &, <, >, " and ' replaced by entities: safe in HTML and SVG text and attributes.
std::string EscapeHtml(std::string_view text);

// The colour of series `index` (a palette of 8 that repeats), as CSS text.
std::string SeriesColor(int index);

struct ChartPoint {
  double x = 0.0;
  double y = 0.0;
};

enum class SeriesStyle {
  kDots,  // one dot per point
  kLine,  // points joined in order
  kStep,  // a staircase: each value holds until the next point (a best-so-far curve)
};

struct ChartSeries {
  std::string name;  // in the legend; empty: not listed
  SeriesStyle style = SeriesStyle::kLine;
  int color = 0;  // SeriesColor index
  std::vector<ChartPoint> points;
};

// A point drawn on top of the series, ringed and labelled (e.g. the chosen model).
struct ChartMark {
  ChartPoint at;
  std::string label;
};

struct XyChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool y_percent = false;  // the y values are fractions, ticks shown as percentages
  bool x_counts = false;   // the x values are counts (epochs, evaluations): whole-number ticks
  std::vector<ChartSeries> series;
  std::vector<ChartMark> marks;
};

// The chart as an <svg> element; a chart without any finite point says "no data" in its frame.
std::string XySvg(const XyChart& chart);

// One label with one value per group (e.g. an op, and its share among the top candidates and
// among all of them).
struct BarRow {
  std::string label;
  std::vector<double> values;
};

struct BarChart {
  std::string title;
  std::vector<std::string> groups;  // the legend, one colour each
  bool percent = false;             // values are fractions, shown as percentages
  std::vector<BarRow> rows;
};

std::string BarSvg(const BarChart& chart);

}  // namespace sculpt::report
