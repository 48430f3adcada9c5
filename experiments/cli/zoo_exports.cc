#include "experiments/cli/zoo_exports.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "experiments/models/zoo_export_dir.h"
#include "spaces/errors.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

std::size_t ColumnOf(const Table& table, const std::string& name) {
  const auto found = std::find(table.columns.begin(), table.columns.end(), name);
  SCULPT_ASSERT(found != table.columns.end(), "the zoo query has no column " + name);
  return static_cast<std::size_t>(found - table.columns.begin());
}

std::optional<double> Number(const Cell& cell) {
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&cell)) return *d;
  return std::nullopt;
}

// `folder` as the run named it, beside its database `storage`, seen from where `db` is.
fs::path FromHere(const fs::path& folder, const fs::path& storage, const fs::path& db) {
  if (folder.is_absolute()) return folder;
  auto anchored = [](const fs::path& p) {
    return (p.is_absolute() ? p : "." / p).lexically_normal();
  };
  const fs::path relative = anchored(folder).lexically_relative(anchored(storage).parent_path());
  if (relative.empty()) return folder;
  // A link to the database: its folders are beside the file it names.
  std::error_code error;
  const fs::path real = fs::is_symlink(db, error) ? fs::canonical(db, error) : db;
  return (anchored(error ? db : real).parent_path() / relative).lexically_normal();
}

// Whether `folder` holds training run `run`'s model: "ok", "missing" or "holds training run N".
std::string State(const fs::path& folder, std::int64_t run) {
  std::ifstream in(folder / "architecture.json");
  if (!in) return "missing";
  const nlohmann::json document = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  const nlohmann::json* retrain =
      document.is_object() && document.contains("retrain") ? &document["retrain"] : nullptr;
  if (retrain != nullptr && retrain->is_object() && retrain->contains("training_run") &&
      (*retrain)["training_run"].is_number_integer()) {
    const auto holds = (*retrain)["training_run"].get<std::int64_t>();
    return holds == run ? "ok" : "holds training run " + std::to_string(holds);
  }
  return "holds another export";
}

}  // namespace

void AddZooExportColumns(Table& zoo, const ResultStore& store, const std::string& db) {
  const std::size_t experiment_column = ColumnOf(zoo, "experiment");
  const std::size_t metric_column = ColumnOf(zoo, "metric");
  const std::size_t budget_column = ColumnOf(zoo, "budget");
  const std::size_t run_column = ColumnOf(zoo, "training_run");
  zoo.columns.push_back("export");
  zoo.columns.push_back("export_state");
  for (std::vector<Cell>& row : zoo.rows) {
    Cell folder_cell;  // NULL where the row or its experiment's config says too little
    Cell state_cell;
    const std::optional<double> experiment = Number(row[experiment_column]);
    const std::optional<double> budget = Number(row[budget_column]);
    const std::optional<double> run = Number(row[run_column]);
    const auto* metric = std::get_if<std::string>(&row[metric_column]);
    const std::optional<ExperimentInfo> info =
        experiment ? store.FindExperiment(std::to_string(static_cast<std::int64_t>(*experiment)))
                   : std::nullopt;
    if (info && budget && run && metric != nullptr && info->config.is_object()) {
      const nlohmann::json& config = info->config;
      const nlohmann::json final_block = config.value("final", nlohmann::json::object());
      if (final_block.is_object() && final_block.value("export", nlohmann::json()).is_string() &&
          config.value("storage", nlohmann::json()).is_string()) {
        const fs::path folder =
            FromHere(ZooExportDir(final_block["export"].get<std::string>(), *metric, *budget),
                     config["storage"].get<std::string>(), db);
        folder_cell = folder.string();
        state_cell = State(folder, static_cast<std::int64_t>(*run));
      }
    }
    row.push_back(std::move(folder_cell));
    row.push_back(std::move(state_cell));
  }
}

}  // namespace sculpt
