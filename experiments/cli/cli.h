#pragma once
// The `sculpt` subcommands. Each takes the words after its name and returns the exit status:
// 0 ok, 1 failure, 2 usage error (UsageError / ConfigError thrown out of them map to 2, other
// UserErrors to 1; see main.cc). Output goes to the given streams.

#include <ostream>
#include <string>
#include <vector>

namespace sculpt {

struct Streams {
  std::ostream& out;
  std::ostream& err;
  bool out_is_terminal = false;
  bool err_is_terminal = false;
};

using CommandFunction = int (*)(const std::vector<std::string>& args, Streams io);

// Runs `command` and maps what it throws to an exit status (ConfigError and UsageError: 2, any
// other exception: 1), reporting the error on io.err as "sculpt NAME: message".
int CallCommand(CommandFunction command, const std::string& name,
                const std::vector<std::string>& args, Streams io);

int RunCommand(const std::vector<std::string>& args, Streams io);     // cli_run.cc
int QueryCommand(const std::vector<std::string>& args, Streams io);   // cli_query.cc
int ExportCommand(const std::vector<std::string>& args, Streams io);  // cli_export.cc
int ListCommand(const std::vector<std::string>& args, Streams io);    // cli_list.cc
int TrainCommand(const std::vector<std::string>& args, Streams io);   // cli_train.cc
int LatencyCommand(const std::vector<std::string>& args, Streams io);  // cli_latency.cc
int RankCommand(const std::vector<std::string>& args, Streams io);     // cli_rank.cc
int ReportCommand(const std::vector<std::string>& args, Streams io);   // cli_report.cc

}  // namespace sculpt
