#pragma once
// A synthetic NAS-Bench-201-shaped table for experiment and CLI tests: every cell of the space
// with deterministic made-up accuracies (more convolutions score higher, as on the real table).

#include <filesystem>
#include <fstream>

#include "spaces/nb201.h"

namespace sculpt::testing {

inline void WriteSyntheticNb201Table(const std::filesystem::path& path) {
  nb201::Skeleton skeleton;
  auto space = nb201::MakeSpace(skeleton);
  std::ofstream out(path);
  out << "index,arch,cifar10_valid,cifar10_test\n";
  int index = 0;
  for (const Architecture& arch : space->Enumerate()) {
    double score = 10;
    for (std::size_t e = 0; e < arch.choices.size(); ++e) {
      const int op = arch.choices[e];
      score += (op == nb201::kConv3x3 ? 12 : op == nb201::kConv1x1 ? 8 : op == nb201::kSkipConnect ? 4 : 0) +
               0.1 * static_cast<double>(e);
    }
    out << index++ << "," << space->Format(arch) << "," << score << "," << score - 1.5 << "\n";
  }
}

}  // namespace sculpt::testing
