#pragma once
// The result store's schema: creating it in a new database, and checking that an existing file
// is a Sculpt database this build can read. Internal to the store (experiments/store*.cc).
// Thread-safety: called once per connection, right after opening it.

#include "experiments/sqlite_statement.h"

namespace sculpt::store_schema {

// Written into the SQLite header (PRAGMA application_id) so that Sculpt databases are
// recognisable even by `file(1)`: "SCLP".
inline constexpr int kApplicationId = 0x53434C50;

// Sets the connection's pragmas, then either creates the schema (an empty read-write database)
// or checks the existing one. Throws UserError for a file that is not a Sculpt database or whose
// schema version is newer than kStoreSchemaVersion.
void Prepare(const sqlite::Database& db);

}  // namespace sculpt::store_schema
