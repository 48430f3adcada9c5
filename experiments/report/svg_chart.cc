#include "experiments/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace sculpt::report {
namespace {

constexpr double kWidth = 560;
constexpr double kHeight = 300;
// The plot area inside the frame: room for the title, the tick labels and the axis labels.
constexpr double kLeft = 64;
constexpr double kRight = 24;
constexpr double kTop = 46;  // the title, then a row for the legend
constexpr double kBottom = 46;

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f", value);
  return buffer;
}

// A tick label: a percentage for fractions, else up to 4 significant digits, thousands and
// millions as k and M (40000 as 40k, 3.2e6 as 3.2M).
std::string TickText(double value, bool percent) {
  char buffer[32];
  if (percent) {
    std::snprintf(buffer, sizeof(buffer), "%.4g%%", 100.0 * value);
  } else if (std::abs(value) >= 1e6) {
    std::snprintf(buffer, sizeof(buffer), "%.4gM", value / 1e6);
  } else if (std::abs(value) >= 1e4) {
    std::snprintf(buffer, sizeof(buffer), "%.4gk", value / 1e3);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.4g", std::abs(value) < 1e-12 ? 0.0 : value);
  }
  return buffer;
}

// 1, 2 or 5 times a power of ten, about range / 5: tick spacing people read at a glance.
double NiceStep(double range) {
  const double rough = range / 5.0;
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  const double fraction = rough / power;
  const double nice = fraction < 1.5 ? 1.0 : fraction < 3.5 ? 2.0 : fraction < 7.5 ? 5.0 : 10.0;
  return nice * power;
}

struct Axis {
  double low = 0.0;
  double high = 1.0;
  std::vector<double> ticks;
};

// An axis over [min, max] (finite), widened to whole ticks; a single value gets a unit of room.
// A count (epochs, evaluations) gets whole-number ticks: no "epoch 1.5".
Axis MakeAxis(double min, double max, bool counts = false) {
  if (!(max > min)) {
    const double pad = counts || min == 0.0 ? 1.0 : std::abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const double step = counts ? std::max(1.0, NiceStep(max - min)) : NiceStep(max - min);
  Axis axis;
  axis.low = std::floor(min / step) * step;
  axis.high = std::ceil(max / step) * step;
  for (double t = axis.low; t <= axis.high + step * 1e-9; t += step) axis.ticks.push_back(t);
  return axis;
}

void OpenSvg(std::ostringstream& out, double width, double height, const std::string& title,
             std::size_t marks) {
  out << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << Number(width)
      << "\" height=\"" << Number(height) << "\" viewBox=\"0 0 " << Number(width) << ' '
      << Number(height) << "\" data-marks=\"" << marks << "\" role=\"img\" aria-label=\""
      << EscapeHtml(title) << "\">\n"
      << "<text class=\"title\" x=\"" << Number(width / 2) << "\" y=\"18\" text-anchor=\"middle\">"
      << EscapeHtml(title) << "</text>\n";
}

std::size_t CountMarks(const XyChart& chart) {
  std::size_t marks = 0;
  for (const ChartSeries& series : chart.series) {
    for (const ChartPoint& p : series.points) {
      marks += std::isfinite(p.x) && std::isfinite(p.y) ? 1 : 0;
    }
  }
  return marks;
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string SeriesColor(int index) {
  // Tableau 10's first eight: distinct for most colour-blind readers.
  static const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                         "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};
  return kPalette[((index % 8) + 8) % 8];
}

std::string XySvg(const XyChart& chart) {
  double x_min = std::numeric_limits<double>::infinity();
  double x_max = -x_min;
  double y_min = x_min;
  double y_max = -x_min;
  auto include = [&](const ChartPoint& p) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return;
    x_min = std::min(x_min, p.x);
    x_max = std::max(x_max, p.x);
    y_min = std::min(y_min, p.y);
    y_max = std::max(y_max, p.y);
  };
  for (const ChartSeries& series : chart.series) {
    for (const ChartPoint& p : series.points) include(p);
  }
  for (const ChartMark& mark : chart.marks) include(mark.at);

  const std::size_t marks = CountMarks(chart);
  std::ostringstream out;
  OpenSvg(out, kWidth, kHeight, chart.title, marks);
  const double plot_width = kWidth - kLeft - kRight;
  const double plot_height = kHeight - kTop - kBottom;
  out << "<rect class=\"frame\" x=\"" << Number(kLeft) << "\" y=\"" << Number(kTop)
      << "\" width=\"" << Number(plot_width) << "\" height=\"" << Number(plot_height)
      << "\"/>\n";
  if (marks == 0) {
    out << "<text class=\"empty\" x=\"" << Number(kLeft + plot_width / 2) << "\" y=\""
        << Number(kTop + plot_height / 2) << "\" text-anchor=\"middle\">no data</text>\n</svg>";
    return out.str();
  }
  const Axis x_axis = MakeAxis(x_min, x_max, chart.x_counts);
  const Axis y_axis = MakeAxis(y_min, y_max);
  auto px = [&](double x) {
    return kLeft + (x - x_axis.low) / (x_axis.high - x_axis.low) * plot_width;
  };
  auto py = [&](double y) {
    return kTop + plot_height - (y - y_axis.low) / (y_axis.high - y_axis.low) * plot_height;
  };

  for (double t : y_axis.ticks) {
    out << "<line class=\"grid\" x1=\"" << Number(kLeft) << "\" x2=\""
        << Number(kLeft + plot_width) << "\" y1=\"" << Number(py(t)) << "\" y2=\""
        << Number(py(t)) << "\"/><text class=\"tick\" x=\"" << Number(kLeft - 6) << "\" y=\""
        << Number(py(t) + 4) << "\" text-anchor=\"end\">" << TickText(t, chart.y_percent)
        << "</text>\n";
  }
  for (double t : x_axis.ticks) {
    out << "<text class=\"tick\" x=\"" << Number(px(t)) << "\" y=\""
        << Number(kTop + plot_height + 16) << "\" text-anchor=\"middle\">" << TickText(t, false)
        << "</text>\n";
  }
  out << "<text class=\"axis-label\" x=\"" << Number(kLeft + plot_width / 2) << "\" y=\""
      << Number(kHeight - 8) << "\" text-anchor=\"middle\">" << EscapeHtml(chart.x_label)
      << "</text>\n<text class=\"axis-label\" transform=\"translate(14 "
      << Number(kTop + plot_height / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << EscapeHtml(chart.y_label) << "</text>\n";

  for (const ChartSeries& series : chart.series) {
    const std::string color = SeriesColor(series.color);
    std::vector<ChartPoint> points;
    for (const ChartPoint& p : series.points) {
      if (std::isfinite(p.x) && std::isfinite(p.y)) points.push_back(p);
    }
    if (points.empty()) continue;
    // A line of one point (a training of one epoch) draws nothing: it is a dot.
    if (series.style == SeriesStyle::kDots || points.size() == 1) {
      for (const ChartPoint& p : points) {
        out << "<circle class=\"mark\" cx=\"" << Number(px(p.x)) << "\" cy=\"" << Number(py(p.y))
            << "\" r=\"2.5\" fill=\"" << color << "\"><title>" << EscapeHtml(series.name) << ": "
            << TickText(p.x, false) << ", " << TickText(p.y, chart.y_percent)
            << "</title></circle>\n";
      }
      continue;
    }
    out << "<polyline class=\"mark\" fill=\"none\" stroke=\"" << color
        << "\" stroke-width=\"1.8\" points=\"";
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (series.style == SeriesStyle::kStep && i > 0) {
        out << Number(px(points[i].x)) << ',' << Number(py(points[i - 1].y)) << ' ';
      }
      out << Number(px(points[i].x)) << ',' << Number(py(points[i].y)) << ' ';
    }
    out << "\"><title>" << EscapeHtml(series.name) << "</title></polyline>\n";
  }
  for (const ChartMark& mark : chart.marks) {
    if (!std::isfinite(mark.at.x) || !std::isfinite(mark.at.y)) continue;
    out << "<circle class=\"chosen\" cx=\"" << Number(px(mark.at.x)) << "\" cy=\""
        << Number(py(mark.at.y)) << "\" r=\"7\"/><text class=\"chosen-label\" x=\""
        << Number(std::min(px(mark.at.x) + 9, kWidth - kRight - 4)) << "\" y=\""
        << Number(py(mark.at.y) < kTop + 16 ? py(mark.at.y) + 18 : py(mark.at.y) - 9)
        << "\" text-anchor=\""
        << (px(mark.at.x) > kLeft + plot_width * 0.7 ? "end" : "start") << "\">"
        << EscapeHtml(mark.label) << "</text>\n";
  }

  // The legend: one row between the title and the plot, clear of the data.
  double legend_x = kLeft;
  for (const ChartSeries& series : chart.series) {
    if (series.name.empty()) continue;
    out << "<rect x=\"" << Number(legend_x) << "\" y=\"" << Number(kTop - 17)
        << "\" width=\"10\" height=\"10\" fill=\"" << SeriesColor(series.color)
        << "\"/><text class=\"legend\" x=\"" << Number(legend_x + 14) << "\" y=\""
        << Number(kTop - 8) << "\">" << EscapeHtml(series.name) << "</text>\n";
    legend_x += 14 + 6.5 * static_cast<double>(series.name.size()) + 16;
  }
  out << "</svg>";
  return out.str();
}

std::string BarSvg(const BarChart& chart) {
  constexpr double kLabelWidth = 150;
  constexpr double kBarHeight = 9;
  constexpr double kRowGap = 6;
  constexpr double kValueWidth = 56;
  const double group_count = static_cast<double>(std::max<std::size_t>(chart.groups.size(), 1));
  const double row_height = kBarHeight * group_count + kRowGap;
  constexpr double kBarTop = 30;
  const double legend_height = 18;
  const double height =
      kBarTop + legend_height + row_height * static_cast<double>(chart.rows.size()) + 10;
  double max_value = 0.0;
  std::size_t marks = 0;
  for (const BarRow& row : chart.rows) {
    for (double v : row.values) {
      if (std::isfinite(v)) {
        max_value = std::max(max_value, v);
        ++marks;
      }
    }
  }
  // Shares are drawn on one scale, 0-100 %, so that panels side by side compare by eye.
  if (chart.percent || max_value <= 0.0) max_value = std::max(max_value, 1.0);
  std::ostringstream out;
  OpenSvg(out, kWidth, height, chart.title, marks);
  double legend_x = kLabelWidth;
  for (std::size_t g = 0; g < chart.groups.size(); ++g) {
    out << "<rect x=\"" << Number(legend_x) << "\" y=\"" << Number(kBarTop - 2)
        << "\" width=\"10\" height=\"10\" fill=\"" << SeriesColor(static_cast<int>(g))
        << "\"/><text class=\"legend\" x=\"" << Number(legend_x + 14) << "\" y=\""
        << Number(kBarTop + 7) << "\">" << EscapeHtml(chart.groups[g]) << "</text>\n";
    legend_x += 14 + 7.0 * static_cast<double>(chart.groups[g].size()) + 20;
  }
  const double bar_space = kWidth - kLabelWidth - kValueWidth - kRight;
  double y = kBarTop + legend_height;
  for (const BarRow& row : chart.rows) {
    out << "<text class=\"tick\" x=\"" << Number(kLabelWidth - 6) << "\" y=\""
        << Number(y + row_height / 2) << "\" text-anchor=\"end\">" << EscapeHtml(row.label)
        << "</text>\n";
    for (std::size_t g = 0; g < row.values.size(); ++g) {
      const double v = std::isfinite(row.values[g]) ? row.values[g] : 0.0;
      const double bar_y = y + kBarHeight * static_cast<double>(g);
      out << "<rect class=\"mark\" x=\"" << Number(kLabelWidth) << "\" y=\"" << Number(bar_y)
          << "\" width=\"" << Number(std::max(0.5, v / max_value * bar_space)) << "\" height=\""
          << Number(kBarHeight - 1) << "\" fill=\"" << SeriesColor(static_cast<int>(g))
          << "\"/><text class=\"value\" x=\""
          << Number(kLabelWidth + v / max_value * bar_space + 4) << "\" y=\""
          << Number(bar_y + kBarHeight - 1.5) << "\">" << TickText(v, chart.percent)
          << "</text>\n";
    }
    y += row_height;
  }
  out << "</svg>";
  return out.str();
}

}  // namespace sculpt::report
