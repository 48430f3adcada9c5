#include "experiments/cli/export_folder.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "experiments/cli/shell_word.h"

namespace sculpt {

namespace fs = std::filesystem;

fs::path ExportFolderFromHere(const fs::path& folder, const fs::path& storage, const fs::path& db) {
  if (folder.is_absolute()) return folder;
  auto anchored = [](const fs::path& p) {
    return (p.is_absolute() ? p : "." / p).lexically_normal();
  };
  const fs::path relative = anchored(folder).lexically_relative(anchored(storage).parent_path());
  if (relative.empty()) return folder;
  // A link to the database: its folders are beside the file it names.
  std::error_code error;
  const fs::path real = fs::is_symlink(db, error) ? fs::canonical(db, error) : db;
  return (anchored(error ? db : real).parent_path() / relative).lexically_normal();
}

std::string ExportFolderState(const fs::path& folder, std::int64_t run) {
  std::ifstream in(folder / "architecture.json");
  if (!in) return "missing";
  const nlohmann::json document = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  const nlohmann::json* retrain =
      document.is_object() && document.contains("retrain") ? &document["retrain"] : nullptr;
  if (retrain != nullptr && retrain->is_object() && retrain->contains("training_run") &&
      (*retrain)["training_run"].is_number_integer()) {
    const auto holds = (*retrain)["training_run"].get<std::int64_t>();
    return holds == run ? "ok" : "holds training run " + std::to_string(holds);
  }
  return "holds another export";
}

std::string ExportAgainMessage(const std::string& error, std::int64_t run,
                               const std::filesystem::path& db) {
  return error + "\n  the network is trained and kept (training run " + std::to_string(run) +
         "); once the problem is solved, `sculpt export " + ShellPath(db.string()) + " --run " +
         std::to_string(run) + " --out DIR` writes its export";
}

}  // namespace sculpt
