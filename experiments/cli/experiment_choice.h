#pragma once
// Which database and which of its experiments a command line names: the DB argument and
// --experiment ID|NAME of query, export, rank, report and train. One place decides what each
// mistake is: a path that holds no Sculpt database, or one that cannot be opened (a newer
// schema; damage, which only opening to write checks for), and an experiment the database lacks
// are bad input (UsageError, exit status 2, saying what the database holds); a database with no
// experiment yet is a plain UserError (exit 1: the input is right, the results are not there).
// Thread-safety: stateless functions, called by the thread that runs the command.

#include <memory>
#include <optional>
#include <string>

#include "experiments/store/store.h"

namespace sculpt {

// ResultStore::OpenReadOnly, with every refusal of the file (none there, not a Sculpt database,
// a newer or, read-only, an older schema) as a UsageError. Damage found later, while reading,
// stays a plain UserError: the file cannot be read.
std::unique_ptr<ResultStore> OpenDatabaseToRead(const std::string& db);

// ResultStore::OpenExisting (an older schema is upgraded; a missing or empty file is never given
// one), with every refusal of the file (none there, not a Sculpt database, empty, damaged,
// newer) as a UsageError: what train adds to must be a database of results.
std::unique_ptr<ResultStore> OpenDatabaseToAddTo(const std::string& db);

// The experiment `wanted` names (an id or a name), or a UsageError that lists the experiments
// `db` holds.
ExperimentInfo FindNamedExperiment(const ResultStore& store, const std::string& db,
                                   const std::string& wanted);

// The experiment `wanted` names, or the newest when it is empty.
ExperimentInfo ChooseExperiment(const ResultStore& store, const std::string& db,
                                const std::optional<std::string>& wanted);

// A UserError when `experiment`'s stored config is neither a JSON object nor absent (a database
// edited by hand or damaged), for the commands that build networks from it (train, export), which
// would otherwise fail on the first key they read with a JSON library's message.
void RequireStoredConfig(const ExperimentInfo& experiment);

}  // namespace sculpt
