#pragma once
// Runs the real `sculpt` binary (SCULPT_BINARY, set by CMake), or any command, through the shell,
// for end-to-end tests of the command line.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace sculpt::testing {

struct SculptResult {
  int status = -1;
  std::string out;  // stdout and stderr together
};

// Runs `command` through the shell, stdout and stderr together.
inline SculptResult RunCommand(const std::string& command) {
  SculptResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) result.out += buffer.data();
  const int raw = pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

// The whole of a text file the command wrote ("" when there is none).
inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `args` is shell text after the binary's name (it may hold redirections and further commands).
inline SculptResult Sculpt(const std::string& args) {
  return RunCommand(std::string(SCULPT_BINARY) + " " + args);
}

}  // namespace sculpt::testing
