#pragma once
// Writing a file whole or not at all: the bytes go to PATH.partial, which is renamed to PATH
// only once every byte is on disk; on any failure (a full disk, a folder that cannot be
// written) the partial file is removed and the previous PATH, if any, is left as it was.
//
// LibTorch archives are serialised in memory first: OutputArchive::save_to(path) checks what it
// wrote from a destructor, so a short write (a full disk) terminates the process instead of
// throwing. Every model, checkpoint and trained block Sculpt saves goes through here.
//
// Any thread; two calls must not write the same PATH at once.

#include <torch/serialize/output-archive.h>

#include <filesystem>
#include <string_view>

namespace sculpt {

// Throws std::runtime_error saying why, the system's reason ("No space left on device"); the
// caller names the file.
void WriteFileWhole(const std::filesystem::path& path, std::string_view bytes);

// The archive's bytes (Module::save's layout), written with WriteFileWhole.
void SaveArchiveWhole(torch::serialize::OutputArchive& archive, const std::filesystem::path& path);

}  // namespace sculpt
