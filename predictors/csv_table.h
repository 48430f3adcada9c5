#pragma once
// CsvTable: a CSV file read whole into memory (header row + rows of text fields). RFC 4180
// quoting is understood. Thread-safety: immutable after construction.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sculpt {

class CsvTable {
 public:
  // Throws UserError naming the file and line when it cannot be read or a row has the wrong
  // number of fields.
  static CsvTable Read(const std::filesystem::path& path);

  const std::vector<std::string>& Columns() const { return columns_; }
  std::optional<std::size_t> ColumnIndex(const std::string& name) const;
  const std::vector<std::vector<std::string>>& Rows() const { return rows_; }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace sculpt
