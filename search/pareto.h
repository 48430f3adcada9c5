#pragma once
// Pareto dominance over objective vectors oriented so that larger is better (as strategies see
// them in Observation::objectives; negate a minimized metric first). Used by NSGA-II (sorting into
// fronts, crowding distance), by `sculpt query --pareto` (the non-dominated subset of a result
// set) and by benchmarks (the 2-D hypervolume by which fronts are compared).
// Pure functions over their arguments: safe to call from any thread.
// Every function that takes a point set throws UserError when the points do not all have the same
// number of values or a value is not finite.

#include <array>
#include <cstddef>
#include <span>
#include <vector>

namespace sculpt {

// True when `a` is at least as good as `b` in every objective and better in one (larger-better).
// Equal points do not dominate each other.
bool Dominates(std::span<const double> a, std::span<const double> b);

// Indices (ascending) of the points no other point dominates. Duplicates of a non-dominated point
// are all kept. O(n log n + n * front size).
std::vector<std::size_t> NonDominated(std::span<const std::vector<double>> points);

// The fronts of non-dominated sorting (Deb et al. 2002): front 0 is NonDominated(points), front
// k what is non-dominated once fronts 0..k-1 are removed. Each front's indices are ascending;
// together they hold every index exactly once.
std::vector<std::vector<std::size_t>> NonDominatedSort(std::span<const std::vector<double>> points);

// NSGA-II's crowding distance of each member of `front` (indices into `points`), in the order of
// `front`: for each objective, the gap between a member's two neighbours along that objective
// divided by the objective's range over the front, summed. Members at either end of some
// objective (and every member of a front of one or two) get +infinity.
std::vector<double> CrowdingDistance(std::span<const std::vector<double>> points,
                                     std::span<const std::size_t> front);

// Area dominated by the points and dominating `reference` (larger-better in both coordinates):
// the 2-D hypervolume. Points not strictly better than the reference in both coordinates add
// nothing. Throws UserError unless every point has exactly 2 values and the reference is finite.
double Hypervolume2D(std::span<const std::vector<double>> points, std::array<double, 2> reference);

}  // namespace sculpt
