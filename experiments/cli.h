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

int RunCommand(const std::vector<std::string>& args, Streams io);     // cli_run.cc
int QueryCommand(const std::vector<std::string>& args, Streams io);   // cli_query.cc
int ExportCommand(const std::vector<std::string>& args, Streams io);  // cli_export.cc
int ListCommand(const std::vector<std::string>& args, Streams io);    // cli_list.cc

}  // namespace sculpt
