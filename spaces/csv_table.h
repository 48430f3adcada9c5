#pragma once
// CsvTable: a CSV file read whole into memory (header row + rows of text fields). RFC 4180
// quoting is understood. Thread-safety: immutable after construction.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spaces/options.h"

namespace sculpt {

// The number a whole field holds, as std::from_chars reads it ("1.5", "-3e2", "nan", "inf");
// nullopt for anything else ("", "N/A", "1.5x").
std::optional<double> ParseCsvNumber(const std::string& field);

class CsvTable {
 public:
  // Throws UserError naming the file and line when it cannot be read or a row has the wrong
  // number of fields.
  static CsvTable Read(const std::filesystem::path& path);

  const std::filesystem::path& Path() const { return path_; }
  const std::vector<std::string>& Columns() const { return columns_; }
  std::optional<std::size_t> ColumnIndex(const std::string& name) const;
  // Why `name` is not a column: "no column 'x' in PATH; did you mean 'y'? (columns: ...)".
  std::string NoColumnMessage(const std::string& name) const;
  const std::vector<std::vector<std::string>>& Rows() const { return rows_; }

 private:
  std::filesystem::path path_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// The CSV file a config option names (`path_text`, the value of option `key`; relative to
// `base_dir`), or nullopt after reporting what is wrong with it (empty, unreadable, malformed)
// as an error of that option.
std::optional<CsvTable> ReadCsvOption(Options& options, std::string_view key,
                                      const std::string& path_text,
                                      const std::filesystem::path& base_dir);

}  // namespace sculpt
