#pragma once
// The commands module: the `sculpt` subcommands that build models or search components (run,
// export, list, ...) live in the shared library libsculpt_experiments.so, next to the executable. The
// executable loads it with dlopen only when such a command runs, so commands that only read the
// database (`sculpt query`) start without loading LibTorch, whose start-up alone costs about half a
// second.

namespace sculpt {

// The module's entry point, looked up by name with dlsym.
inline constexpr const char* kCommandModuleEntry = "SculptModuleCommand";
inline constexpr const char* kCommandModuleFile = "libsculpt_experiments.so";

}  // namespace sculpt

// Runs subcommand `name` with the words after it; returns the exit status, or -1 when the module
// has no such command.
extern "C" int SculptModuleCommand(const char* name, int argc, const char* const* argv,
                                   int out_is_terminal, int err_is_terminal);
