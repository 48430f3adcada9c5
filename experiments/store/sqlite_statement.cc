#include "experiments/store/sqlite_statement.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "spaces/errors.h"

namespace sculpt::sqlite {

namespace {

// The name SQLite opens for `path`, which is always a file's: SQLite reads a name that begins
// with "file:" as a URI ("file:runs/x.sqlite?mode=memory" would keep every result in memory, and
// "file:a/b.sqlite" would not open the folder "file:a"), so such a name is made explicitly
// relative. (":memory:", an in-memory database, is kept for tests.)
std::string FileName(const std::string& path) {
  return path.starts_with("file:") ? "./" + path : path;
}

// A read-only connection cannot remove a WAL database's -wal and -shm files when it closes; only
// one that may write can. So every `sculpt query` of a database its run had closed cleanly left
// two files beside it. Where the log is empty there is nothing to fold back into the database,
// and a connection that may write, opened and closed at once, removes them when it is the last
// connection of any process: SQLite decides that under its own locks, so a running search keeps
// its files. A log with frames in it (a writer was killed) is left for the next writer to recover.
void RemoveEmptyLog(const std::string& path) {
  std::error_code error;
  const std::filesystem::path log(path + "-wal");
  if (!std::filesystem::is_regular_file(log, error)) return;
  if (std::filesystem::file_size(log, error) != 0 || error) return;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(FileName(path).c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      nullptr) == SQLITE_OK) {
    // The log is opened with the first read; a connection that never read leaves it alone.
    sqlite3_exec(db, "PRAGMA schema_version", nullptr, nullptr, nullptr);
  }
  sqlite3_close_v2(db);  // a file that cannot be opened for writing keeps its log files
}

// A WAL database whose folder cannot be written (read-only media, a locked-down share) can be
// read only if its -shm file exists, or as immutable: SQLite needs that file to coordinate with
// writers, and there can be none where no -wal can be made. Not where a log holds frames (a
// writer was killed): immutable would read the file without them.
bool ReadAsImmutable(const std::string& path) {
  if (path == ":memory:") return false;
  std::error_code error;
  const std::filesystem::path file(path);
  const std::filesystem::path folder =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (::access(folder.c_str(), W_OK) == 0) return false;
  if (std::filesystem::exists(path + "-shm", error)) return false;
  const std::filesystem::path log(path + "-wal");
  return !std::filesystem::exists(log, error) || std::filesystem::file_size(log, error) == 0;
}

// `path` as an SQLite URI with `query` ("file:/a%3Fb.sqlite?immutable=1").
std::string FileUri(const std::string& path, const std::string& query) {
  std::string uri = "file:";
  // "//tmp/x" would name a host "tmp": one leading slash is the same path.
  const std::size_t skip = path.starts_with("//") ? path.find_first_not_of('/') - 1 : 0;
  for (const char c : std::string_view(path).substr(skip)) {
    if (c == '%' || c == '?' || c == '#') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      uri += '%';
      uri += kHex[(static_cast<unsigned char>(c) >> 4) & 0xF];
      uri += kHex[static_cast<unsigned char>(c) & 0xF];
    } else {
      uri += c;
    }
  }
  return uri + "?" + query;
}

// SQLite's result codes for a machine that failed, not a database or statement that is wrong.
bool MachineFailed(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_NOMEM;
}

[[noreturn]] void ThrowFor(int code, const std::string& message) {
  if (MachineFailed(code)) throw SystemFailure(message);
  throw UserError(message);
}

}  // namespace

Database::Database(const std::string& path, Mode mode) : path_(path), mode_(mode) {
  if (path.empty()) throw UserError("no database file named (an empty path)");
  // FULLMUTEX is not needed: the store promises one thread at a time per connection.
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |=
      mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const bool immutable = mode == Mode::kReadOnly && ReadAsImmutable(path);
  const int rc = immutable ? sqlite3_open_v2(FileUri(path, "immutable=1").c_str(), &db_,
                                             flags | SQLITE_OPEN_URI, nullptr)
                           : sqlite3_open_v2(FileName(path).c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    // SQLite says only "unable to open database file"; a new database in a folder nobody may
    // write (a read-only mount) is the common case, and the system says why.
    const std::filesystem::path file(path);
    const std::filesystem::path folder =
        file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (mode != Mode::kReadOnly && ::access(folder.c_str(), W_OK) != 0) {
      message +=
          " (its folder " + folder.string() + " cannot be written: " + std::strerror(errno) + ")";
    }
    ThrowFor(rc, "cannot open database " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  sqlite3_close_v2(db_);
  if (mode_ == Mode::kReadOnly) RemoveEmptyLog(path_);
}

void Database::Fail(std::string_view what) const {
  ThrowFor(sqlite3_extended_errcode(db_),
           "database " + path_ + ": " + sqlite3_errmsg(db_) + " (" + std::string(what) + ")");
}

void Database::Exec(const std::string& sql) const {
  char* message = nullptr;
  if (const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message); rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    ThrowFor(rc, "database " + path_ + ": " + text);
  }
}

std::int64_t Database::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t Database::Changes() const { return sqlite3_changes64(db_); }

Statement::Statement(const Database& db, std::string_view sql, bool persistent,
                     std::string_view* tail)
    : db_(db) {
  const char* end = nullptr;
  const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  if (const int rc = sqlite3_prepare_v3(db.Handle(), sql.data(), static_cast<int>(sql.size()),
                                        flags, &stmt_, &end);
      rc != SQLITE_OK) {
    ThrowFor(rc, "database " + db.Path() + ": " + sqlite3_errmsg(db.Handle()));
  }
  if (tail != nullptr) *tail = sql.substr(static_cast<std::size_t>(end - sql.data()));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

bool Statement::ReadOnly() const { return stmt_ == nullptr || sqlite3_stmt_readonly(stmt_) != 0; }

Statement& Statement::Bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.Fail("bind");
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) db_.Fail("bind");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
      SQLITE_OK) {
    db_.Fail("bind");
  }
  return *this;
}

Statement& Statement::BindStatic(int index, std::string_view text) {
  if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8) !=
      SQLITE_OK) {
    db_.Fail("bind");
  }
  return *this;
}

Statement& Statement::Bind(int index, std::optional<double> value) {
  return value && !std::isnan(*value) ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.Fail("bind");
  return *this;
}

bool Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // The statement's error is reported on the connection; reset so the statement can be reused.
  std::string message = sqlite3_errmsg(db_.Handle());
  sqlite3_reset(stmt_);
  if (MachineFailed(rc)) throw SystemFailure("database " + db_.Path() + ": " + message);
  throw StepError("database " + db_.Path() + ": " + message, rc & 0xff);
}

void Statement::Run() {
  while (Step()) {
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::Rewind() { sqlite3_reset(stmt_); }

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

std::string Statement::ColumnName(int column) const {
  const char* name = sqlite3_column_name(stmt_, column);
  return name != nullptr ? name : "";
}

std::string Statement::ColumnTable(int column) const {
  const char* name = sqlite3_column_table_name(stmt_, column);
  return name != nullptr ? name : "";
}

std::string Statement::ColumnOrigin(int column) const {
  const char* name = sqlite3_column_origin_name(stmt_, column);
  return name != nullptr ? name : "";
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

bool Statement::IsInteger(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_INTEGER;
}

bool Statement::IsReal(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_FLOAT;
}

bool Statement::IsBlob(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_BLOB;
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return std::string(Text(column));
}

std::optional<double> Statement::OptionalReal(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Real(column);
}

std::optional<std::int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

Transaction::Transaction(const Database& db) : db_(db) { db_.Exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  // Rolling back cannot usefully fail here; a failed ROLLBACK leaves SQLite's own recovery to work.
  if (!done_) sqlite3_exec(db_.Handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::Commit() {
  db_.Exec("COMMIT");
  done_ = true;
}

}  // namespace sculpt::sqlite
