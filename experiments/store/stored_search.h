#pragma once
// The stored steps of an experiment's search, read back from the database for a resumed
// `sculpt run` (search/stored_run.h says how the engine uses them). Internal to the store; users
// get it from ResultStore::StoredSearch.
// Reads everything at once (an evaluation per canonical class, a few hundred bytes each; the
// repeats are only counted). Thread-safety: the returned object is immutable.

#include <cstdint>
#include <memory>

#include "experiments/store/sqlite_statement.h"
#include "search/stored_run.h"

namespace sculpt {

std::unique_ptr<StoredRun> ReadStoredSearch(const sqlite::Database& db,
                                            std::int64_t experiment_id);

}  // namespace sculpt
