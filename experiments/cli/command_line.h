#pragma once
// CommandLine: flags and positional arguments of one `sculpt` subcommand, with --help.
// Unknown flags, missing values and a flag given twice are usage errors (exit status 2), unknown
// flags with a did-you-mean. The common flags have one-letter forms, the same letter for the
// same flag in every command (kShortFlags): `-o DIR` or `-oDIR` is `--out DIR`.
// Thread-safety: a value used by the thread that parses the command line.

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "spaces/errors.h"

namespace sculpt {

// A mistake on the command line; the CLI exits with status 2.
class UsageError : public UserError {
 public:
  using UserError::UserError;
};

struct FlagSpec {
  std::string name;       // without the leading dashes, e.g. "seed"
  std::string value_name; // e.g. "N"; empty for a switch that takes no value
  std::string help;
};

// The one-letter forms of the common flags. A command that has the long flag gets the short
// one too; one letter never means two things.
struct ShortFlag {
  char letter;
  const char* name;
};
inline constexpr ShortFlag kShortFlags[] = {
    {'e', "experiment"}, {'f', "format"}, {'n', "top"},
    {'o', "out"},        {'q', "quiet"},  {'w', "workers"},
};

class CommandLine {
 public:
  // `usage` is the synopsis after "sculpt", e.g. "run CONFIG [--seed N]".
  CommandLine(std::string usage, std::string description, std::vector<FlagSpec> flags,
              int min_positional, int max_positional);

  // Parses `args` (the words after the subcommand). Returns false when --help was given (the help
  // text has then been written to `out`). Throws UsageError.
  bool Parse(const std::vector<std::string>& args, std::ostream& out);

  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  std::optional<std::string> Value(const std::string& name) const;
  // The flag's value as an integer in [min, max], or `fallback` when absent.
  std::int64_t Int(const std::string& name, std::int64_t fallback, std::int64_t min,
                   std::int64_t max) const;
  // The flag's value, which must be one of `choices`, or `fallback` when absent.
  std::string Choice(const std::string& name, const std::string& fallback,
                     const std::vector<std::string>& choices) const;
  const std::vector<std::string>& Positional() const { return positional_; }

  std::string Help() const;

 private:
  const FlagSpec* Find(const std::string& name) const;
  // Records the value of `flag` (given as `spelled`), refusing a second one.
  void Set(const FlagSpec& flag, const std::string& spelled, std::string value);

  std::string usage_;
  std::string description_;
  std::vector<FlagSpec> flags_;
  int min_positional_;
  int max_positional_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace sculpt
