#include "spaces/json_file.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "spaces/errors.h"

namespace sculpt {

nlohmann::json ReadJsonFile(const std::filesystem::path& path, const std::string& what) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw UserError("cannot read " + what + " '" + path.string() + "': it is a folder");
  }
  std::ifstream in(path);
  if (!in) throw UserError("cannot read " + what + " '" + path.string() + "'");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& error) {
    throw UserError(what + " '" + path.string() + "' is not valid JSON: " + error.what());
  }
}

void WriteJsonFile(const nlohmann::json& json, const std::filesystem::path& path,
                   const std::string& what) {
  const std::string failure = "cannot write " + what + " '" + path.string() + "'";
  std::error_code error;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) throw UserError(failure + ": " + error.message());
  }
  std::filesystem::path partial = path;
  partial += ".partial-" + std::to_string(::getpid());
  {
    std::ofstream out(partial);
    out << json.dump(2) << "\n";
    out.close();
    if (!out) {
      std::filesystem::remove(partial, error);
      throw UserError(failure);
    }
  }
  std::filesystem::rename(partial, path, error);
  if (error) {
    const std::string reason = error.message();
    std::filesystem::remove(partial, error);
    throw UserError(failure + ": " + reason);
  }
}

}  // namespace sculpt
