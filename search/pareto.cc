#include "search/pareto.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "spaces/errors.h"

namespace sculpt {
namespace {

// Throws UserError unless every point has `dimension` finite values (dimension 0: the first's).
std::size_t CheckPoints(std::span<const std::vector<double>> points, std::size_t dimension = 0) {
  if (dimension == 0 && !points.empty()) dimension = points.front().size();
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].size() != dimension) {
      throw UserError("point " + std::to_string(i) + " has " + std::to_string(points[i].size()) +
                      " objective values, expected " + std::to_string(dimension));
    }
    for (double value : points[i]) {
      if (!std::isfinite(value)) {
        throw UserError("point " + std::to_string(i) + " has a value that is not finite");
      }
    }
  }
  return dimension;
}

// Non-dominated members of `candidates` (indices into points, any order), ascending.
// A dominator is lexicographically larger than what it dominates, so after sorting by decreasing
// lexicographic order each point only needs comparing with the front found so far: whatever
// dominates it either is in that front or is dominated (transitively) by a member of it.
std::vector<std::size_t> FrontOf(std::span<const std::vector<double>> points,
                                 std::vector<std::size_t> candidates) {
  std::sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
    if (points[a] != points[b]) return points[a] > points[b];
    return a < b;
  });
  std::vector<std::size_t> front;
  for (std::size_t index : candidates) {
    const bool dominated = std::any_of(front.begin(), front.end(), [&](std::size_t member) {
      return Dominates(points[member], points[index]);
    });
    if (!dominated) front.push_back(index);
  }
  std::sort(front.begin(), front.end());
  return front;
}

}  // namespace

bool Dominates(std::span<const double> a, std::span<const double> b) {
  bool better = false;
  for (std::size_t m = 0; m < a.size() && m < b.size(); ++m) {
    if (a[m] < b[m]) return false;
    if (a[m] > b[m]) better = true;
  }
  return better;
}

std::vector<std::size_t> NonDominated(std::span<const std::vector<double>> points) {
  CheckPoints(points);
  std::vector<std::size_t> all(points.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  return FrontOf(points, std::move(all));
}

std::vector<std::vector<std::size_t>> NonDominatedSort(
    std::span<const std::vector<double>> points) {
  CheckPoints(points);
  std::vector<std::size_t> rest(points.size());
  std::iota(rest.begin(), rest.end(), std::size_t{0});
  std::vector<std::vector<std::size_t>> fronts;
  std::vector<char> taken(points.size(), 0);
  while (!rest.empty()) {
    fronts.push_back(FrontOf(points, rest));
    for (std::size_t index : fronts.back()) taken[index] = 1;
    std::erase_if(rest, [&](std::size_t index) { return taken[index] != 0; });
  }
  return fronts;
}

std::vector<double> CrowdingDistance(std::span<const std::vector<double>> points,
                                     std::span<const std::size_t> front) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  std::vector<double> distance(front.size(), 0.0);
  if (front.size() <= 2) {
    std::fill(distance.begin(), distance.end(), kInfinity);
    return distance;
  }
  const std::size_t dimension = points[front.front()].size();
  std::vector<std::size_t> order(front.size());  // positions in `front`
  for (std::size_t m = 0; m < dimension; ++m) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Ties keep the order of `front`, so the result never depends on the sort's internals.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return points[front[a]][m] < points[front[b]][m];
    });
    const double low = points[front[order.front()]][m];
    const double high = points[front[order.back()]][m];
    distance[order.front()] = kInfinity;
    distance[order.back()] = kInfinity;
    if (high <= low) continue;  // every member equal in this objective: it separates nothing
    for (std::size_t k = 1; k + 1 < order.size(); ++k) {
      distance[order[k]] +=
          (points[front[order[k + 1]]][m] - points[front[order[k - 1]]][m]) / (high - low);
    }
  }
  return distance;
}

double Hypervolume2D(std::span<const std::vector<double>> points, std::array<double, 2> reference) {
  if (!std::isfinite(reference[0]) || !std::isfinite(reference[1])) {
    throw UserError("hypervolume reference point must be finite");
  }
  if (points.empty()) return 0.0;
  CheckPoints(points, 2);
  std::vector<std::array<double, 2>> better;
  for (const std::vector<double>& p : points) {
    if (p[0] > reference[0] && p[1] > reference[1]) better.push_back({p[0], p[1]});
  }
  // Sweep from the largest first coordinate down: each point that raises the second coordinate
  // adds the strip between the previous height and its own, as wide as its first coordinate.
  std::sort(better.begin(), better.end(), std::greater<>());
  double area = 0.0;
  double height = reference[1];
  for (const auto& [x, y] : better) {
    if (y <= height) continue;
    area += (x - reference[0]) * (y - height);
    height = y;
  }
  return area;
}

}  // namespace sculpt
