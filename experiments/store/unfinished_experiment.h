#pragma once
// Finding the experiment that `sculpt run CONFIG --resume` continues: the newest experiment in
// the database with exactly the same canonical config that did not finish (its process was
// killed, Ctrl-C interrupted it, or it failed), and whose process is not still running it.
// Thread-safety: one thread (the command's), like the store it reads.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "experiments/store/store.h"

namespace sculpt {

struct UnfinishedExperiment {
  // The experiment to continue, when there is one.
  std::optional<ExperimentInfo> experiment;
  // Why there is none, for the user: e.g. "experiment 3 of this name has another config
  // (differs in: workers, seed)" or "experiment 4 is still running (pid 12 on host)"; empty
  // when nothing of this config or name was ever stored.
  std::string why_not;
  // True when the candidate is refused because its process is alive (or cannot be checked):
  // continuing it would run it twice.
  bool still_running = false;
};

UnfinishedExperiment FindUnfinishedExperiment(const ResultStore& store,
                                              const nlohmann::json& canonical_config,
                                              const std::string& name);

}  // namespace sculpt
