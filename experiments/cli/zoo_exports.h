#pragma once
// The `export` column of `sculpt query DB --zoo`: the folder each zoo model was exported to
// (experiments/models/zoo_export_dir.h), as a path from where the user stands (the database's
// path as given, with the folder where the run put it beside the database), and whether the
// folder still holds that model. A later run of the same config exports to the same folders, so
// an older experiment's row says "(now holds run N)" instead of pointing at another network;
// "(missing)" when the folder or its architecture.json is gone.
// Thread-safety: a stateless function, called by the thread that runs the command.

#include <string>

#include "experiments/store/store.h"
#include "experiments/store/table.h"

namespace sculpt {

// Adds the column to `zoo` (ZooQuery's table, experiments/store/zoo_query.h), read from the
// experiments of `store`, opened from `db`.
void AddZooExportColumn(Table& zoo, const ResultStore& store, const std::string& db);

}  // namespace sculpt
