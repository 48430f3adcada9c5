#pragma once
// Writing a Table for people (aligned columns) or for programs (CSV, JSON).
//  - table: a header, a rule and aligned columns; numbers right-aligned, INTEGERs exact, the
//    REALs of one column in one style (all integers, one number of decimals, or all scientific,
//    8 significant digits), fractions as percentages ("77.30%"); NULL is blank.
//  - csv: RFC 4180 quoting, a header row, numbers in shortest round-trip form (fractions as
//    stored, not as percentages), NULL is empty.
//  - json: an array of objects, one per row, keys in column order; numbers stay numbers,
//    JSON columns (JsonText) are nested objects, NULL and non-finite numbers are null.
// Thread-safety: stateless functions.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "experiments/store/table.h"

namespace sculpt {

enum class TableFormat { kTable, kCsv, kJson };

// "table", "csv" or "json"; nullopt for anything else.
std::optional<TableFormat> ParseTableFormat(std::string_view name);

void WriteTable(const Table& table, TableFormat format, std::ostream& out);

// A number in its shortest form that reads back to the same double, in plain digits from 1e-4 to
// 1e16 ("0.1", "3", "20000", "0.00012") and in exponent form outside ("1e+20", "1.5e-07").
std::string FormatNumber(double value);

}  // namespace sculpt
