// The `sculpt` command line: dispatches to one subcommand (experiments/cli_*.cc) and maps errors
// to exit statuses: 0 ok, 1 failure, 2 usage error (bad command line or config).

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "experiments/cli.h"
#include "experiments/command_line.h"
#include "spaces/options.h"
#include "sculpt/version.h"

namespace {

struct Subcommand {
  const char* name;
  int (*run)(const std::vector<std::string>&, sculpt::Streams);
  const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    {"run", sculpt::RunCommand, "run a search from a JSON config"},
    {"query", sculpt::QueryCommand, "list experiments, the best candidates, or run SQL"},
    {"export", sculpt::ExportCommand, "export a chosen architecture for deployment"},
    {"list", sculpt::ListCommand, "list registered spaces, strategies or evaluators"},
};

void PrintUsage(std::ostream& out) {
  out << "usage: sculpt COMMAND [ARGS] (sculpt COMMAND --help for more)\n\n"
      << "Sculpt " << sculpt::kVersion << ": neural architecture search.\n\ncommands:\n";
  for (const Subcommand& s : kSubcommands) {
    std::string name = s.name;
    name.resize(10, ' ');
    out << "  " << name << s.summary << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    PrintUsage(std::cout);
    return words.empty() ? 2 : 0;
  }
  if (words[0] == "--version") {
    std::cout << "sculpt " << sculpt::kVersion << "\n";
    return 0;
  }
  const Subcommand* chosen = nullptr;
  for (const Subcommand& s : kSubcommands) {
    if (words[0] == s.name) chosen = &s;
  }
  if (chosen == nullptr) {
    std::cerr << "sculpt: unknown command '" << words[0] << "'\n";
    PrintUsage(std::cerr);
    return 2;
  }
  const sculpt::Streams io{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1,
                           isatty(STDERR_FILENO) == 1};
  try {
    return chosen->run({words.begin() + 1, words.end()}, io);
  } catch (const sculpt::ConfigError& error) {
    std::cerr << "sculpt " << chosen->name << ": " << error.what() << "\n";
    return 2;
  } catch (const sculpt::UsageError& error) {
    std::cerr << "sculpt " << chosen->name << ": " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "sculpt " << chosen->name << ": " << error.what() << "\n";
    return 1;
  }
}
