#pragma once
// model.pt: the trained stand-alone network of an exported architecture, as a LibTorch archive
// (torch::save of the module: every parameter and buffer by its dotted name, e.g.
// "cells.0.edges.3.conv.conv.weight", BN running statistics included). LibTorch reads it back
// into a network built from the same architecture and skeleton (ReadModel, or torch::load in
// your own program). The file is the zip archive torch::save writes (TorchScript format).
// See docs/EXPORT.md. Thread-safety: stateless functions.

#include <filesystem>

#include "spaces/architecture.h"
#include "spaces/nb201.h"
#include "supernet/nb201_network.h"

namespace sculpt {

inline constexpr const char* kModelFile = "model.pt";

// Writes `network` to `path` (written beside and renamed: a reader never sees half a file).
// Throws UserError when it cannot be written.
void WriteModel(const Nb201Network& network, const std::filesystem::path& path);

// Builds the network of `arch` on `skeleton` (running-statistics batch norm, the retrained
// setting) and loads `path` into it; in eval mode. Throws UserError when the file cannot be read
// or does not hold that network's tensors.
Nb201Network ReadModel(const Architecture& arch, const nb201::Skeleton& skeleton,
                       const std::filesystem::path& path);

}  // namespace sculpt
