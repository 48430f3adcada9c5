#pragma once
// The `export` and `export_state` columns of `sculpt query DB --zoo`: the folder each zoo model
// was exported to (experiments/models/zoo_export_dir.h), and whether it still holds that model.
// A folder the run named by an absolute path is shown as it is; a relative one is shown from
// where the user named the database (the run put it beside its database, so a database moved
// with its folders still finds them). The state, for scripts as much as people: "ok"; "missing"
// (no architecture.json there, e.g. the database was copied without its folders); or "holds
// training run N" when the folder holds another model now (a later run of the same config
// exports to the same folders).
// Thread-safety: a stateless function, called by the thread that runs the command.

#include <string>

#include "experiments/store/store.h"
#include "experiments/store/table.h"

namespace sculpt {

// Adds the columns to `zoo` (ZooQuery's table, experiments/store/zoo_query.h), read from the
// experiments of `store`, opened from `db`.
void AddZooExportColumns(Table& zoo, const ResultStore& store, const std::string& db);

}  // namespace sculpt
