#include "experiments/store/table_format.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "experiments/store/metric_units.h"

namespace sculpt {
namespace {

// Display width in code points: good enough to align UTF-8 names without a width table.
std::size_t DisplayWidth(std::string_view text) {
  std::size_t width = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

// How one column's REAL numbers are written for people: one notation and one number of decimals
// for the whole column, so that 153272970 and 86426250 read alike (not 1.5327297e+08 beside
// 86426250) and decimal points line up.
struct NumberStyle {
  enum class Notation { kInteger, kFixed, kScientific };
  Notation notation = Notation::kInteger;
  int digits = 0;  // decimals (fixed) or mantissa decimals (scientific)
};

// Significant digits shown: what %.8g showed before columns had a style of their own.
constexpr int kSignificant = 8;
// Wider or finer than this, a fixed column gets unreadable: it goes scientific.
constexpr double kLargestFixed = 1e15;
constexpr int kMostDecimals = 9;

// The decimals `value` needs in fixed notation to show kSignificant digits, trailing zeros cut.
int FixedDecimals(double value) {
  if (value == 0.0 || std::fabs(value) >= kLargestFixed) return 0;
  const int exponent = static_cast<int>(std::floor(std::log10(std::fabs(value))));
  const int decimals = std::max(0, kSignificant - 1 - exponent);
  if (decimals > 30) return decimals;  // far too fine for a fixed column anyway
  std::array<char, 64> buffer{};
  const int size = std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, value);
  std::string_view text(buffer.data(), static_cast<std::size_t>(std::max(size, 0)));
  const std::size_t point = text.find('.');
  if (point == std::string_view::npos) return 0;
  const std::size_t last = text.find_last_not_of('0');
  return last == point ? 0 : static_cast<int>(last - point);
}

// The mantissa decimals `value` needs in scientific notation, trailing zeros cut.
int ScientificDecimals(double value) {
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.*e", kSignificant - 1, value);
  std::string_view mantissa(buffer.data());
  mantissa = mantissa.substr(0, mantissa.find('e'));
  const std::size_t point = mantissa.find('.');
  const std::size_t last = mantissa.find_last_not_of('0');
  return point == std::string_view::npos || last == point ? 0 : static_cast<int>(last - point);
}

NumberStyle ChooseStyle(const std::vector<double>& values) {
  NumberStyle style;
  double largest = 0.0;
  bool integral = true;
  int decimals = 0;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    largest = std::max(largest, std::fabs(v));
    integral = integral && std::floor(v) == v;
    decimals = std::max(decimals, FixedDecimals(v));
  }
  if (largest >= kLargestFixed || decimals > kMostDecimals) {
    style.notation = NumberStyle::Notation::kScientific;
    for (const double v : values) {
      if (std::isfinite(v)) style.digits = std::max(style.digits, ScientificDecimals(v));
    }
  } else if (!integral) {
    style.notation = NumberStyle::Notation::kFixed;
    style.digits = decimals;
  }
  return style;
}

std::string HumanNumber(double value, const NumberStyle& style) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::array<char, 64> buffer{};
  int size = 0;
  switch (style.notation) {
    case NumberStyle::Notation::kInteger:
      size = std::snprintf(buffer.data(), buffer.size(), "%.0f", value);
      break;
    case NumberStyle::Notation::kFixed:
      size = std::snprintf(buffer.data(), buffer.size(), "%.*f", style.digits, value);
      break;
    case NumberStyle::Notation::kScientific:
      size = std::snprintf(buffer.data(), buffer.size(), "%.*e", style.digits, value);
      break;
  }
  return {buffer.data(), static_cast<std::size_t>(std::clamp(size, 0, 63))};
}

struct HumanCell {
  std::string text;
  bool numeric = false;
};

// One line per row: embedded newlines (an error message, a config) would break alignment.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

// INTEGER cells are written exactly (ids, counts: ".0" would misstate their type); REAL cells
// in their column's style; fractions as percentages.
HumanCell ForHumans(const Cell& cell, const NumberStyle& style) {
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return {std::to_string(*i), true};
  if (const auto* d = std::get_if<double>(&cell)) return {HumanNumber(*d, style), true};
  if (const auto* f = std::get_if<Fraction>(&cell)) {
    return {std::isfinite(f->value) ? PercentText(f->value) : HumanNumber(f->value, style), true};
  }
  if (const auto* s = std::get_if<std::string>(&cell)) return {OneLine(*s), false};
  if (const auto* j = std::get_if<JsonText>(&cell)) return {OneLine(j->text), false};
  return {};
}

void WriteAligned(const Table& table, std::ostream& out) {
  const std::size_t n = table.columns.size();
  std::vector<NumberStyle> styles(n);
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<double> reals;
    for (const auto& row : table.rows) {
      if (const auto* d = std::get_if<double>(&row[c])) reals.push_back(*d);
    }
    styles[c] = ChooseStyle(reals);
  }
  std::vector<std::vector<HumanCell>> cells;
  cells.reserve(table.rows.size());
  std::vector<std::size_t> width(n);
  for (std::size_t c = 0; c < n; ++c) width[c] = DisplayWidth(table.columns[c]);
  for (const auto& row : table.rows) {
    auto& line = cells.emplace_back();
    for (std::size_t c = 0; c < n; ++c) {
      line.push_back(ForHumans(row[c], styles[c]));
      width[c] = std::max(width[c], DisplayWidth(line.back().text));
    }
  }
  auto pad = [&out](std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) out << ' ';
  };
  auto write_line = [&](const std::vector<HumanCell>& line) {
    for (std::size_t c = 0; c < n; ++c) {
      if (c > 0) out << "  ";
      const std::size_t gap = width[c] - DisplayWidth(line[c].text);
      if (line[c].numeric) {
        pad(gap);
        out << line[c].text;
      } else {
        out << line[c].text;
        if (c + 1 < n) pad(gap);  // no trailing blanks
      }
    }
    out << '\n';
  };
  std::vector<HumanCell> header;
  for (const std::string& name : table.columns) header.push_back({name, false});
  write_line(header);
  for (std::size_t c = 0; c < n; ++c) {
    if (c > 0) out << "  ";
    out << std::string(width[c], '-');
  }
  out << '\n';
  for (const auto& line : cells) write_line(line);
}

void WriteCsvField(std::string_view text, std::ostream& out) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) {
    out << text;
    return;
  }
  out << '"';
  for (const char c : text) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

void WriteCsv(const Table& table, std::ostream& out) {
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    if (c > 0) out << ',';
    WriteCsvField(table.columns[c], out);
  }
  out << '\n';
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out << ',';
      const Cell& cell = row[c];
      if (const auto* i = std::get_if<std::int64_t>(&cell)) {
        out << *i;
      } else if (const auto* d = std::get_if<double>(&cell)) {
        out << FormatNumber(*d);
      } else if (const auto* f = std::get_if<Fraction>(&cell)) {
        out << FormatNumber(f->value);  // programs get the stored value, not a percentage
      } else if (const auto* s = std::get_if<std::string>(&cell)) {
        WriteCsvField(*s, out);
      } else if (const auto* j = std::get_if<JsonText>(&cell)) {
        WriteCsvField(j->text, out);
      }
    }
    out << '\n';
  }
}

// Keys of a JSON object must differ; SQL may well return two columns named "id".
std::vector<std::string> UniqueKeys(const std::vector<std::string>& columns) {
  std::vector<std::string> keys;
  std::set<std::string> used;
  for (const std::string& column : columns) {
    std::string key = column;
    for (int n = 2; used.count(key) != 0; ++n) key = column + "_" + std::to_string(n);
    used.insert(key);
    keys.push_back(std::move(key));
  }
  return keys;
}

// A JSON column's document as a value of its own; text that is not a JSON object or array
// (a column that merely shares a JSON column's name) stays a string.
nlohmann::ordered_json NestedJson(const std::string& text) {
  nlohmann::ordered_json parsed =
      nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !(parsed.is_object() || parsed.is_array())) return text;
  return parsed;
}

void WriteJson(const Table& table, std::ostream& out) {
  const std::vector<std::string> keys = UniqueKeys(table.columns);
  // Row by row, so that a million-row result never sits in memory twice.
  out << '[';
  bool first = true;
  for (const auto& row : table.rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (std::size_t c = 0; c < row.size(); ++c) {
      const Cell& cell = row[c];
      nlohmann::ordered_json& value = object[keys[c]];
      if (const auto* i = std::get_if<std::int64_t>(&cell)) {
        value = *i;
      } else if (const auto* d = std::get_if<double>(&cell)) {
        if (std::isfinite(*d)) value = *d;  // JSON has no NaN or infinity: they stay null
      } else if (const auto* f = std::get_if<Fraction>(&cell)) {
        if (std::isfinite(f->value)) value = f->value;
      } else if (const auto* s = std::get_if<std::string>(&cell)) {
        value = *s;
      } else if (const auto* j = std::get_if<JsonText>(&cell)) {
        value = NestedJson(j->text);
      }
    }
    out << (first ? "\n  " : ",\n  ")
        << object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    first = false;
  }
  out << (first ? "]\n" : "\n]\n");
}

}  // namespace

std::optional<TableFormat> ParseTableFormat(std::string_view name) {
  if (name == "table") return TableFormat::kTable;
  if (name == "csv") return TableFormat::kCsv;
  if (name == "json") return TableFormat::kJson;
  return std::nullopt;
}

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Plain digits where a person would write them: the shortest form alone turns a budget of
  // 20000 into "2e+04", which reads back the same but defeats a grep and surprises a reader.
  std::array<char, 400> buffer{};  // the longest fixed form below 1e16 fits with room
  const double magnitude = std::abs(value);
  const bool fixed = magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e16);
  const auto result = fixed ? std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                            std::chars_format::fixed)
                            : std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return {buffer.data(), result.ptr};
}

void WriteTable(const Table& table, TableFormat format, std::ostream& out) {
  switch (format) {
    case TableFormat::kTable:
      WriteAligned(table, out);
      return;
    case TableFormat::kCsv:
      WriteCsv(table, out);
      return;
    case TableFormat::kJson:
      WriteJson(table, out);
      return;
  }
}

}  // namespace sculpt
