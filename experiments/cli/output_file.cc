#include "experiments/cli/output_file.h"

#include <array>
#include <cstring>
#include <fstream>

#include "experiments/cli/command_line.h"

namespace sculpt {
namespace {

// Every SQLite database file starts with these 16 bytes (its file format's header string).
bool IsSqliteDatabase(const std::filesystem::path& path) {
  static constexpr char kHeader[] = "SQLite format 3";  // with its '\0', 16 bytes
  std::array<char, sizeof(kHeader)> start{};
  std::ifstream file(path, std::ios::binary);
  return file.read(start.data(), start.size()) &&
         std::memcmp(start.data(), kHeader, sizeof(kHeader)) == 0;
}

}  // namespace

void CheckOutputFile(const std::filesystem::path& out,
                     const std::vector<std::filesystem::path>& inputs) {
  std::error_code error;
  if (!std::filesystem::exists(out, error)) return;
  for (const std::filesystem::path& input : inputs) {
    if (std::filesystem::equivalent(out, input, error)) {
      throw UsageError("--out " + out.string() + " is the file this command reads (" +
                       input.string() + "); writing there would replace it: give another name");
    }
  }
  if (IsSqliteDatabase(out)) {
    throw UsageError("--out " + out.string() +
                     " is an SQLite database; writing there would "
                     "replace it and the results it holds: give another name");
  }
}

}  // namespace sculpt
