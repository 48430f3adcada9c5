#include "experiments/store/store_schema.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

#include "experiments/store/store.h"
#include "spaces/errors.h"

namespace sculpt::store_schema {
namespace {

// Whether this process may create files in the folder that holds `path`.
bool FolderWritable(const std::string& path) {
  const std::filesystem::path file(path);
  const std::filesystem::path folder =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  return ::access(folder.c_str(), W_OK) == 0;
}

// Version 2. Each version after the first migrates from the one before it in Prepare(); files
// never silently change meaning. docs/SCHEMA.md documents every table and view.
//
// What changed from version 1: repeats (proposals answered from the cache, most rows of a long
// search) left the candidates table for compact rows, one per batch: version 1 spent about 3 µs
// of SQLite work per repeat on a 14-column row and two index entries. `candidates` is now a view
// with version 1's columns over the evaluations and the expanded repeats, so queries written
// for version 1 read the same rows.
// The tables version 2 shares unchanged with version 1.
constexpr const char* kSchemaV2Shared = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE experiments (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL,
  config           TEXT NOT NULL,
  space            TEXT NOT NULL,
  strategy         TEXT NOT NULL,
  objective_metric TEXT NOT NULL,
  objective_goal   TEXT NOT NULL CHECK (objective_goal IN ('maximize', 'minimize')),
  seed             INTEGER NOT NULL,
  sculpt_version   TEXT NOT NULL,
  status           TEXT NOT NULL
                   CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
  created_at       TEXT NOT NULL,
  finished_at      TEXT,
  summary          TEXT,
  strategy_state   TEXT
);
CREATE INDEX experiments_by_name ON experiments (name);
)sql";

// The rest of version 2.
constexpr const char* kSchemaV2Own = R"sql(
-- Every proposal that is not a repeat: evaluated (ok or failed) or rejected before evaluation
-- (infeasible). One per canonical class per experiment.
CREATE TABLE evaluations (
  id             INTEGER PRIMARY KEY,
  experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  step           INTEGER NOT NULL,
  arch           TEXT NOT NULL,
  hash           TEXT NOT NULL,
  strategy       TEXT NOT NULL,
  origin         TEXT NOT NULL,
  parent_step    INTEGER,
  status         TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'infeasible')),
  error          TEXT,
  objective      REAL,
  metrics        TEXT,
  eval_seconds   REAL NOT NULL,
  finished_at    REAL NOT NULL
);
CREATE UNIQUE INDEX evaluations_by_step ON evaluations (experiment_id, step);
CREATE INDEX evaluations_by_hash ON evaluations (experiment_id, hash);
-- Serves `sculpt query --top` and the best objective per experiment.
CREATE INDEX evaluations_by_objective ON evaluations (experiment_id, objective)
  WHERE status = 'ok';

-- Every distinct string form an experiment proposed, numbered from 0 in first-proposal order;
-- repeats name their architecture by this number.
CREATE TABLE architectures (
  experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  id            INTEGER NOT NULL,
  arch          TEXT NOT NULL,
  PRIMARY KEY (experiment_id, id)
) WITHOUT ROWID;

-- The repeats of one engine batch: `repeats` is a JSON array with one
-- [step, architecture id, repeat_of_step, parent_step, origin] per repeat, in step order.
CREATE TABLE repeat_batches (
  experiment_id INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  first_step    INTEGER NOT NULL,
  count         INTEGER NOT NULL,
  strategy      TEXT NOT NULL,
  finished_at   REAL NOT NULL,
  repeats       TEXT NOT NULL,
  UNIQUE (experiment_id, first_step)
);
)sql"
    R"sql(
CREATE TABLE training_runs (
  id            INTEGER PRIMARY KEY,
  experiment_id INTEGER REFERENCES experiments (id) ON DELETE CASCADE,
  candidate_id  INTEGER REFERENCES evaluations (id) ON DELETE CASCADE,
  kind          TEXT NOT NULL CHECK (kind IN ('supernet', 'retrain', 'train_eval')),
  status        TEXT NOT NULL
                CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
  config        TEXT NOT NULL,
  result        TEXT,
  started_at    TEXT NOT NULL,
  finished_at   TEXT
);
CREATE INDEX training_runs_by_experiment ON training_runs (experiment_id);
CREATE INDEX training_runs_by_candidate ON training_runs (candidate_id);

CREATE TABLE training_epochs (
  run_id         INTEGER NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
  epoch          INTEGER NOT NULL,
  train_loss     REAL,
  train_accuracy REAL,
  valid_loss     REAL,
  valid_accuracy REAL,
  lr             REAL,
  seconds        REAL,
  other          TEXT,
  recorded_at    TEXT NOT NULL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
)sql"
    R"sql(
-- Every repeat, one row each, with its evaluation's status and objective and that evaluation's
-- id (`evaluation_id`).
-- CROSS JOIN fixes the join order (SQLite's planner would otherwise start from evaluations):
-- each batch row is expanded once, and each repeat finds its architecture and its evaluation
-- through their keys.
CREATE VIEW repeats AS
SELECT b.experiment_id, json_extract(r.value, '$[0]') AS step, a.arch, e.hash, b.strategy,
       json_extract(r.value, '$[4]') AS origin, json_extract(r.value, '$[3]') AS parent_step,
       e.status, e.error, json_extract(r.value, '$[2]') AS repeat_of_step, e.objective,
       e.id AS evaluation_id, b.finished_at
FROM repeat_batches AS b
CROSS JOIN json_each(b.repeats) AS r
CROSS JOIN architectures AS a
  ON a.experiment_id = b.experiment_id AND a.id = json_extract(r.value, '$[1]')
CROSS JOIN evaluations AS e
  ON e.experiment_id = b.experiment_id AND e.step = json_extract(r.value, '$[2]');

-- Every proposal, repeats included, with version 1's columns: a repeat has no id and no
-- metrics of its own (they are on its evaluation, the row at repeat_of_step).
CREATE VIEW candidates AS
SELECT id, experiment_id, step, arch, hash, strategy, origin, parent_step, status, error,
       NULL AS repeat_of_step, objective, metrics, eval_seconds, finished_at
FROM evaluations
UNION ALL
SELECT NULL, experiment_id, step, arch, hash, strategy, origin, parent_step, status, error,
       repeat_of_step, objective, NULL, 0.0, finished_at
FROM repeats;

-- Every proposal with its metrics, a repeat's taken from the evaluation it repeats.
CREATE VIEW candidate_results AS
SELECT id, experiment_id, step, arch, hash, strategy, origin, parent_step, status, error,
       NULL AS repeat_of_step, 0 AS is_repeat, objective, metrics, eval_seconds, finished_at
FROM evaluations
UNION ALL
SELECT NULL, r.experiment_id, r.step, r.arch, r.hash, r.strategy, r.origin, r.parent_step,
       r.status, r.error, r.repeat_of_step, 1, r.objective, e.metrics, 0.0, r.finished_at
FROM repeats AS r CROSS JOIN evaluations AS e ON e.id = r.evaluation_id;

-- One row per metric per evaluation (repeats have no evaluation of their own).
CREATE VIEW candidate_metrics AS
SELECT c.experiment_id, c.id AS candidate_id, c.step, c.arch, c.status,
       m.key AS metric, m.value AS value
FROM evaluations AS c, json_each(c.metrics) AS m
WHERE c.metrics IS NOT NULL;

)sql"
    R"sql(
-- Learning curves with their run, ready to plot.
CREATE VIEW training_curves AS
SELECT r.id AS run_id, r.kind, r.experiment_id, r.candidate_id, t.epoch, t.train_loss,
       t.train_accuracy, t.valid_loss, t.valid_accuracy, t.lr, t.seconds, t.other
FROM training_runs AS r JOIN training_epochs AS t ON t.run_id = r.id;

-- The same in long form: one row per value per epoch, the `other` values included.
CREATE VIEW training_epoch_metrics AS
SELECT run_id, epoch, 'train_loss' AS metric, train_loss AS value
  FROM training_epochs WHERE train_loss IS NOT NULL
UNION ALL SELECT run_id, epoch, 'train_accuracy', train_accuracy
  FROM training_epochs WHERE train_accuracy IS NOT NULL
UNION ALL SELECT run_id, epoch, 'valid_loss', valid_loss
  FROM training_epochs WHERE valid_loss IS NOT NULL
UNION ALL SELECT run_id, epoch, 'valid_accuracy', valid_accuracy
  FROM training_epochs WHERE valid_accuracy IS NOT NULL
UNION ALL SELECT run_id, epoch, 'lr', lr FROM training_epochs WHERE lr IS NOT NULL
UNION ALL SELECT run_id, epoch, 'seconds', seconds FROM training_epochs WHERE seconds IS NOT NULL
UNION ALL SELECT t.run_id, t.epoch, m.key, m.value
  FROM training_epochs AS t, json_each(t.other) AS m WHERE t.other IS NOT NULL;
)sql";

// Version 1 to 2: the version-1 tables are renamed aside, version 2 is created, the rows are
// copied (repeats regrouped a hundred steps per batch row), and the old tables are dropped.
// Runs in one transaction with foreign keys off (SQLite's documented way to rebuild tables).
constexpr const char* kMigrateV1ToV2 = R"sql(
DROP VIEW candidate_results;
DROP VIEW candidate_metrics;
DROP VIEW experiment_summary;
DROP VIEW training_curves;
DROP VIEW training_epoch_metrics;
DROP INDEX candidates_by_step;
DROP INDEX candidates_by_hash;
DROP INDEX candidates_by_objective;
DROP INDEX training_runs_by_experiment;
DROP INDEX training_runs_by_candidate;
ALTER TABLE candidates RENAME TO v1_candidates;
ALTER TABLE training_runs RENAME TO v1_training_runs;
ALTER TABLE training_epochs RENAME TO v1_training_epochs;
)sql";

constexpr const char* kCopyV1ToV2 = R"sql(
INSERT INTO evaluations
SELECT id, experiment_id, step, arch, hash, strategy, origin, parent_step, status, error,
       objective, metrics, eval_seconds, finished_at
FROM v1_candidates WHERE repeat_of_step IS NULL;
INSERT INTO architectures
SELECT experiment_id, row_number() OVER (PARTITION BY experiment_id ORDER BY first_step) - 1, arch
FROM (SELECT experiment_id, arch, min(step) AS first_step FROM v1_candidates
      GROUP BY experiment_id, arch);
INSERT INTO repeat_batches
SELECT experiment_id, min(step), count(*), min(strategy), max(finished_at),
       json_group_array(json(entry))
FROM (SELECT c.experiment_id, c.step, c.strategy, c.finished_at, c.step / 100 AS batch,
             json_array(c.step, a.id, c.repeat_of_step, c.parent_step, c.origin) AS entry
      FROM v1_candidates AS c
      JOIN architectures AS a ON a.experiment_id = c.experiment_id AND a.arch = c.arch
      WHERE c.repeat_of_step IS NOT NULL
      ORDER BY c.experiment_id, c.step)
GROUP BY experiment_id, batch;
INSERT INTO training_runs SELECT * FROM v1_training_runs;
INSERT INTO training_epochs SELECT * FROM v1_training_epochs;
DROP TABLE v1_training_epochs;
DROP TABLE v1_training_runs;
DROP TABLE v1_candidates;
)sql";

// Version 1, kept to test the migration from it.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE experiments (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL,
  config           TEXT NOT NULL,
  space            TEXT NOT NULL,
  strategy         TEXT NOT NULL,
  objective_metric TEXT NOT NULL,
  objective_goal   TEXT NOT NULL CHECK (objective_goal IN ('maximize', 'minimize')),
  seed             INTEGER NOT NULL,
  sculpt_version   TEXT NOT NULL,
  status           TEXT NOT NULL
                   CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
  created_at       TEXT NOT NULL,
  finished_at      TEXT,
  summary          TEXT,
  strategy_state   TEXT
);
CREATE INDEX experiments_by_name ON experiments (name);

CREATE TABLE candidates (
  id             INTEGER PRIMARY KEY,
  experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  step           INTEGER NOT NULL,
  arch           TEXT NOT NULL,
  hash           TEXT NOT NULL,
  strategy       TEXT NOT NULL,
  origin         TEXT NOT NULL,
  parent_step    INTEGER,
  status         TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'infeasible')),
  error          TEXT,
  repeat_of_step INTEGER,
  objective      REAL,
  metrics        TEXT,
  eval_seconds   REAL NOT NULL,
  finished_at    REAL NOT NULL
);
CREATE UNIQUE INDEX candidates_by_step ON candidates (experiment_id, step);
-- Evaluations by canonical hash. Partial: repeats (most rows of a long search) point at their
-- evaluation through repeat_of_step, and indexing their random hashes would make every batch
-- rewrite pages all over the index.
CREATE INDEX candidates_by_hash ON candidates (experiment_id, hash) WHERE repeat_of_step IS NULL;
-- Serves `sculpt query --top` and the best objective per experiment.
CREATE INDEX candidates_by_objective ON candidates (experiment_id, objective)
  WHERE status = 'ok' AND repeat_of_step IS NULL;

CREATE TABLE training_runs (
  id            INTEGER PRIMARY KEY,
  experiment_id INTEGER REFERENCES experiments (id) ON DELETE CASCADE,
  candidate_id  INTEGER REFERENCES candidates (id) ON DELETE CASCADE,
  kind          TEXT NOT NULL CHECK (kind IN ('supernet', 'retrain', 'train_eval')),
  status        TEXT NOT NULL
                CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
  config        TEXT NOT NULL,
  result        TEXT,
  started_at    TEXT NOT NULL,
  finished_at   TEXT
);
CREATE INDEX training_runs_by_experiment ON training_runs (experiment_id);
CREATE INDEX training_runs_by_candidate ON training_runs (candidate_id);

CREATE TABLE training_epochs (
  run_id         INTEGER NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
  epoch          INTEGER NOT NULL,
  train_loss     REAL,
  train_accuracy REAL,
  valid_loss     REAL,
  valid_accuracy REAL,
  lr             REAL,
  seconds        REAL,
  other          TEXT,
  recorded_at    TEXT NOT NULL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

-- Every candidate with its metrics, a repeat's taken from the evaluation it repeats.
CREATE VIEW candidate_results AS
SELECT c.id, c.experiment_id, c.step, c.arch, c.hash, c.strategy, c.origin, c.parent_step,
       c.status, c.error, c.repeat_of_step, c.repeat_of_step IS NOT NULL AS is_repeat,
       c.objective, COALESCE(c.metrics, o.metrics) AS metrics, c.eval_seconds, c.finished_at
FROM candidates AS c
LEFT JOIN candidates AS o ON o.experiment_id = c.experiment_id AND o.step = c.repeat_of_step;

-- One row per metric per evaluation (repeats have no evaluation of their own).
CREATE VIEW candidate_metrics AS
SELECT c.experiment_id, c.id AS candidate_id, c.step, c.arch, c.status,
       m.key AS metric, m.value AS value
FROM candidates AS c, json_each(c.metrics) AS m
WHERE c.metrics IS NOT NULL;

-- One row per experiment with its counts and best objective (natural sign).
CREATE VIEW experiment_summary AS
SELECT e.id, e.name, e.space, e.strategy, e.objective_metric, e.objective_goal, e.seed, e.status,
       (SELECT count(*) FROM candidates AS c WHERE c.experiment_id = e.id) AS candidates,
       (SELECT count(*) FROM candidates AS c
        WHERE c.experiment_id = e.id AND c.status = 'ok' AND c.repeat_of_step IS NULL) AS evaluated,
       CASE e.objective_goal
         WHEN 'maximize' THEN
           (SELECT max(c.objective) FROM candidates AS c
            WHERE c.experiment_id = e.id AND c.status = 'ok' AND c.repeat_of_step IS NULL)
         ELSE
           (SELECT min(c.objective) FROM candidates AS c
            WHERE c.experiment_id = e.id AND c.status = 'ok' AND c.repeat_of_step IS NULL)
       END AS best_objective,
       e.created_at, e.finished_at
FROM experiments AS e;

-- Learning curves with their run, ready to plot.
CREATE VIEW training_curves AS
SELECT r.id AS run_id, r.kind, r.experiment_id, r.candidate_id, t.epoch, t.train_loss,
       t.train_accuracy, t.valid_loss, t.valid_accuracy, t.lr, t.seconds, t.other
FROM training_runs AS r JOIN training_epochs AS t ON t.run_id = r.id;

-- The same in long form: one row per value per epoch, the `other` values included.
CREATE VIEW training_epoch_metrics AS
SELECT run_id, epoch, 'train_loss' AS metric, train_loss AS value
  FROM training_epochs WHERE train_loss IS NOT NULL
UNION ALL SELECT run_id, epoch, 'train_accuracy', train_accuracy
  FROM training_epochs WHERE train_accuracy IS NOT NULL
UNION ALL SELECT run_id, epoch, 'valid_loss', valid_loss
  FROM training_epochs WHERE valid_loss IS NOT NULL
UNION ALL SELECT run_id, epoch, 'valid_accuracy', valid_accuracy
  FROM training_epochs WHERE valid_accuracy IS NOT NULL
UNION ALL SELECT run_id, epoch, 'lr', lr FROM training_epochs WHERE lr IS NOT NULL
UNION ALL SELECT run_id, epoch, 'seconds', seconds FROM training_epochs WHERE seconds IS NOT NULL
UNION ALL SELECT t.run_id, t.epoch, m.key, m.value
  FROM training_epochs AS t, json_each(t.other) AS m WHERE t.other IS NOT NULL;
)sql";

std::int64_t QueryInt(const sqlite::Database& db, const char* sql) {
  sqlite::Statement statement(db, sql);
  return statement.Step() ? statement.Int(0) : 0;
}

// Which process runs each experiment (experiments/store/process_identity.h), so that readers can
// tell a live run from one that was killed.
constexpr const char* kRunProcesses = R"sql(
CREATE TABLE IF NOT EXISTS run_processes (
  experiment_id INTEGER PRIMARY KEY REFERENCES experiments(id),
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  start TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
)sql";

// Which process runs (or last ran) each training run: a `sculpt train` killed while its
// experiment was not running is told from a live one by this alone. Added like run_processes.
constexpr const char* kTrainingProcesses = R"sql(
CREATE TABLE IF NOT EXISTS training_processes (
  run_id INTEGER PRIMARY KEY REFERENCES training_runs (id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  start TEXT NOT NULL
);
)sql";

// The block choices progressive shrinking dropped (supernet/blockwise/block_shrinking.h), by
// the training run of their block. Added after version 2 shipped, like run_processes.
constexpr const char* kDroppedChoices = R"sql(
CREATE TABLE IF NOT EXISTS dropped_choices (
  run_id  INTEGER NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
  epoch   INTEGER NOT NULL,
  block   TEXT NOT NULL,
  choice  TEXT NOT NULL,
  bin     INTEGER NOT NULL,
  cost    REAL NOT NULL,
  score   REAL NOT NULL
);
)sql";

// Repeats beyond an experiment's `stored_repeats` (docs/SCHEMA.md): one row per architecture
// string form, strategy and origin, counting them, so that a search circling in what it has seen grows
// the file by nothing once its repeats are numerous. Added after version 2 shipped, with the
// summary view that counts them; files of earlier Sculpts get both the next time one writes to
// them, with no version change (an older file has no such repeats to count).
constexpr const char* kRepeatCounts = R"sql(
CREATE TABLE repeat_counts (
  experiment_id  INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  arch_id        INTEGER NOT NULL,
  strategy       TEXT NOT NULL,
  origin         TEXT NOT NULL,
  count          INTEGER NOT NULL,
  repeat_of_step INTEGER NOT NULL,
  first_step     INTEGER NOT NULL,
  last_step      INTEGER NOT NULL,
  finished_at    REAL NOT NULL,
  PRIMARY KEY (experiment_id, arch_id, strategy, origin)
) WITHOUT ROWID;
DROP VIEW IF EXISTS experiment_summary;
-- One row per experiment with its counts and best objective (natural sign).
CREATE VIEW experiment_summary AS
SELECT e.id, e.name, e.space, e.strategy, e.objective_metric, e.objective_goal, e.seed, e.status,
       (SELECT count(*) FROM evaluations AS c WHERE c.experiment_id = e.id)
         + (SELECT coalesce(sum(b.count), 0) FROM repeat_batches AS b
            WHERE b.experiment_id = e.id)
         + (SELECT coalesce(sum(r.count), 0) FROM repeat_counts AS r
            WHERE r.experiment_id = e.id) AS candidates,
       (SELECT count(*) FROM evaluations AS c
        WHERE c.experiment_id = e.id AND c.status = 'ok') AS evaluated,
       CASE e.objective_goal
         WHEN 'maximize' THEN
           (SELECT max(c.objective) FROM evaluations AS c
            WHERE c.experiment_id = e.id AND c.status = 'ok')
         ELSE
           (SELECT min(c.objective) FROM evaluations AS c
            WHERE c.experiment_id = e.id AND c.status = 'ok')
       END AS best_objective,
       e.created_at, e.finished_at
FROM experiments AS e;
)sql";

void AddRepeatCounts(const sqlite::Database& db) {
  if (QueryInt(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'repeat_counts'") != 0) {
    return;
  }
  sqlite::Transaction transaction(db);
  // Another process may have added it between our check and our lock.
  if (QueryInt(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'repeat_counts'") != 0) {
    return;
  }
  db.Exec(kRepeatCounts);
  transaction.Commit();
}

void CreateSchema(const sqlite::Database& db) {
  sqlite::Transaction transaction(db);
  // Another process may have created it between our check and our lock.
  if (QueryInt(db, "SELECT count(*) FROM sqlite_schema") != 0) return;
  db.Exec(kSchemaV2Shared);
  db.Exec(kSchemaV2Own);
  sqlite::Statement meta(db, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
  meta.Bind(1, "schema_version").Bind(2, std::to_string(kStoreSchemaVersion)).Run();
  meta.Reset();
  meta.Bind(1, "application").Bind(2, "sculpt").Run();
  db.Exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  transaction.Commit();
}

// Returns the file's schema version after checking it can be read.
int CheckSchema(const sqlite::Database& db, std::int64_t application_id) {
  const std::string& path = db.Path();
  if (application_id != kApplicationId) {
    throw NotADatabase(path + " is not a Sculpt database (an SQLite database of another program)");
  }
  std::optional<std::string> version;
  try {
    sqlite::Statement statement(db, "SELECT value FROM meta WHERE key = 'schema_version'");
    if (statement.Step()) version = std::string(statement.Text(0));
  } catch (const UserError&) {
    // No meta table: reported below.
  }
  int number = 0;
  try {
    number = version ? std::stoi(*version) : 0;
  } catch (const std::exception&) {
    number = 0;
  }
  if (number < 1) {
    throw UserError(path +
                    " is a damaged Sculpt database: no valid schema_version in its meta table");
  }
  if (number > kStoreSchemaVersion) {
    throw UserError(path + " was written by a newer Sculpt (schema version " +
                    std::to_string(number) + "; this Sculpt reads versions up to " +
                    std::to_string(kStoreSchemaVersion) + "); upgrade Sculpt to read it");
  }
  return number;
}

[[noreturn]] void ThrowDamaged(const sqlite::Database& db, const std::string& problem) {
  const std::string check = "(SQLite's check: " + problem.substr(0, 300) + ")";
  const std::string recover = "copy what can still be read into a new one: sqlite3 " + db.Path() +
                              " .recover | sqlite3 recovered.sqlite";
  if (db.OpenMode() == sqlite::Database::Mode::kReadOnly) {
    throw DamagedDatabase(db.Path() + " is damaged " + check + "; " + recover);
  }
  throw DamagedDatabase(db.Path() + " is damaged, so nothing was written to it " + check +
                        ". Write to another database (--db), or " + recover);
}

// Refuses a damaged file before anything is written to it: SQLite finds a damaged page only
// when it reads it, so a run would otherwise append to a file whose older rows are lost. A
// quick_check reads every page once (about a second per few hundred megabytes).
void CheckIntact(const sqlite::Database& db) {
  std::string problem;
  try {
    sqlite::Statement check(db, "PRAGMA quick_check(3)");
    while (check.Step()) {
      const std::string line(check.Text(0));
      if (line == "ok") break;
      problem += (problem.empty() ? "" : "; ") + line;
    }
  } catch (const UserError& error) {
    problem = error.what();
  }
  if (!problem.empty()) ThrowDamaged(db, problem);
}

// Every table, view and index of the current schema is there: a file of the right version that
// lost one (a view dropped by hand) would run a whole search and fail on its first write.
void CheckComplete(const sqlite::Database& db) {
  static const std::regex kCreate(
      R"(CREATE\s+(UNIQUE\s+)?(TABLE|VIEW|INDEX|TRIGGER)\s+(IF\s+NOT\s+EXISTS\s+)?(\w+))",
      std::regex::icase);
  std::string missing;
  for (const char* schema : {kSchemaV2Shared, kSchemaV2Own}) {
    const std::string text(schema);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kCreate);
         it != std::sregex_iterator(); ++it) {
      sqlite::Statement find(db, "SELECT 1 FROM sqlite_schema WHERE name = ?1");
      find.Bind(1, (*it)[4].str());
      if (!find.Step()) {
        std::string kind = (*it)[2].str();
        std::transform(kind.begin(), kind.end(), kind.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        missing += (missing.empty() ? "" : ", ") + kind + " " + (*it)[4].str();
      }
    }
  }
  if (!missing.empty()) ThrowDamaged(db, "missing " + missing);
}

// Brings a version-1 file to version 2 in one transaction.
void MigrateFromVersion1(const sqlite::Database& db) {
  // Rebuilding tables that others reference needs foreign keys off, and the setting cannot
  // change inside a transaction.
  db.Exec("PRAGMA foreign_keys = OFF");
  sqlite::Transaction transaction(db);
  sqlite::Statement version(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  // Another process may have migrated it between our check and our lock.
  if (version.Step() && version.Text(0) == "1") {
    version.Reset();
    db.Exec(kMigrateV1ToV2);
    db.Exec(kSchemaV2Own);
    db.Exec(kCopyV1ToV2);
    db.Exec("UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    if (QueryInt(db, "SELECT count(*) FROM pragma_foreign_key_check") != 0) {
      throw UserError(db.Path() + ": upgrading from schema version 1 found rows whose references "
                      "are broken; the file was left unchanged");
    }
  } else {
    version.Reset();
  }
  transaction.Commit();
}

}  // namespace

bool IsJsonColumn(std::string_view table, std::string_view origin, std::string_view name) {
  // Every JSON column of version 2, as (table, column). docs/SCHEMA.md lists the same.
  static constexpr std::pair<std::string_view, std::string_view> kJsonColumns[] = {
      {"experiments", "config"},         {"experiments", "summary"},
      {"experiments", "strategy_state"}, {"evaluations", "metrics"},
      {"repeat_batches", "repeats"},     {"training_runs", "config"},
      {"training_runs", "result"},       {"training_epochs", "other"},
  };
  for (const auto& [json_table, json_column] : kJsonColumns) {
    if (!table.empty() ? table == json_table && origin == json_column : name == json_column) {
      return true;
    }
  }
  return false;
}

void CreateVersion1ForTesting(const sqlite::Database& db) {
  sqlite::Transaction transaction(db);
  db.Exec(kSchemaV1);
  db.Exec(
      "INSERT INTO meta (key, value) VALUES ('schema_version', '1'), ('application', 'sculpt')");
  db.Exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  transaction.Commit();
}

void Prepare(const sqlite::Database& db, bool may_create) {
  const bool read_only = db.OpenMode() == sqlite::Database::Mode::kReadOnly;
  // Wait for a writer in another process rather than fail at once.
  db.Exec("PRAGMA busy_timeout = 10000");
  std::int64_t application_id = 0;
  std::int64_t objects = 0;
  try {
    // The first read of the file: this is where SQLite notices a file that is not a database.
    application_id = QueryInt(db, "PRAGMA application_id");
    objects = QueryInt(db, "SELECT count(*) FROM sqlite_schema");
  } catch (const UserError& error) {
    if (std::string_view(error.what()).find("malformed") != std::string_view::npos) {
      ThrowDamaged(db, error.what());  // e.g. a file cut short
    }
    if (std::string_view(error.what()).find("unable to open database file") !=
            std::string_view::npos &&
        !FolderWritable(db.Path())) {
      // SQLite makes a WAL database's -wal and -shm files beside it; where it cannot (and a
      // read-only open could not be made immutable: a log with changes in it), the file is
      // fine, its folder is the problem.
      throw UserError(db.Path() + " cannot be opened: its folder cannot be written, and SQLite " +
                      (read_only ? "needs to keep its shared-memory file there to read the "
                                   "changes its write-ahead log still holds"
                                 : "keeps its write-ahead log there") +
                      "; copy the database with its -wal file to a folder you can write");
    }
    throw NotADatabase(db.Path() + " is not a Sculpt database (" + error.what() + ")");
  }
  if (read_only || !may_create) {
    if (objects == 0 && application_id == 0) {
      throw UserError(db.Path() + " holds no results yet: it is empty (a run that was killed "
                      "before it wrote anything leaves such a file; running it again with "
                      "--resume starts it anew)");
    }
  }
  if (read_only) {
    const int version = CheckSchema(db, application_id);
    if (version < kStoreSchemaVersion) {
      throw UserError(db.Path() + " was written by an older Sculpt (schema version " +
                      std::to_string(version) + "; this one writes " +
                      std::to_string(kStoreSchemaVersion) +
                      "). It is upgraded in place, keeping every row, the next time Sculpt "
                      "writes to it (`sculpt train` or `sculpt run --db`); nothing was changed");
    }
    CheckComplete(db);  // a view dropped by hand: named, not "no such table" later
    // Belt and braces: the connection is read-only already.
    db.Exec("PRAGMA query_only = ON");
    return;
  }
  if (objects == 0 && application_id == 0) {
    // WAL before the first table: readers (sculpt query) never block a running search.
    db.Exec("PRAGMA journal_mode = WAL");
    CreateSchema(db);
  } else {
    const int version = CheckSchema(db, application_id);
    CheckIntact(db);
    db.Exec("PRAGMA journal_mode = WAL");
    if (version == 1) MigrateFromVersion1(db);
    CheckComplete(db);
  }
  // Added after version 2 shipped, and only ever read when present: files of earlier Sculpts
  // get it the next time one writes to them, with no version change.
  db.Exec(kRunProcesses);
  db.Exec(kTrainingProcesses);
  db.Exec(kDroppedChoices);
  AddRepeatCounts(db);
  // NORMAL is durable across application crashes in WAL mode; only a power loss may drop the
  // last transactions, which a search can redo. FULL would sync on every batch.
  db.Exec(
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA foreign_keys = ON;"
      "PRAGMA cache_size = -65536;"  // 64 MiB: the hash index takes random inserts
      "PRAGMA temp_store = MEMORY;");
}

}  // namespace sculpt::store_schema
