#pragma once
// Where a run's export folder is, seen from where the user named its database, and whether it
// still holds the model a training run wrote there: what `sculpt query --zoo` and `sculpt
// report` show beside each exported model. A folder the run named by an absolute path is shown
// as it is; a relative one (the config's, like its "storage") is anchored beside the database,
// so a database moved with its folders still finds them.
// Thread-safety: stateless functions, called by the thread that runs the command.

#include <cstdint>
#include <filesystem>
#include <string>

namespace sculpt {

// `folder` as the config named it, beside its database `storage` (as the config named that),
// seen from where `db` is.
std::filesystem::path ExportFolderFromHere(const std::filesystem::path& folder,
                                           const std::filesystem::path& storage,
                                           const std::filesystem::path& db);

// "ok" when `folder` holds training run `run`'s model; "missing" (no architecture.json there,
// e.g. the database was copied without its folders); "holds training run N" when a later run
// exported there; "holds another export" when the folder's model names no training run.
std::string ExportFolderState(const std::filesystem::path& folder, std::int64_t run);

// The message of an export a finished training could not write (a full disk), with the command
// that writes it again from the network kept beside the database `db`: the training is not lost.
std::string ExportAgainMessage(const std::string& error, std::int64_t run,
                               const std::filesystem::path& db);

}  // namespace sculpt
