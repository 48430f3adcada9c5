#include "experiments/cli/command_module.h"

#include <iostream>
#include <string>
#include <vector>

#include "experiments/cli/cli.h"

namespace {

struct ModuleCommand {
  const char* name;
  sculpt::CommandFunction run;
};

// The commands that need search components or models (and so LibTorch).
constexpr ModuleCommand kModuleCommands[] = {
    {"run", sculpt::RunCommand},
    {"export", sculpt::ExportCommand},
    {"list", sculpt::ListCommand},
    {"train", sculpt::TrainCommand},
    {"latency", sculpt::LatencyCommand},
    {"rank", sculpt::RankCommand},
    {"report", sculpt::ReportCommand},
};

}  // namespace

extern "C" __attribute__((visibility("default"))) int SculptModuleCommand(
    const char* name, int argc, const char* const* argv, int out_is_terminal,
    int err_is_terminal) {
  const std::string command = name;
  for (const ModuleCommand& entry : kModuleCommands) {
    if (command != entry.name) continue;
    const std::vector<std::string> args(argv, argv + argc);
    const sculpt::Streams io{std::cout, std::cerr, out_is_terminal != 0, err_is_terminal != 0};
    const int status = sculpt::CallCommand(entry.run, command, args, io);
    std::cout.flush();
    return status;
  }
  return -1;
}
