#include "experiments/store/unfinished_experiment.h"

#include <cstdint>
#include <string>
#include <vector>

#include "spaces/config_differences.h"

namespace sculpt {
namespace {

std::string Joined(const std::vector<std::string>& keys) {
  std::string text;
  for (const std::string& key : keys) text += (text.empty() ? "" : ", ") + key;
  return text;
}

}  // namespace

UnfinishedExperiment FindUnfinishedExperiment(const ResultStore& store,
                                              const nlohmann::json& canonical_config,
                                              const std::string& name) {
  UnfinishedExperiment found;
  // Where nothing of this config is found, the newest unfinished experiment of this name
  // explains the miss (it may be the one meant), else the newest finished one.
  // Of several, the one whose config is nearest (fewest differing keys; the newest of those)
  // is the one most likely meant.
  std::string finished_of_name;
  std::string finished_same;  // the newest finished experiment of this very config
  std::size_t nearest_unfinished = SIZE_MAX;
  std::size_t nearest_finished = SIZE_MAX;
  const std::vector<ExperimentInfo> experiments = store.Experiments();
  // Every experiment here is in this database, however its path was spelled (relative to
  // another folder, before the file was moved): "storage" says nothing about which one is meant.
  auto without_storage = [](nlohmann::json config) {
    if (config.is_object()) config.erase("storage");
    return config;
  };
  const nlohmann::json wanted = without_storage(canonical_config);
  for (auto e = experiments.rbegin(); e != experiments.rend(); ++e) {
    if (without_storage(e->config) != wanted) {
      const bool finished = e->status == "finished";
      std::string& why = finished ? finished_of_name : found.why_not;
      std::size_t& nearest = finished ? nearest_finished : nearest_unfinished;
      const std::vector<std::string> differing =
          DifferingKeys(without_storage(e->config), wanted, 2);
      if (e->name == name && differing.size() < nearest) {
        nearest = differing.size();
        why = "experiment " + std::to_string(e->id) + " of this name " +
              (finished ? "finished" : "stopped unfinished") +
              " but had another config (differs in: " + Joined(differing) + ")";
      }
      continue;
    }
    if (e->status == "finished") {
      // A finished run of this config does not hide an older one that stopped unfinished: that
      // one's own message and `sculpt query` still offer --resume for it.
      if (finished_same.empty()) {
        finished_same = "experiment " + std::to_string(e->id) + " of this config finished";
      }
      continue;
    }
    // A running experiment whose process is alive, or may be (another host), is refused;
    // one recorded by a Sculpt that kept no process is taken for dead.
    if (e->status == "running" && e->process_alive.value_or(!e->process.empty())) {
      found.why_not = "experiment " + std::to_string(e->id) + " of this config is still running (" +
                      e->process + ")";
      found.still_running = true;
      return found;
    }
    found.experiment = *e;
    return found;
  }
  if (!finished_same.empty()) {
    found.why_not = std::move(finished_same);
  } else if (found.why_not.empty()) {
    found.why_not = std::move(finished_of_name);
  }
  return found;
}

}  // namespace sculpt
