#include "experiments/cli/command_line.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "experiments/cli/cli.h"
#include "spaces/did_you_mean.h"
#include "spaces/options.h"

namespace sculpt {

CommandLine::CommandLine(std::string usage, std::string description, std::vector<FlagSpec> flags,
                         int min_positional, int max_positional)
    : usage_(std::move(usage)), description_(std::move(description)), flags_(std::move(flags)),
      min_positional_(min_positional), max_positional_(max_positional) {}

const FlagSpec* CommandLine::Find(const std::string& name) const {
  for (const FlagSpec& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

namespace {

// The short letter of a long flag, or 0.
char ShortLetter(const std::string& name) {
  for (const ShortFlag& s : kShortFlags) {
    if (name == s.name) return s.letter;
  }
  return 0;
}

}  // namespace

void CommandLine::Set(const FlagSpec& flag, const std::string& spelled, std::string value) {
  if (values_.count(flag.name) != 0) {
    // Which of two values was meant is a guess either way; scripts that build command lines
    // should not have the last one win silently.
    throw UsageError("option " + spelled + " given twice; give it once\nusage: sculpt " + usage_);
  }
  values_[flag.name] = std::move(value);
}

bool CommandLine::Parse(const std::vector<std::string>& args, std::ostream& out) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--help" || word == "-h") {
      out << Help();
      return false;
    }
    if (word.size() > 2 && word.rfind("--", 0) == 0) {
      std::string name = word.substr(2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const FlagSpec* flag = Find(name);
      if (flag == nullptr) {
        std::vector<std::string> names;
        for (const FlagSpec& f : flags_) names.push_back(f.name);
        std::string message = "unknown option --" + name;
        const std::string guess = DidYouMean(name, names);
        if (!guess.empty()) message += "; did you mean --" + guess + "?";
        throw UsageError(message + "\nusage: sculpt " + usage_);
      }
      if (flag->value_name.empty()) {
        if (inline_value) throw UsageError("option --" + name + " takes no value");
        Set(*flag, "--" + name, "");
      } else if (inline_value) {
        Set(*flag, "--" + name, *inline_value);
      } else {
        if (i + 1 >= args.size()) {
          throw UsageError("option --" + name + " needs a value (" + flag->value_name + ")");
        }
        Set(*flag, "--" + name, args[++i]);
      }
      continue;
    }
    // A short flag is a dash and a letter ("-5" stays a positional argument), its value the
    // rest of the word or the next word.
    if (word.size() >= 2 && word[0] == '-' && std::isalpha(static_cast<unsigned char>(word[1]))) {
      const char letter = word[1];
      const FlagSpec* flag = nullptr;
      for (const FlagSpec& f : flags_) {
        if (ShortLetter(f.name) == letter) flag = &f;
      }
      if (flag == nullptr) {
        std::string known;
        for (const FlagSpec& f : flags_) {
          const char l = ShortLetter(f.name);
          if (l != 0) known += (known.empty() ? "-" : ", -") + std::string(1, l);
        }
        throw UsageError(std::string("unknown option -") + letter +
                         (known.empty() ? "" : " (short options: " + known + ")") +
                         "\nusage: sculpt " + usage_);
      }
      const std::string spelled = std::string{'-', letter} + " (--" + flag->name + ")";
      if (flag->value_name.empty()) {
        if (word.size() > 2) throw UsageError("option " + spelled + " takes no value");
        Set(*flag, spelled, "");
      } else if (word.size() > 2) {
        Set(*flag, spelled, word.substr(2));
      } else {
        if (i + 1 >= args.size()) {
          throw UsageError("option " + spelled + " needs a value (" + flag->value_name + ")");
        }
        Set(*flag, spelled, args[++i]);
      }
      continue;
    }
    positional_.push_back(word);
  }
  const int count = static_cast<int>(positional_.size());
  if (count < min_positional_ || count > max_positional_) {
    throw UsageError("wrong number of arguments\nusage: sculpt " + usage_);
  }
  return true;
}

std::optional<std::string> CommandLine::Value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string CommandLine::Choice(const std::string& name, const std::string& fallback,
                                const std::vector<std::string>& choices) const {
  const std::optional<std::string> text = Value(name);
  if (!text) return fallback;
  if (std::find(choices.begin(), choices.end(), *text) != choices.end()) return *text;
  std::string expected;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  }
  throw UsageError("option --" + name + ": unknown value '" + *text + "'; expected " + expected);
}

std::int64_t CommandLine::Int(const std::string& name, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) const {
  const std::optional<std::string> text = Value(name);
  if (!text) return fallback;
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size() || text->empty() || value < min || value > max) {
    throw UsageError("option --" + name + ": expected an integer in [" + std::to_string(min) +
                     ", " + std::to_string(max) + "], got '" + *text + "'");
  }
  return value;
}

std::string CommandLine::Help() const {
  std::ostringstream out;
  out << "usage: sculpt " << usage_ << "\n\n" << description_ << "\n";
  if (!flags_.empty()) {
    out << "\noptions:\n";
    auto line = [&out](char letter, const std::string& flag, const std::string& help) {
      std::string left = letter != 0 ? std::string("  -") + letter + ", " : std::string(6, ' ');
      left += flag;
      if (left.size() < 28) left.resize(28, ' ');
      out << left << " " << help << "\n";
    };
    for (const FlagSpec& flag : flags_) {
      line(ShortLetter(flag.name), "--" + flag.name +
                                       (flag.value_name.empty() ? "" : " " + flag.value_name),
           flag.help);
    }
    line('h', "--help", "show this help");
  }
  return out.str();
}

int CallCommand(CommandFunction command, const std::string& name,
                const std::vector<std::string>& args, Streams io) {
  try {
    return command(args, io);
  } catch (const ConfigError& error) {
    io.err << "sculpt " << name << ": " << error.what() << "\n";
    return 2;
  } catch (const UsageError& error) {
    io.err << "sculpt " << name << ": " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    io.err << "sculpt " << name << ": " << error.what() << "\n";
    return 1;
  }
}

}  // namespace sculpt
