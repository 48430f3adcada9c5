#include "experiments/cli/zoo_exports.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "experiments/cli/export_folder.h"
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
    const std::optional<double> experiment = CellNumber(row[experiment_column]);
    const std::optional<double> budget = CellNumber(row[budget_column]);
    const std::optional<double> run = CellNumber(row[run_column]);
    const auto* metric = std::get_if<std::string>(&row[metric_column]);
    const std::optional<ExperimentInfo> info =
        experiment ? store.FindExperiment(std::to_string(static_cast<std::int64_t>(*experiment)))
                   : std::nullopt;
    if (info && budget && run && metric != nullptr && info->config.is_object()) {
      const nlohmann::json& config = info->config;
      const nlohmann::json final_block = config.value("final", nlohmann::json::object());
      if (final_block.is_object() && final_block.value("export", nlohmann::json()).is_string() &&
          config.value("storage", nlohmann::json()).is_string()) {
        const fs::path folder = ExportFolderFromHere(
            ZooExportDir(final_block["export"].get<std::string>(), *metric, *budget),
            config["storage"].get<std::string>(), db);
        folder_cell = folder.string();
        state_cell = ExportFolderState(folder, static_cast<std::int64_t>(*run));
      }
    }
    row.push_back(std::move(folder_cell));
    row.push_back(std::move(state_cell));
  }
}

}  // namespace sculpt
