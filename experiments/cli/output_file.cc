#include "experiments/cli/output_file.h"

#include <array>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

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

std::function<bool(const std::filesystem::path&)> Holding(std::string mark) {
  return [mark = std::move(mark)](const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::string start(1 << 20, '\0');
    file.read(start.data(), static_cast<std::streamsize>(start.size()));
    start.resize(static_cast<std::size_t>(file.gcount()));
    return start.find(mark) != std::string::npos;
  };
}

std::function<bool(const std::filesystem::path&)> JsonOfFormat(std::string prefix) {
  return [prefix = std::move(prefix)](const std::filesystem::path& path) {
    std::ifstream file(path);
    const nlohmann::json document = nlohmann::json::parse(file, nullptr, false);
    return !document.is_discarded() && document.is_object() && document.contains("format") &&
           document["format"].is_string() &&
           document["format"].get<std::string>().rfind(prefix, 0) == 0;
  };
}

void CheckOutputFile(const std::filesystem::path& out,
                     const std::vector<std::filesystem::path>& inputs, std::string_view kind,
                     const std::function<bool(const std::filesystem::path&)>& is_earlier_output) {
  std::error_code error;
  if (!out.empty() && !out.has_filename()) {  // "dir/": a folder, whether it exists or not
    throw UsageError("--out " + out.string() + " names a folder; give the " + std::string(kind) +
                     " a file name in it");
  }
  if (!std::filesystem::exists(out, error)) return;
  if (std::filesystem::is_directory(out, error)) {
    throw UsageError("--out " + out.string() + " is a folder; give the " + std::string(kind) +
                     " a file name in it");
  }
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
  if (!is_earlier_output(out)) {
    throw UsageError("--out " + out.string() + " exists and is not an earlier " +
                     std::string(kind) +
                     "; writing there would replace it: give another name, "
                     "or remove the file first");
  }
}

}  // namespace sculpt
