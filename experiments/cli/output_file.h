#pragma once
// The file a command writes with --out FILE (an HTML report, a latency table). Replacing an
// earlier output of the same name is what --out is for; replacing what the user cannot get back
// is not: a database (results), or a file the command itself reads.
// Thread-safety: a stateless function, called by the thread that runs the command.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sculpt {

// Throws UsageError (exit status 2, nothing written) when `out` names one of `inputs` (also by
// another path), an existing SQLite database, or any other existing file that
// `is_earlier_output` does not recognise as an earlier output of the command: such a file is the
// user's, named by mistake. `kind` names the output in the message.
void CheckOutputFile(const std::filesystem::path& out,
                     const std::vector<std::filesystem::path>& inputs, std::string_view kind,
                     const std::function<bool(const std::filesystem::path&)>& is_earlier_output);

// Recognisers for CheckOutputFile: a file whose first megabyte holds `mark` (the report's
// generator tag), and a JSON object whose "format" starts with `prefix` (a latency table's
// "sculpt-latency-...": a config that merely names a table is no table).
std::function<bool(const std::filesystem::path&)> Holding(std::string mark);
std::function<bool(const std::filesystem::path&)> JsonOfFormat(std::string prefix);

}  // namespace sculpt
