#include "spaces/csv_table.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "spaces/did_you_mean.h"
#include "spaces/errors.h"
#include "spaces/search_space.h"

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
  // A folder opens as a stream that reads nothing, which would be "an empty table".
  if (std::error_code error; std::filesystem::is_directory(path, error)) {
    throw UserError("cannot open table '" + path.string() + "': it is a folder, not a CSV file");
  }
  std::ifstream in(path);
  if (!in) {
    throw UserError("cannot open table '" + path.string() + "': " + std::strerror(errno));
  }
  CsvTable table;
  table.path_ = path;
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

std::optional<double> ParseCsvNumber(const std::string& field) {
  double value = 0;
  const char* end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string CsvTable::NoColumnMessage(const std::string& name) const {
  std::string message = "no column '" + name + "' in " + path_.string();
  const std::string guess = DidYouMean(name, columns_);
  if (!guess.empty()) message += "; did you mean '" + guess + "'?";
  return message + " (columns: " + JoinNames(columns_) + ")";
}

std::optional<CsvTable> ReadCsvOption(Options& options, std::string_view key,
                                      const std::string& path_text,
                                      const std::filesystem::path& base_dir) {
  if (path_text.empty()) {
    // A missing key was reported by the getter that read it; an empty one is an error of its own.
    if (options.Has(key)) options.Error(key, "must not be empty");
    return std::nullopt;
  }
  std::filesystem::path path = path_text;
  if (path.is_relative()) path = base_dir / path;
  try {
    CsvTable table = CsvTable::Read(path);
    // What the file held, in the canonical config ("<key>_contents"): a file edited between a
    // run and its --resume is another config, rather than a search that goes on with other
    // rows (a `listed` strategy's) or other values (a table evaluator's).
    std::string text;
    for (const std::string& column : table.Columns()) text += column + '\x1f';
    for (const std::vector<std::string>& row : table.Rows()) {
      text += '\x1e';
      for (const std::string& field : row) text += field + '\x1f';
    }
    options.Record(std::string(key) + "_contents",
                   {{"rows", table.Rows().size()}, {"hash", HashToHex(HashText(text))}});
    return table;
  } catch (const UserError& error) {
    std::string message = error.what();
    if (std::filesystem::path(path_text).is_relative()) {
      // A relative path is the config's folder's, not the working directory's: say where.
      std::error_code ignored;
      message += " (read from the config's folder: " +
                 std::filesystem::absolute(path, ignored).lexically_normal().string() + ")";
    }
    options.Error(key, message);
    return std::nullopt;
  }
}

}  // namespace sculpt
