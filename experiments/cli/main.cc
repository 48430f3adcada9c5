// The `sculpt` command line: dispatches to one subcommand (experiments/cli_*.cc) and maps errors
// to exit statuses: 0 ok, 1 failure, 2 usage error (bad command line or config).
// `query` runs in this executable; the other commands are in the commands module, loaded on
// demand (see command_module.h) so that reading results never pays LibTorch's start-up.

#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "experiments/cli/cli.h"
#include "experiments/cli/command_module.h"
#include "spaces/did_you_mean.h"
#include "sculpt/version.h"

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  // Run in this executable; null for commands of the commands module.
  sculpt::CommandFunction local;
};

constexpr Subcommand kSubcommands[] = {
    {"run", "run a search from a JSON config", nullptr},
    {"query", "list experiments, candidates, lineages, training curves, or run SQL",
     sculpt::QueryCommand},
    {"export", "export a chosen architecture for deployment", nullptr},
    {"train", "retrain a logged candidate from scratch and record it", nullptr},
    {"list", "list registered spaces, strategies, evaluators or comparators", nullptr},
    {"latency", "build a latency lookup table; predicted vs measured latency", nullptr},
    {"rank", "how well an experiment's evaluator ranks, against a ground-truth table", nullptr},
    {"report", "a run as an HTML report with charts, or as a terminal summary", nullptr},
};

void PrintUsage(std::ostream& out) {
  out << "usage: sculpt COMMAND [ARGS] (sculpt help COMMAND for more)\n\n"
      << "Sculpt " << sculpt::kVersion << ": neural architecture search.\n\ncommands:\n";
  for (const Subcommand& s : kSubcommands) {
    std::string name = s.name;
    name.resize(10, ' ');
    out << "  " << name << s.summary << "\n";
  }
}

// Where the commands module is: beside the executable in a build tree (build/sculpt), in the
// library folder of an installed one (bin/sculpt, lib/...; SCULPT_LIBDIR_FROM_BINDIR is that
// folder relative to bin, set by CMake).
std::filesystem::path CommandModulePath() {
  std::error_code error;
  const std::filesystem::path folder =
      std::filesystem::read_symlink("/proc/self/exe", error).parent_path();
  const std::filesystem::path beside = folder / sculpt::kCommandModuleFile;
  const std::filesystem::path installed =
      (folder / SCULPT_LIBDIR_FROM_BINDIR / sculpt::kCommandModuleFile).lexically_normal();
  return std::filesystem::exists(beside) || !std::filesystem::exists(installed) ? beside
                                                                                 : installed;
}

// Loads the commands module and runs `name` there.
int RunInModule(const char* name, const std::vector<std::string>& args, const sculpt::Streams& io) {
  const std::filesystem::path module = CommandModulePath();
  void* handle = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::cerr << "sculpt: cannot load " << module.string() << ": " << dlerror() << "\n";
    return 1;
  }
  auto entry = reinterpret_cast<decltype(&SculptModuleCommand)>(
      dlsym(handle, sculpt::kCommandModuleEntry));
  if (entry == nullptr) {
    std::cerr << "sculpt: " << module.string() << " has no " << sculpt::kCommandModuleEntry << "\n";
    return 1;
  }
  std::vector<const char*> argv;
  for (const std::string& word : args) argv.push_back(word.c_str());
  std::cout.flush();
  const int status = entry(name, static_cast<int>(argv.size()), argv.data(),
                           io.out_is_terminal ? 1 : 0, io.err_is_terminal ? 1 : 0);
  // The module keeps LibTorch's and TBB's threads and static state: never unload it.
  if (status == -1) {
    std::cerr << "sculpt: the commands module does not know '" << name << "'\n";
    return 1;
  }
  return status;
}

const Subcommand* FindSubcommand(const std::string& name) {
  for (const Subcommand& s : kSubcommands) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

// "unknown command 'quer'; did you mean 'query'?" and the general usage, exit status 2.
int UnknownCommand(const std::string& name) {
  std::vector<std::string> names;
  for (const Subcommand& s : kSubcommands) names.emplace_back(s.name);
  std::cerr << "sculpt: unknown command '" << name << "'";
  const std::string guess = sculpt::DidYouMean(name, names);
  if (!guess.empty()) std::cerr << "; did you mean '" << guess << "'?";
  std::cerr << "\n";
  PrintUsage(std::cerr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h" ||
      (words[0] == "help" && words.size() == 1)) {
    PrintUsage(std::cout);
    return words.empty() ? 2 : 0;
  }
  if (words[0] == "--version") {
    std::cout << "sculpt " << sculpt::kVersion << "\n";
    return 0;
  }
  // `sculpt help COMMAND` is `sculpt COMMAND --help`.
  if (words[0] == "help") {
    if (words.size() > 2) {
      std::cerr << "sculpt help: expected one command, e.g. sculpt help run\n";
      return 2;
    }
    words = {words[1], "--help"};
  }
  const Subcommand* chosen = FindSubcommand(words[0]);
  if (chosen == nullptr) return UnknownCommand(words[0]);
  const std::vector<std::string> args(words.begin() + 1, words.end());
  const sculpt::Streams io{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1,
                           isatty(STDERR_FILENO) == 1};
  if (chosen->local != nullptr) return sculpt::CallCommand(chosen->local, chosen->name, args, io);
  return RunInModule(chosen->name, args, io);
}
