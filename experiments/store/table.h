#pragma once
// Table: rows of typed cells under named columns, what `sculpt query` prints (the result of user
// SQL, a list of experiments, the best candidates). Cells keep SQLite's types so that JSON output
// writes numbers as numbers; two more kinds say how a value is meant, not how it is stored:
// a Fraction is a number people read as a percentage (an accuracy of 0.773 is shown "77.30%"),
// JsonText is text that holds JSON (a candidate's metrics) and is written into JSON output as
// the object it is, not as an escaped string. Formatting lives in table_format.h.
// Thread-safety: a value type.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sculpt {

// A number in [0, 1] stored as such and shown to people as a percentage (metric_units.h).
struct Fraction {
  double value = 0.0;
};

// Text that holds a JSON document (a JSON column of the schema).
struct JsonText {
  std::string text;
};

// NULL, INTEGER, REAL or TEXT, and the two refinements above.
using Cell = std::variant<std::monostate, std::int64_t, double, std::string, Fraction, JsonText>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;  // each row has columns.size() cells
};

// The number a cell holds (an integer, a real or a fraction); nullopt for NULL and text.
inline std::optional<double> CellNumber(const Cell& cell) {
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&cell)) return *d;
  if (const auto* f = std::get_if<Fraction>(&cell)) return f->value;
  return std::nullopt;
}

}  // namespace sculpt
