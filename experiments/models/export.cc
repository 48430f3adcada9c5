#include "experiments/models/export.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "experiments/models/model_export.h"
#include "sculpt/version.h"
#include "spaces/errors.h"
#include "supernet/onnx/onnx_export.h"

namespace sculpt {
namespace {

nlohmann::json MetricsJson(const Metrics& metrics) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [name, value] : metrics) {
    json[name] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
  }
  return json;
}

nlohmann::json StepOrNull(std::int64_t step) {
  return step >= 0 ? nlohmann::json(step) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json ArchitectureDocument(const ExperimentInfo& experiment,
                                    const StoredCandidate& candidate, const Metrics& metrics) {
  nlohmann::json document = {
      {"format", "sculpt-architecture"},
      {"format_version", kExportFormatVersion},
      {"sculpt_version", kVersion},
      {"space", experiment.space},
      {"arch", candidate.arch},
      {"hash", candidate.hash},
      {"metrics", MetricsJson(metrics)},
      {"objective",
       {{"metric", experiment.objective.metric},
        {"goal", experiment.objective.goal == Goal::kMinimize ? "minimize" : "maximize"},
        {"value", candidate.objective && std::isfinite(*candidate.objective)
                      ? nlohmann::json(*candidate.objective)
                      : nlohmann::json(nullptr)}}},
      {"candidate",
       {{"id", candidate.id},
        {"step", candidate.step},
        {"strategy", candidate.strategy},
        {"origin", candidate.origin},
        {"parent_step", StepOrNull(candidate.parent)},
        {"repeat_of_step", StepOrNull(candidate.repeat_of)},
        {"eval_seconds", candidate.eval_seconds}}},
      {"experiment",
       {{"id", experiment.id},
        {"name", experiment.name},
        {"seed", experiment.seed},
        {"sculpt_version", experiment.sculpt_version},
        {"created_at", experiment.created_at},
        {"config", experiment.config}}},
  };
  // A hand-picked architecture (`sculpt train --arch`) has no candidate row behind it.
  if (candidate.step < 0) document["candidate"] = nullptr;
  return document;
}

StoredCandidate HandPickedCandidate(const SearchSpace& space, const Architecture& arch,
                                    const std::string& origin, Metrics metrics) {
  StoredCandidate candidate;
  candidate.step = -1;
  candidate.arch = space.Format(arch);
  candidate.hash = HashToHex(space.CanonicalHash(arch));
  candidate.origin = origin;
  candidate.status = "ok";
  candidate.metrics = std::move(metrics);
  return candidate;
}

WrittenExport WriteExportDocument(const nlohmann::json& document,
                                  const std::filesystem::path& out_dir,
                                  const std::vector<std::string>& written) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    throw UserError("cannot create output folder " + out_dir.string() + ": " + error.message());
  }
  WrittenExport result;
  result.document = out_dir / "architecture.json";
  // Written beside and renamed, so a reader never sees half a file.
  const std::filesystem::path partial = out_dir / "architecture.json.partial";
  {
    std::ofstream file(partial);
    file << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    file.close();
    if (!file) throw UserError("cannot write " + partial.string());
  }
  std::filesystem::rename(partial, result.document, error);
  if (error) throw UserError("cannot write " + result.document.string() + ": " + error.message());
  for (const char* name : {kModelFile, kOnnxModelFile}) {
    if (std::find(written.begin(), written.end(), name) != written.end()) continue;
    const std::filesystem::path stale = out_dir / name;
    if (std::filesystem::remove(stale, error)) result.removed.push_back(stale);
    if (error) {
      throw UserError("cannot remove " + stale.string() + ", left by an earlier export: " +
                      error.message());
    }
  }
  return result;
}

}  // namespace sculpt
