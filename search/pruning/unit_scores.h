#pragma once
// Unit scores for gradient-based pruning, from the gate gradients of spaces/unit_gradients.h:
// Michel et al.'s importance and Kwon et al.'s Fisher information, and what removing a unit saves
// of a cost metric. Shared by the importance and fisher strategies (search/pruning/).
// Thread-safety: pure functions.

#include <string>
#include <vector>

#include "spaces/architecture.h"
#include "spaces/search_space.h"
#include "spaces/unit_gradients.h"

namespace sculpt {

// Michel et al. (2019): I_u = mean over examples of |dL/dgate_u|, then divided by the L2 norm of
// its group's scores (per layer, as the paper normalises heads), so layers compare.
std::vector<double> MichelImportance(const UnitGradients& gradients);

// Kwon et al. (2022): the diagonal of the empirical Fisher information of the gates,
// F_uu = sum over examples of (dL/dgate_u)^2.
std::vector<double> FisherDiagonal(const UnitGradients& gradients);

// The group's block of the Fisher information, F_ij = sum over examples of g_i g_j, row-major
// |group| x |group| in the group's unit order.
std::vector<double> FisherBlock(const UnitGradients& gradients, const UnitGroup& group);

// For each unit (choice) of `largest`, what removing it alone saves of cost `metric`.
std::vector<double> UnitSavings(const SearchSpace& space, const Architecture& largest,
                                const std::string& metric);

}  // namespace sculpt
