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
// or checks the existing one, upgrading an older version in place (read-write only). Throws
// UserError for a file that is not a Sculpt database, whose schema version is newer than
// kStoreSchemaVersion, or (read-only) older.
void Prepare(const sqlite::Database& db);

// Creates the version-1 schema in an empty database (tests of the upgrade).
void CreateVersion1ForTesting(const sqlite::Database& db);

}  // namespace sculpt::store_schema
