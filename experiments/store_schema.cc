#include "experiments/store_schema.h"

#include <string>

#include "experiments/store.h"
#include "spaces/errors.h"

namespace sculpt::store_schema {
namespace {

// Version 1. A later version adds a migration from the previous one in Prepare(); files never
// silently change meaning. docs/SCHEMA.md documents every table and view.
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

void CreateSchema(const sqlite::Database& db) {
  sqlite::Transaction transaction(db);
  // Another process may have created it between our check and our lock.
  if (QueryInt(db, "SELECT count(*) FROM sqlite_schema") != 0) return;
  db.Exec(kSchemaV1);
  sqlite::Statement meta(db, "INSERT INTO meta (key, value) VALUES (?1, ?2)");
  meta.Bind(1, "schema_version").Bind(2, std::to_string(kStoreSchemaVersion)).Run();
  meta.Reset();
  meta.Bind(1, "application").Bind(2, "sculpt").Run();
  db.Exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  transaction.Commit();
}

void CheckSchema(const sqlite::Database& db, std::int64_t application_id) {
  const std::string& path = db.Path();
  if (application_id != kApplicationId) {
    throw UserError(path + " is not a Sculpt database (an SQLite database of another program)");
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
}

}  // namespace

void Prepare(const sqlite::Database& db) {
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
    throw UserError(db.Path() + " is not a Sculpt database (" + error.what() + ")");
  }
  if (read_only) {
    if (objects == 0 && application_id == 0) {
      throw UserError(db.Path() + " is not a Sculpt database (it is empty)");
    }
    CheckSchema(db, application_id);
    // Belt and braces: the connection is read-only already.
    db.Exec("PRAGMA query_only = ON");
    return;
  }
  if (objects == 0 && application_id == 0) {
    // WAL before the first table: readers (sculpt query) never block a running search.
    db.Exec("PRAGMA journal_mode = WAL");
    CreateSchema(db);
  } else {
    CheckSchema(db, application_id);
    db.Exec("PRAGMA journal_mode = WAL");
  }
  // NORMAL is durable across application crashes in WAL mode; only a power loss may drop the
  // last transactions, which a search can redo. FULL would sync on every batch.
  db.Exec(
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA foreign_keys = ON;"
      "PRAGMA cache_size = -65536;"  // 64 MiB: the hash index takes random inserts
      "PRAGMA temp_store = MEMORY;");
}

}  // namespace sculpt::store_schema
