// `sculpt report DB [--experiment ID|NAME[,...]] [--out report.html] [--text]`: a run as a person
// looks at it. --out writes one self-contained HTML file (experiments/report/html_report.h);
// --text prints the same as a terminal summary (text_report.h). Without --experiment every
// experiment of the database is shown, side by side.

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "experiments/cli/experiment_choice.h"
#include "experiments/cli/export_folder.h"
#include "experiments/cli/output_file.h"
#include "experiments/cli/zoo_exports.h"
#include "experiments/config/builtins.h"
#include "experiments/report/experiment_report.h"
#include "experiments/report/html_report.h"
#include "experiments/report/text_report.h"
#include "experiments/store/store.h"
#include "experiments/store/zoo_query.h"
#include "spaces/counted.h"

namespace sculpt {
namespace {

std::vector<ExperimentInfo> ChooseExperiments(const ResultStore& store, const std::string& db,
                                              const std::optional<std::string>& wanted) {
  if (!wanted) {
    std::vector<ExperimentInfo> all = store.Experiments();
    if (all.empty()) throw UserError(db + " holds no experiment yet");
    return all;
  }
  std::vector<ExperimentInfo> chosen;
  std::size_t start = 0;
  while (start <= wanted->size()) {
    const std::size_t comma = std::min(wanted->find(',', start), wanted->size());
    const std::string name = wanted->substr(start, comma - start);
    if (name.empty()) throw UsageError("--experiment: an empty name in '" + *wanted + "'");
    ExperimentInfo info = FindNamedExperiment(store, db, name);
    // Named twice (by id and by name, say): shown once.
    if (std::none_of(chosen.begin(), chosen.end(),
                     [&](const ExperimentInfo& e) { return e.id == info.id; })) {
      chosen.push_back(std::move(info));
    }
    start = comma + 1;
  }
  return chosen;
}

// The experiment's space rebuilt from its stored config, for the choice shares; nullptr and the
// reason when it cannot be (a config of another version, a pruned model's folder moved away).
std::shared_ptr<const SearchSpace> RebuildSpace(const ExperimentInfo& info, std::string& note) {
  if (!info.config.is_object() || !info.config.contains("space")) {
    note = "the experiment's config has no space";
    return nullptr;
  }
  try {
    return BuildSpace(info.config["space"]);
  } catch (const std::exception& error) {
    note = std::string("its space could not be rebuilt from the stored config: ") + error.what();
    return nullptr;
  }
}

std::string UtcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// Writes the HTML beside `path` first and renames it into place: a report that fails half-way
// never replaces a good one.
void WriteHtmlFile(const std::vector<report::ExperimentReport>& reports, const std::string& db,
                   const std::filesystem::path& path) {
  const std::filesystem::path temporary = path.string() + ".partial";
  {
    std::ofstream file(temporary);
    if (!file) throw UserError("cannot write " + path.string() + ": its folder is missing or not writable");
    report::WriteHtmlReport(reports, db, UtcNow(), file);
    file.close();
    if (!file) throw UserError("writing " + temporary.string() + " failed (disk full?)");
  }
  std::filesystem::rename(temporary, path);
}

// Where the final block's export is from here, and whether it still holds this experiment's
// model: a later run of the same config exports to the same folder.
void NoteFinalExport(report::ExperimentReport& report, const std::string& db) {
  const nlohmann::json& summary = report.info.summary;
  const nlohmann::json& config = report.info.config;
  if (!summary.is_object() || !summary.contains("final") || !summary["final"].is_object() ||
      !config.is_object()) {
    return;
  }
  if (report.final_interrupted) return;  // nothing was exported
  const nlohmann::json& retrained = summary["final"];
  const nlohmann::json final_block = config.value("final", nlohmann::json::object());
  if (!retrained.value("training_run", nlohmann::json()).is_number_integer() ||
      !final_block.is_object() || !final_block.value("export", nlohmann::json()).is_string() ||
      !config.value("storage", nlohmann::json()).is_string()) {
    return;
  }
  const std::filesystem::path folder = ExportFolderFromHere(
      final_block["export"].get<std::string>(), config["storage"].get<std::string>(), db);
  report.final_export = folder.string();
  report.final_export_state =
      ExportFolderState(folder, retrained["training_run"].get<std::int64_t>());
}

// Each zoo model's export folder and whether it still holds that model, as `sculpt query --zoo`
// shows them: a later run of the same config exports to the same folders.
void NoteZooExports(report::ExperimentReport& report, const ResultStore& store,
                    const std::string& db) {
  if (report.zoo.rows.empty()) return;
  Table zoo = store.Sql(ZooQuery(report.info.id), 60);
  AddZooExportColumns(zoo, store, db);
  if (zoo.rows.size() != report.zoo.rows.size()) return;  // read by the same query: never
  const std::size_t folder = zoo.columns.size() - 2;
  report.zoo.columns.push_back("export");
  report.zoo.columns.push_back("export state");
  for (std::size_t i = 0; i < zoo.rows.size(); ++i) {
    report.zoo.rows[i].push_back(zoo.rows[i][folder]);
    report.zoo.rows[i].push_back(zoo.rows[i][folder + 1]);
  }
}

}  // namespace

int ReportCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line(
      "report DB [--experiment ID|NAME[,ID|NAME...]] (--out report.html | --text | both)",
      "A run as a person looks at it: the search trajectory (each candidate's objective and the\n"
      "best so far, by strategy), the Pareto front with the chosen model marked, the supernet's\n"
      "and the retraining's training curves, how often each choice appears among the best\n"
      "candidates against all of them, the top candidates, and the experiment's config.\n"
      "--out writes it as one self-contained HTML file (no network needed to view it); --text\n"
      "prints a summary in the terminal. Without --experiment, every experiment of the\n"
      "database, side by side.",
      {{"experiment", "ID|NAME[,...]", "the experiments to show (default: all, oldest first)"},
       {"out", "FILE.html", "write the HTML report to FILE.html"},
       {"text", "", "print the summary to the terminal"}},
      1, 1);
  if (!command_line.Parse(args, io.out)) return 0;
  const std::optional<std::string> out_path = command_line.Value("out");
  const bool text = command_line.Has("text");
  if (!out_path && !text) {
    throw UsageError("say what to write: --out FILE.html for the HTML report, --text for a "
                     "summary in the terminal (or both)");
  }
  if (out_path && out_path->empty()) throw UsageError("--out: an empty file name");
  if (out_path && std::filesystem::is_directory(*out_path)) {
    throw UsageError("--out " + *out_path + " is a folder; give a file name, e.g. " +
                     (std::filesystem::path(*out_path) / "report.html").string());
  }
  const std::string& db = command_line.Positional().front();
  if (out_path) CheckOutputFile(*out_path, {db}, "Sculpt report", Holding(report::kGeneratorTag));
  const std::unique_ptr<ResultStore> store = OpenDatabaseToRead(db);
  std::vector<report::ExperimentReport> reports;
  for (const ExperimentInfo& info : ChooseExperiments(*store, db, command_line.Value("experiment"))) {
    std::string note;
    const std::shared_ptr<const SearchSpace> space = RebuildSpace(info, note);
    reports.push_back(report::ReadExperimentReport(*store, info, space.get(), note));
    NoteFinalExport(reports.back(), db);
    NoteZooExports(reports.back(), *store, db);
  }
  if (text) report::WriteTextReport(reports, io.out);
  if (out_path) {
    WriteHtmlFile(reports, db, *out_path);
    (text ? io.err : io.out) << "Wrote " << *out_path << ": "
                             << Counted(static_cast<std::int64_t>(reports.size()), "experiment")
                             << " (open it in a browser; it needs no network)\n";
  }
  return 0;
}

}  // namespace sculpt
