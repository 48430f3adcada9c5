#pragma once
// The result store's schema: creating it in a new database, and checking that an existing file
// is a Sculpt database this build can read. Internal to the store (experiments/store*.cc).
// Thread-safety: called once per connection, right after opening it.

#include <string_view>

#include "experiments/store/sqlite_statement.h"

namespace sculpt::store_schema {

// Written into the SQLite header (PRAGMA application_id) so that Sculpt databases are
// recognisable even by `file(1)`: "SCLP".
inline constexpr int kApplicationId = 0x53434C50;

// Sets the connection's pragmas, then either creates the schema (an empty read-write database,
// when `may_create`) or checks the existing one, upgrading an older version in place (read-write
// only). Throws UserError for a file that is not a Sculpt database (NotADatabase), whose schema
// version is newer than kStoreSchemaVersion, or (read-only) older, and for an empty one that
// is read-only or may not be created.
void Prepare(const sqlite::Database& db, bool may_create = true);

// Whether a result column holds one of the schema's JSON documents (metrics, config, ...): by
// the table and column it reads when SQLite can tell (Statement::ColumnTable/ColumnOrigin), else
// by its name, as for the `candidates` view, whose UNION ALL hides where a column comes from.
bool IsJsonColumn(std::string_view table, std::string_view origin, std::string_view name);

// Creates the version-1 schema in an empty database (tests of the upgrade).
void CreateVersion1ForTesting(const sqlite::Database& db);

}  // namespace sculpt::store_schema
