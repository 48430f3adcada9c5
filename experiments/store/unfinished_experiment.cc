#include "experiments/store/unfinished_experiment.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
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

// Whether `stored`, written by this Sculpt or an earlier one, is the config `wanted`, by these
// rules beyond equality:
//  - a file the config reads is the same file where its recorded `<key>_contents` are the same,
//    however its name is spelled (relative to another folder: the config was moved);
//  - earlier Sculpts recorded less: no `<key>_contents`, and a latency table by its file's name
//    where the config now holds the table itself. Such a config matches where it agrees on all it
//    recorded and the file it names holds what the config now holds (what the earlier Sculpt
//    would have read on resuming it), so an upgrade does not strand a run.
bool SameConfig(const nlohmann::json& stored, const nlohmann::json& wanted);

bool AgreeOn(const nlohmann::json& stored, const nlohmann::json& wanted, const std::string& key) {
  if (!stored.contains(key)) return key.ends_with("_contents") && wanted.contains(key);
  if (!wanted.contains(key)) return false;
  const std::string contents = key + "_contents";
  if (stored.contains(contents) && wanted.contains(contents) &&
      stored.at(contents) == wanted.at(contents) && stored.at(key).is_string() &&
      wanted.at(key).is_string()) {
    return true;
  }
  return SameConfig(stored.at(key), wanted.at(key));
}

bool SameConfig(const nlohmann::json& stored, const nlohmann::json& wanted) {
  if (stored == wanted) return true;
  if (stored.is_object() && wanted.is_object()) {
    for (const auto& [key, value] : wanted.items()) {
      if (!AgreeOn(stored, wanted, key)) return false;
    }
    for (const auto& [key, value] : stored.items()) {
      if (!wanted.contains(key)) return false;
    }
    return true;
  }
  if (stored.is_string() && wanted.is_object()) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(stored.get<std::string>(), error)) return false;
    std::ifstream file(stored.get<std::string>());
    if (!file) return false;
    return nlohmann::json::parse(file, nullptr, /*allow_exceptions=*/false) == wanted;
  }
  return false;
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
    if (!SameConfig(without_storage(e->config), wanted)) {
      const bool finished = e->status == "finished";
      std::string& why = finished ? finished_of_name : found.why_not;
      std::size_t& nearest = finished ? nearest_finished : nearest_unfinished;
      // Named by the same rules as the match (DifferingKeys' own would name what it ignores).
      const std::vector<std::string> differing =
          DifferingKeys(without_storage(e->config), wanted, 2, AgreeOn);
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
