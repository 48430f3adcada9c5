#pragma once
// The command line of the benchmarks that measure export folders (onnx_export_bench,
// prune_latency_bench): `NAME DIR... [--runs N] [--threads T]`.

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

struct ExportDirsArgs {
  std::vector<std::string> dirs;
  int runs = 0;
  int threads = 0;
};

// Parses argv with the given defaults; nullopt (the usage printed) when no DIR is given.
inline std::optional<ExportDirsArgs> ParseExportDirsArgs(int argc, char** argv, const char* name,
                                                         int runs, int threads) {
  ExportDirsArgs args{{}, runs, threads};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      args.runs = std::atoi(argv[++i]);
    } else if (arg == "--threads" && i + 1 < argc) {
      args.threads = std::atoi(argv[++i]);
    } else {
      args.dirs.push_back(arg);
    }
  }
  if (args.dirs.empty()) {
    std::cerr << "usage: " << name << " DIR... [--runs N] [--threads T]\n";
    return std::nullopt;
  }
  return args;
}
