#include "experiments/cli/experiment_choice.h"

#include <algorithm>
#include <cctype>

#include "experiments/cli/command_line.h"
#include "spaces/did_you_mean.h"

namespace sculpt {

std::unique_ptr<ResultStore> OpenDatabaseToRead(const std::string& db) {
  try {
    return ResultStore::OpenReadOnly(db);
  } catch (const DamagedDatabase&) {
    throw;  // the right file, which cannot be read: a failure, not bad input
  } catch (const SystemFailure&) {
    throw;  // the right file on a disk that failed
  } catch (const UserError& error) {
    // No Sculpt database there, or one of a newer schema: the path named is bad input for every
    // command (sculpt run and train answer it so too).
    throw UsageError(error.what());
  }
}

std::unique_ptr<ResultStore> OpenDatabaseToAddTo(const std::string& db) {
  try {
    return ResultStore::OpenExisting(db);
  } catch (const SystemFailure&) {
    throw;  // the right file on a disk that failed
  } catch (const UserError& error) {
    throw UsageError(error.what());
  }
}

ExperimentInfo FindNamedExperiment(const ResultStore& store, const std::string& db,
                                   const std::string& wanted) {
  if (std::optional<ExperimentInfo> found = store.FindExperiment(wanted)) return *found;
  std::string known;
  std::vector<std::string> names;
  for (const ExperimentInfo& e : store.Experiments()) {
    known += (known.empty() ? "" : ", ") + std::to_string(e.id) + " (" + e.name + ")";
    names.push_back(e.name);
  }
  // An id is not a misspelt name: the list of ids and names above is the answer to it.
  const bool an_id = !wanted.empty() && std::all_of(wanted.begin(), wanted.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  const std::string guess = an_id ? std::string() : DidYouMean(wanted, names);
  throw UsageError("no experiment '" + wanted + "' in " + db + "; it holds " +
                   (known.empty() ? std::string("none") : known) +
                   (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
}

ExperimentInfo ChooseExperiment(const ResultStore& store, const std::string& db,
                                const std::optional<std::string>& wanted) {
  if (wanted) return FindNamedExperiment(store, db, *wanted);
  if (std::optional<ExperimentInfo> newest = store.NewestExperiment()) return *newest;
  throw UserError(db + " holds no experiment yet");
}

void RequireStoredConfig(const ExperimentInfo& experiment) {
  // None at all (an early version's row) is read as the space's defaults.
  if (experiment.config.is_object() || experiment.config.is_null()) return;
  throw UserError(
      "experiment " + std::to_string(experiment.id) + " ('" + experiment.name +
      "')'s stored config is " +
      (experiment.config.is_discarded() ? std::string("not valid JSON") : "not a JSON object") +
      ": the database was edited or damaged; nothing can be built from it");
}

}  // namespace sculpt
