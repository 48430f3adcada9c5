#include "experiments/cli/shell_word.h"

#include <algorithm>

namespace sculpt {

std::string ShellWord(std::string_view word) {
  // Characters no shell gives a meaning to, anywhere in a word.
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("/._-+,:@%=").find(c) != std::string_view::npos;
  };
  if (!word.empty() && std::all_of(word.begin(), word.end(), plain)) return std::string(word);
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string ShellPath(std::string_view path) {
  return ShellWord(path.starts_with('-') ? "./" + std::string(path) : std::string(path));
}

}  // namespace sculpt
