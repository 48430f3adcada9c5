#pragma once
// The file a command writes with --out FILE (an HTML report, a latency table). Replacing an
// earlier output of the same name is what --out is for; replacing what the user cannot get back
// is not: a database (results), or a file the command itself reads.
// Thread-safety: a stateless function, called by the thread that runs the command.

#include <filesystem>
#include <string_view>
#include <vector>

namespace sculpt {

// Throws UsageError (exit status 2, nothing written) when `out` names one of `inputs` (also by
// another path), an existing SQLite database, or any other existing file that does not hold
// `mark` (a string every earlier output of the command holds, e.g. the report's generator tag):
// such a file is the user's, named by mistake. `kind` names the output in the message.
void CheckOutputFile(const std::filesystem::path& out,
                     const std::vector<std::filesystem::path>& inputs, std::string_view kind,
                     std::string_view mark);

}  // namespace sculpt
