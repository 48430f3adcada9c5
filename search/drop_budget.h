#pragma once
// WithinDrop: whether a measured drop of the objective stays within a pruning goal's max_drop.
// Accuracies are counts of images over a fixed set, so drops of exactly the budget are common,
// and they seldom compute exactly: 30 of 5,000 images is 0.8424 - 0.8364 = 0.006000000000000005
// against max_drop 0.006. A drop is within the budget unless it exceeds it by more than such
// rounding (far below one image in any data set). astar, importance and fisher decide by it.
// Thread-safety: a pure function.

namespace sculpt {

inline constexpr double kDropRounding = 1e-9;

inline bool WithinDrop(double drop, double max_drop) { return drop <= max_drop + kDropRounding; }

}  // namespace sculpt
