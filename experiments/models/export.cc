#include "experiments/models/export.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "experiments/models/model_export.h"
#include "sculpt/version.h"
#include "spaces/errors.h"
#include "supernet/archive_file.h"
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

// `file` read as an export document Sculpt wrote (ArchitectureDocument's keys); nullopt when
// it is missing, unreadable or something else.
std::optional<nlohmann::json> ReadExportDocument(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  nlohmann::json document = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object() || !document.contains("format_version") ||
      !document.contains("space") || !document.contains("arch")) {
    return std::nullopt;
  }
  return document;
}

// What an export document is of, for "replaced" (the fields that tell two exports apart).
std::string ExportOf(const nlohmann::json& document) {
  const nlohmann::json experiment = document.value("experiment", nlohmann::json::object());
  const nlohmann::json candidate = document.value("candidate", nlohmann::json(nullptr));
  const nlohmann::json retrain = document.value("retrain", nlohmann::json::object());
  std::string what = candidate.is_object() && candidate.contains("id")
                         ? "candidate " + candidate["id"].dump()
                         : "the network " + document.value("arch", std::string("?"));
  if (retrain.is_object() && retrain.contains("training_run")) {
    what += " (training run " + retrain["training_run"].dump() + ")";
  }
  if (experiment.is_object() && experiment.contains("id")) {
    what += " of experiment " + experiment["id"].dump() + " ('" +
            experiment.value("name", std::string()) + "')";
  }
  return what;
}

// Whether `path` is `folder` or inside it (both made absolute and normal first).
bool IsWithin(const std::filesystem::path& path, const std::filesystem::path& folder) {
  const std::filesystem::path inner = std::filesystem::weakly_canonical(path);
  const std::filesystem::path outer = std::filesystem::weakly_canonical(folder);
  auto o = outer.begin();
  for (auto p = inner.begin(); o != outer.end(); ++p, ++o) {
    if (p == inner.end() || *p != *o) return false;
  }
  return true;
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

nlohmann::json EncodingJson(const SearchSpace& space, const Architecture& arch) {
  const Encoding encoding = space.Encode(arch);
  return {{"num_nodes", encoding.num_nodes},
          {"adjacency", encoding.adjacency},
          {"node_ops", encoding.node_ops},
          {"num_op_types", encoding.num_op_types},
          {"vector", encoding.vector}};
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
  // A training measures params but not FLOPs: a document should not depend on which it had.
  for (const auto& [name, value] : space.Cost(arch)) candidate.metrics.emplace(name, value);
  return candidate;
}

std::optional<std::string> ExportFolderProblem(const std::filesystem::path& out_dir,
                                               const std::filesystem::path& db) {
  // By the path given and by the file it names (a database reached through a link keeps its
  // weights beside the file itself).
  std::error_code error;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(db, error);
  for (const std::filesystem::path& base : {db, error ? db : resolved}) {
    for (const char* kept : {".models", ".supernet"}) {
      std::filesystem::path folder = base;
      folder += kept;
      if (IsWithin(out_dir, folder)) {
        return out_dir.string() + " is inside " + folder.string() +
               ", where Sculpt keeps the trained weights and supernets of " + db.string() +
               "; export to a folder of your own";
      }
    }
  }
  if (std::filesystem::exists(out_dir, error) && !std::filesystem::is_directory(out_dir, error)) {
    return out_dir.string() + " is a file, not a folder";
  }
  if (!std::filesystem::is_directory(out_dir, error)) return std::nullopt;
  const std::filesystem::path document = out_dir / "architecture.json";
  if (ReadExportDocument(document)) return std::nullopt;
  std::string foreign;
  for (const char* name : {"architecture.json", kModelFile, kOnnxModelFile}) {
    if (std::filesystem::exists(out_dir / name, error)) {
      foreign += (foreign.empty() ? "" : ", ") + std::string(name);
    }
  }
  if (foreign.empty()) return std::nullopt;
  return out_dir.string() + " holds " + foreign +
         ", which no Sculpt export wrote (an export replaces those files only in a folder that "
         "holds an earlier export); choose another folder or move them away";
}

ExportStaging::ExportStaging(const std::filesystem::path& out_dir)
    : folder_(out_dir / ".sculpt-export.partial") {
  std::error_code error;
  std::filesystem::remove_all(folder_, error);  // a killed export's
  std::filesystem::create_directories(folder_, error);
  if (error) {
    throw UserError("cannot create output folder " + out_dir.string() + ": " + error.message());
  }
}

ExportStaging::~ExportStaging() {
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

WrittenExport WriteExportDocument(const nlohmann::json& document,
                                  const std::filesystem::path& out_dir,
                                  const std::vector<std::string>& written,
                                  const ExportStaging& staging) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    throw UserError("cannot create output folder " + out_dir.string() + ": " + error.message());
  }
  WrittenExport result;
  result.document = out_dir / "architecture.json";
  if (const std::optional<nlohmann::json> earlier = ReadExportDocument(result.document)) {
    std::string was = ExportOf(*earlier);
    if (was != ExportOf(document)) result.replaced = std::move(was);
  }
  // Staged with the model files, so that a failure to write it (a full disk) also leaves out_dir
  // as it was; then everything is moved in by renames within one file system, which need no
  // space, the document last: a reader never sees half a file.
  const std::filesystem::path staged_document = staging.Folder() / "architecture.json";
  try {
    WriteFileWhole(staged_document,
                   document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } catch (const std::exception& failure) {
    throw UserError("cannot write " + result.document.string() + ": " + failure.what());
  }
  for (const std::string& name : written) {
    std::filesystem::rename(staging.Folder() / name, out_dir / name, error);
    if (error) {
      throw UserError("cannot move " + name + " into " + out_dir.string() + ": " + error.message());
    }
  }
  std::filesystem::rename(staged_document, result.document, error);
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
