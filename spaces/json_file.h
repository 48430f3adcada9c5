#pragma once
// Reading and writing a JSON document as a file, the way every file Sculpt writes for users to
// keep (latency tables) is handled: read with errors that name the file and say what it should
// have been; written beside the target and renamed, so a reader (a search that loads a table
// while `sculpt latency` rewrites it) never sees half a file.
// Thread-safety: stateless; two writers of one path are kept apart by the process id, and the
// last rename wins.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace sculpt {

// The document in `path`; UserError "cannot read <what> 'path'" or "<what> 'path' is not valid
// JSON: ...".
nlohmann::json ReadJsonFile(const std::filesystem::path& path, const std::string& what);

// Writes `json` (indented) to `path`, creating its folder; UserError "cannot write <what> ...".
void WriteJsonFile(const nlohmann::json& json, const std::filesystem::path& path,
                   const std::string& what);

}  // namespace sculpt
