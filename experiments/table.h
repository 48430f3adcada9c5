#pragma once
// Table: rows of typed cells under named columns, what `sculpt query` prints (the result of user
// SQL, a list of experiments, the best candidates). Cells keep SQLite's types so that JSON output
// writes numbers as numbers. Formatting lives in table_format.h.
// Thread-safety: a value type.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace sculpt {

// NULL, INTEGER, REAL or TEXT.
using Cell = std::variant<std::monostate, std::int64_t, double, std::string>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;  // each row has columns.size() cells
};

}  // namespace sculpt
