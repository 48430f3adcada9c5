#include "supernet/archive_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace sculpt {

void WriteFileWhole(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::path partial = path;
  partial += ".partial";
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (file == nullptr) {
    throw std::runtime_error(std::strerror(errno));
  }
  // fwrite and fflush leave errno set when the disk is full; fclose flushes what is left.
  const bool written =
      std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size() && std::fflush(file) == 0;
  const int write_error = errno;
  const bool closed = std::fclose(file) == 0;
  const int close_error = errno;
  if (!written || !closed) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw std::runtime_error(std::strerror(!written ? write_error : close_error));
  }
  std::error_code renamed;
  std::filesystem::rename(partial, path, renamed);
  if (renamed) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw std::runtime_error(renamed.message());
  }
}

void SaveArchiveWhole(torch::serialize::OutputArchive& archive, const std::filesystem::path& path) {
  std::string bytes;
  archive.save_to([&bytes](const void* data, std::size_t size) -> std::size_t {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  WriteFileWhole(path, bytes);
}

}  // namespace sculpt
