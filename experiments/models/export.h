#pragma once
// Export: the file `sculpt export` writes for one chosen candidate, DIR/architecture.json, which
// deployment and retraining read: the space, the architecture's string form and canonical hash,
// its metrics, where it came from (candidate and experiment, with the config as run) and the
// Sculpt version.
// Thread-safety: stateless functions.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "experiments/store/store.h"
#include "spaces/search_space.h"

namespace sculpt {

inline constexpr int kExportFormatVersion = 1;

// The document for `candidate` of `experiment`. `metrics` are the candidate's own, or for a
// repeat those of the evaluation it repeats. The store knows no space objects, so whoever built
// the experiment's space adds "encoding" (sculpt export does). A `candidate` with a negative
// step is a hand-picked architecture (`sculpt train --arch`): "candidate" is null.
nlohmann::json ArchitectureDocument(const ExperimentInfo& experiment,
                                    const StoredCandidate& candidate, const Metrics& metrics);

// The document's "encoding": `space`'s graph and vector encodings of `arch`.
nlohmann::json EncodingJson(const SearchSpace& space, const Architecture& arch);

// A hand-picked architecture as ArchitectureDocument describes candidates: no id, no step, no
// search behind it; `origin` says who picked it ("hand-picked" for `sculpt train --arch`,
// "zoo-reference" for a zoo's reference, "blockwise-teacher"). Its metrics are `metrics` (what
// its training measured, if it was trained) and its analytic costs where `metrics` lacks them.
StoredCandidate HandPickedCandidate(const SearchSpace& space, const Architecture& arch,
                                    const std::string& origin, Metrics metrics = {});

// What WriteExportDocument did: the document's path, and the files of the folder's earlier
// export that it removed.
struct WrittenExport {
  std::filesystem::path document;
  std::vector<std::filesystem::path> removed;
  // The earlier export the document replaced, when it was of another network, candidate,
  // experiment or training ("candidate 5 of experiment 2 ('main')"); empty otherwise.
  std::string replaced;
};

// Why an export into `out_dir` would harm what is there, checked before anything is written
// (nullopt: nothing): out_dir is inside the folders where Sculpt keeps database `db`'s weights
// and supernets (DB.models, DB.supernet), or it holds architecture.json, model.pt or model.onnx
// that no Sculpt export wrote (no export document among them). WriteExportDocument replaces an
// earlier export's files, never a user's; callers refuse such a folder as bad input.
std::optional<std::string> ExportFolderProblem(const std::filesystem::path& out_dir,
                                               const std::filesystem::path& db);

// Where an export writes its model files before WriteExportDocument moves them into out_dir
// together, so that a failure part-way (a full disk while writing model.pt after model.onnx)
// leaves out_dir's earlier export as it was instead of one network's ONNX file beside another's
// weights. Made (empty) inside out_dir, on the same file system, by the constructor; removed
// with whatever is still in it by the destructor. The calling thread only.
class ExportStaging {
 public:
  explicit ExportStaging(const std::filesystem::path& out_dir);
  ~ExportStaging();
  ExportStaging(const ExportStaging&) = delete;
  ExportStaging& operator=(const ExportStaging&) = delete;

  const std::filesystem::path& Folder() const { return folder_; }

 private:
  std::filesystem::path folder_;
};

// Writes `document` to out_dir/architecture.json (beside and renamed), creating out_dir when
// needed: the last step of every export. `written` names the model files (model.pt, model.onnx)
// this export wrote to `staging`, which are moved into out_dir first. A folder holds one export, so
// the model files it did not write are an earlier export's, of another network or another training,
// and are removed once the document is in place: a folder never pairs one network's description
// with another's weights. (Nothing is lost: a training's weights are kept beside its database, and
// `sculpt export` writes them again.) Other files in out_dir are left alone. Throws UserError
// when the document cannot be written.
WrittenExport WriteExportDocument(const nlohmann::json& document,
                                  const std::filesystem::path& out_dir,
                                  const std::vector<std::string>& written,
                                  const ExportStaging& staging);

}  // namespace sculpt
