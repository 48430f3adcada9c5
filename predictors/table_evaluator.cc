// The table evaluator: metrics looked up in a CSV tabular benchmark. A row's key is parsed with
// the space's own parser, so a table that does not belong to the space is rejected up front and
// look-ups are by Architecture value, not by text. A cell that is not a number (a run that
// crashed, "N/A") fails that row's candidate with the reason, as a NaN does, rather than the
// whole table; a column with no number at all is a config error.

#include <set>
#include <utility>
#include <unordered_map>

#include "spaces/csv_table.h"
#include "predictors/evaluators.h"
#include "spaces/did_you_mean.h"
#include "spaces/search_space.h"

namespace sculpt {
namespace {

class TableEvaluator final : public Evaluator {
 public:
  TableEvaluator(std::vector<std::string> visible, std::vector<std::string> reported,
                 std::unordered_map<Architecture, Metrics, ArchitectureHash> rows,
                 std::unordered_map<Architecture, std::string, ArchitectureHash> bad_rows,
                 const SearchSpace& space)
      : visible_(std::move(visible)), reported_(std::move(reported)), rows_(std::move(rows)),
        bad_rows_(std::move(bad_rows)), space_(space) {}

  Metrics Evaluate(const Architecture& arch, const EvalContext& /*context*/) const override {
    if (auto bad = bad_rows_.find(arch); bad != bad_rows_.end()) throw UserError(bad->second);
    auto it = rows_.find(arch);
    if (it == rows_.end()) throw UserError("no row for " + space_.Format(arch) + " in the table");
    return it->second;
  }

  std::vector<std::string> VisibleMetrics() const override { return visible_; }
  std::vector<std::string> ReportedMetrics() const override { return reported_; }

 private:
  std::vector<std::string> visible_;
  std::vector<std::string> reported_;
  std::unordered_map<Architecture, Metrics, ArchitectureHash> rows_;
  // Rows with a cell that is not a number, and why.
  std::unordered_map<Architecture, std::string, ArchitectureHash> bad_rows_;
  const SearchSpace& space_;
};

}  // namespace

std::unique_ptr<Evaluator> MakeTableEvaluator(Options& options, const EvaluatorContext& context) {
  const std::string path_text = options.RequiredString("path");
  const std::string key = options.String("key", "arch");
  const std::vector<std::string> visible = options.Strings("objective", {});
  const std::vector<std::string> reported = options.Strings("report", {});
  if (path_text.empty()) {
    // RequiredString reported a missing key; an empty one is an error of its own.
    if (options.Has("path")) options.Error("path", "must not be empty");
    return nullptr;
  }
  if (visible.empty()) options.Error("objective", "name at least one column a strategy may see");
  // A column named twice (or in both lists) is a mistake, and 100,000 of them cost a minute.
  std::set<std::string> named;
  for (const auto& [field, names] : {std::pair{"objective", &visible}, std::pair{"report", &reported}}) {
    for (const std::string& name : *names) {
      if (!named.insert(name).second) {
        options.Error(field, "names column '" + name.substr(0, 80) + "' more than once");
        return nullptr;
      }
    }
  }

  const std::optional<CsvTable> read =
      ReadCsvOption(options, "path", path_text, context.base_dir);
  if (!read) return nullptr;
  const CsvTable& table = *read;
  const std::filesystem::path& path = table.Path();

  auto column_of = [&](const std::string& field, const std::string& name) -> std::optional<std::size_t> {
    std::optional<std::size_t> index = table.ColumnIndex(name);
    if (!index) options.Error(field, table.NoColumnMessage(name));
    return index;
  };
  const std::optional<std::size_t> key_column = column_of("key", key);
  std::vector<std::pair<std::string, std::size_t>> metric_columns;
  for (const auto* names : {&visible, &reported}) {
    for (const std::string& name : *names) {
      if (auto index = column_of(names == &visible ? "objective" : "report", name)) {
        metric_columns.emplace_back(name, *index);
      }
    }
  }
  if (!key_column || metric_columns.size() != visible.size() + reported.size()) return nullptr;

  std::unordered_map<Architecture, Metrics, ArchitectureHash> rows;
  std::unordered_map<Architecture, std::string, ArchitectureHash> bad_rows;
  std::vector<std::size_t> numbers(metric_columns.size(), 0);  // per column
  std::size_t line = 1;
  for (const std::vector<std::string>& row : table.Rows()) {
    ++line;
    const std::string where = path.string() + " row " + std::to_string(line);
    Architecture arch;
    try {
      arch = context.space->Parse(row[*key_column]);
    } catch (const UserError& error) {
      options.Error("path", where + ": " + error.what());
      return nullptr;
    }
    Metrics metrics;
    std::string bad;
    for (std::size_t c = 0; c < metric_columns.size(); ++c) {
      const auto& [name, index] = metric_columns[c];
      if (std::optional<double> value = ParseCsvNumber(row[index])) {
        metrics.emplace(name, *value);
        ++numbers[c];
      } else if (bad.empty()) {
        bad = where + ": column '" + name + "' is not a number: '" + row[index].substr(0, 80) +
              (row[index].size() > 80 ? "...'" : "'");
      }
    }
    if (rows.contains(arch) || bad_rows.contains(arch)) {
      options.Error("path", where + ": duplicate architecture " + row[*key_column]);
      return nullptr;
    }
    if (bad.empty()) {
      rows.emplace(std::move(arch), std::move(metrics));
    } else {
      bad_rows.emplace(std::move(arch), std::move(bad));
    }
  }
  if (rows.empty() && bad_rows.empty()) {
    // Every candidate would fail for want of a row.
    options.Error("path", path.string() + " has a header but no rows");
    return nullptr;
  }
  for (std::size_t c = 0; c < metric_columns.size(); ++c) {
    if (numbers[c] == 0) {
      // Not a few bad cells but a column of text: every candidate would fail.
      options.Error(c < visible.size() ? "objective" : "report",
                    "column '" + metric_columns[c].first + "' of " + path.string() +
                        " holds no number in any row");
      return nullptr;
    }
  }
  return std::make_unique<TableEvaluator>(visible, reported, std::move(rows),
                                          std::move(bad_rows), *context.space);
}

}  // namespace sculpt
