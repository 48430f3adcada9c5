#include "experiments/table_format.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

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

std::string HumanNumber(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::array<char, 32> buffer{};
  const int size = std::snprintf(buffer.data(), buffer.size(), "%.8g", value);
  return {buffer.data(), static_cast<std::size_t>(size)};
}

struct HumanCell {
  std::string text;
  bool numeric = false;
};

HumanCell ForHumans(const Cell& cell) {
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return {std::to_string(*i), true};
  if (const auto* d = std::get_if<double>(&cell)) return {HumanNumber(*d), true};
  if (const auto* s = std::get_if<std::string>(&cell)) {
    // One line per row: embedded newlines (an error message, a config) would break alignment.
    std::string text = *s;
    for (char& c : text) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    return {std::move(text), false};
  }
  return {};
}

void WriteAligned(const Table& table, std::ostream& out) {
  const std::size_t n = table.columns.size();
  std::vector<std::vector<HumanCell>> cells;
  cells.reserve(table.rows.size());
  std::vector<std::size_t> width(n);
  for (std::size_t c = 0; c < n; ++c) width[c] = DisplayWidth(table.columns[c]);
  for (const auto& row : table.rows) {
    auto& line = cells.emplace_back();
    for (std::size_t c = 0; c < n; ++c) {
      line.push_back(ForHumans(row[c]));
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
      } else if (const auto* s = std::get_if<std::string>(&cell)) {
        WriteCsvField(*s, out);
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
      } else if (const auto* s = std::get_if<std::string>(&cell)) {
        value = *s;
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
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
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
