#include "predictors/csv_table.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "spaces/errors.h"

namespace sculpt {
namespace {

// Splits one CSV record; returns false on an unterminated quote.
bool SplitRecord(const std::string& line, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return !quoted;
}

}  // namespace

CsvTable CsvTable::Read(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw UserError("cannot open table '" + path.string() + "': " + std::strerror(errno));
  }
  CsvTable table;
  std::string line;
  std::vector<std::string> fields;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line == "\r") continue;
    if (!SplitRecord(line, fields)) {
      throw UserError(path.string() + ":" + std::to_string(line_number) + ": unterminated quote");
    }
    if (table.columns_.empty()) {
      table.columns_ = fields;
      continue;
    }
    if (fields.size() != table.columns_.size()) {
      throw UserError(path.string() + ":" + std::to_string(line_number) + ": expected " +
                      std::to_string(table.columns_.size()) + " fields, got " +
                      std::to_string(fields.size()));
    }
    table.rows_.push_back(fields);
  }
  if (table.columns_.empty()) throw UserError("table '" + path.string() + "' is empty");
  return table;
}

std::optional<std::size_t> CsvTable::ColumnIndex(const std::string& name) const {
  auto it = std::find(columns_.begin(), columns_.end(), name);
  if (it == columns_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - columns_.begin());
}

}  // namespace sculpt
