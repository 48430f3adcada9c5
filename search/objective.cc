#include "search/objective.h"

#include <algorithm>

#include <sstream>

namespace sculpt {

bool Constraint::SatisfiedBy(const Metrics& metrics) const {
  auto it = metrics.find(metric);
  if (it == metrics.end()) return false;
  if (min && it->second < *min) return false;
  if (max && it->second > *max) return false;
  return true;
}

bool SatisfiesAll(const std::vector<Constraint>& constraints, const Metrics& metrics) {
  return std::all_of(constraints.begin(), constraints.end(),
                     [&](const Constraint& c) { return c.SatisfiedBy(metrics); });
}

std::string Constraint::Describe() const {
  std::ostringstream out;
  if (min && max) {
    out << *min << " <= " << metric << " <= " << *max;
  } else if (min) {
    out << metric << " >= " << *min;
  } else if (max) {
    out << metric << " <= " << *max;
  } else {
    out << metric << " (unbounded)";
  }
  return out.str();
}

}  // namespace sculpt
