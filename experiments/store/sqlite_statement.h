#pragma once
// Thin RAII wrappers over a SQLite connection, a prepared statement and a transaction. They exist
// for the result store only: no other part of Sculpt talks to SQLite (storage is its own room).
// Every SQLite error becomes a UserError naming the database file and SQLite's own message:
// a busy, full or corrupt database is a runtime failure, not a bug. A full disk, an I/O error or
// exhausted memory is a SystemFailure (spaces/errors.h), never a StepError.
// Thread-safety: as the sqlite3 objects themselves: one thread at a time per connection and its
// statements.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spaces/errors.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sculpt::sqlite {

// An error SQLite reported while running a prepared statement, with its primary result code
// (SQLITE_ERROR, SQLITE_CORRUPT...), so that a caller can tell a statement's own fault (a
// function given bad arguments, an unauthorized call) from a damaged or busy database.
class StepError : public UserError {
 public:
  StepError(const std::string& message, int code) : UserError(message), code_(code) {}
  int Code() const { return code_; }

 private:
  int code_;
};

class Database {
 public:
  enum class Mode {
    kReadWrite,  // creates the file when missing
    kReadOnly,   // the file must exist; no row is ever written (closing it removes an empty
                 // write-ahead log and its -shm file where no other connection is open)
  };

  // Opens `path` (":memory:" is an in-memory database). Throws UserError.
  Database(const std::string& path, Mode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* Handle() const { return db_; }
  const std::string& Path() const { return path_; }
  Mode OpenMode() const { return mode_; }

  // Runs one or more statements that return no rows (DDL, pragmas, BEGIN/COMMIT).
  void Exec(const std::string& sql) const;
  std::int64_t LastInsertId() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t Changes() const;

  // "database PATH: MESSAGE (what)", SQLite's latest message on this connection.
  [[noreturn]] void Fail(std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  Mode mode_;
};

class Statement {
 public:
  // Prepares the first statement of `sql`; `persistent` tells SQLite it will be reused many times.
  // When `tail` is not null it receives the unparsed rest of `sql`.
  Statement(const Database& db, std::string_view sql, bool persistent = false,
            std::string_view* tail = nullptr);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // True when `sql` held nothing but whitespace and comments (there is no statement to run).
  bool Empty() const { return stmt_ == nullptr; }
  bool ReadOnly() const;

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, double value);           // NaN binds as NULL (SQLite's own rule)
  Statement& Bind(int index, std::string_view text);  // copied by SQLite
  // Not copied: `text` must stay alive and unchanged until the next Step/Reset/Rewind. For the
  // hot insert loop.
  Statement& BindStatic(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, std::optional<double> value);
  Statement& BindNull(int index);

  // Advances to the next row: true when a row is available, false when the statement is done.
  // Throws StepError.
  bool Step();
  // Runs a statement that returns no rows.
  void Run();
  // Makes the statement ready to run again, all parameters unbound (NULL).
  void Reset();
  // Makes the statement ready to run again, keeping the bindings (cheaper when every
  // parameter is bound again anyway).
  void Rewind();

  int ColumnCount() const;
  std::string ColumnName(int column) const;
  // The table and column a result column reads, when it reads one directly ("" for an
  // expression; SQLite may not trace a view over UNION ALL either).
  std::string ColumnTable(int column) const;
  std::string ColumnOrigin(int column) const;
  bool IsNull(int column) const;
  bool IsInteger(int column) const;
  bool IsReal(int column) const;
  bool IsBlob(int column) const;
  std::int64_t Int(int column) const;
  double Real(int column) const;
  // Valid until the next Step/Reset.
  std::string_view Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  std::optional<double> OptionalReal(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;

 private:
  const Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; rolls back on destruction unless Commit() was called, so an
// exception half-way through a batch leaves the database as it was.
class Transaction {
 public:
  explicit Transaction(const Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void Commit();

 private:
  const Database& db_;
  bool done_ = false;
};

}  // namespace sculpt::sqlite
