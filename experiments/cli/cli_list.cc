// `sculpt list spaces|strategies|evaluators|comparators`: what is registered, one line each.

#include <iomanip>

#include "experiments/config/builtins.h"
#include "experiments/cli/cli.h"
#include "experiments/cli/command_line.h"
#include "spaces/did_you_mean.h"

namespace sculpt {
namespace {

template <class Factory>
void PrintEntries(const Registry<Factory>& registry, std::ostream& out) {
  std::size_t width = 0;
  for (const auto& entry : registry.Entries()) width = std::max(width, entry.name.size());
  for (const auto& entry : registry.Entries()) {
    out << std::left << std::setw(static_cast<int>(width) + 2) << entry.name << entry.description
        << "\n";
  }
}

}  // namespace

int ListCommand(const std::vector<std::string>& args, Streams io) {
  CommandLine command_line("list spaces|strategies|evaluators|comparators",
                           "Lists the registered components of one kind with a one-line description.",
                           {}, 1, 1);
  if (!command_line.Parse(args, io.out)) return 0;
  const std::string& what = command_line.Positional().front();
  if (what == "spaces") {
    PrintEntries(Spaces(), io.out);
  } else if (what == "strategies") {
    PrintEntries(Strategies(), io.out);
  } else if (what == "evaluators") {
    PrintEntries(Evaluators(), io.out);
  } else if (what == "comparators") {
    PrintEntries(Comparators(), io.out);
  } else {
    std::string message = "unknown list '" + what + "'";
    const std::string guess =
        DidYouMean(what, {"spaces", "strategies", "evaluators", "comparators"});
    if (!guess.empty()) message += "; did you mean '" + guess + "'?";
    throw UsageError(message + " (expected spaces, strategies, evaluators or comparators)");
  }
  return 0;
}

}  // namespace sculpt
