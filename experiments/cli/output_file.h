#pragma once
// The file a command writes with --out FILE (an HTML report, a latency table). Replacing an
// earlier output of the same name is what --out is for; replacing what the user cannot get back
// is not: a database (results), or a file the command itself reads.
// Thread-safety: a stateless function, called by the thread that runs the command.

#include <filesystem>
#include <vector>

namespace sculpt {

// Throws UsageError (exit status 2, nothing written) when `out` names one of `inputs` (also by
// another path) or an existing SQLite database.
void CheckOutputFile(const std::filesystem::path& out,
                     const std::vector<std::filesystem::path>& inputs);

}  // namespace sculpt
