#include "experiments/store/unfinished_experiment.h"

#include <vector>

namespace sculpt {
namespace {

// The top-level keys in which two configs differ, e.g. "workers, seed".
std::string DifferingKeys(const nlohmann::json& a, const nlohmann::json& b) {
  std::string keys;
  auto add = [&keys](const std::string& key) { keys += (keys.empty() ? "" : ", ") + key; };
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key) || b.at(key) != value) add(key);
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) add(key);
  }
  return keys;
}

}  // namespace

UnfinishedExperiment FindUnfinishedExperiment(const ResultStore& store,
                                              const nlohmann::json& canonical_config,
                                              const std::string& name) {
  UnfinishedExperiment found;
  // Where nothing of this config is found, the newest unfinished experiment of this name
  // explains the miss (it may be the one meant), else the newest finished one.
  std::string finished_of_name;
  const std::vector<ExperimentInfo> experiments = store.Experiments();
  for (auto e = experiments.rbegin(); e != experiments.rend(); ++e) {
    if (e->config != canonical_config) {
      const bool finished = e->status == "finished";
      std::string& why = finished ? finished_of_name : found.why_not;
      if (why.empty() && e->name == name) {
        why = "experiment " + std::to_string(e->id) + " of this name " +
              (finished ? "finished" : "stopped unfinished") +
              " but had another config (differs in: " + DifferingKeys(e->config, canonical_config) +
              ")";
      }
      continue;
    }
    if (e->status == "finished") {
      found.why_not = "experiment " + std::to_string(e->id) + " of this config finished";
      return found;
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
  if (found.why_not.empty()) found.why_not = std::move(finished_of_name);
  return found;
}

}  // namespace sculpt
