#pragma once
// SearchSpace: a set of architectures with the moves strategies need.
// Implementations are immutable after construction; every method is const and safe to call
// from many threads at once. A new space is one new file (listed in spaces/CMakeLists.txt) plus
// one registration line in experiments/config/builtins.cc.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "spaces/architecture.h"
#include "spaces/encoding.h"
#include "spaces/errors.h"
#include "spaces/labeled_graph.h"
#include "spaces/metrics.h"
#include "spaces/rng.h"

namespace sculpt {

// One decision an architecture makes: the entry of Architecture::choices at the same position.
// Few-shot supernets split the space on one (supernet/few_shot/few_shot_supernet.h).
struct Decision {
  std::string name;                  // e.g. "edge0", "layer2.heads"
  std::vector<std::string> options;  // each choice value as a person reads it, e.g. "nor_conv_3x3"
};

class SearchSpace {
 public:
  virtual ~SearchSpace() = default;

  // Registered name, e.g. "nb201".
  virtual std::string Name() const = 0;

  // A uniformly random member of the space.
  virtual Architecture Sample(Rng& rng) const = 0;

  // One random single edit of `arch`; the result always differs from `arch`.
  virtual Architecture Mutate(const Architecture& arch, Rng& rng) const = 0;
  // The same edit (the same draws from `rng`) written into `child` (not `arch` itself), reusing
  // its storage: evolution mutates millions of times in a long search. Spaces may override it
  // to avoid the allocation; the default calls Mutate.
  virtual void MutateInto(const Architecture& arch, Rng& rng, Architecture& child) const {
    child = Mutate(arch, rng);
  }

  // Every architecture one single edit away from `arch`, in a fixed order.
  virtual std::vector<Architecture> Neighbours(const Architecture& arch) const = 0;

  // Number of architectures (string forms), when finite and representable.
  virtual std::optional<std::uint64_t> Size() const = 0;

  // Every architecture, in a fixed order. Throws UserError when the space is too large.
  virtual std::vector<Architecture> Enumerate() const = 0;

  // The space's string form. Parse throws UserError naming the problem and what is allowed.
  virtual Architecture Parse(std::string_view text) const = 0;
  virtual std::string Format(const Architecture& arch) const = 0;

  // True when `arch` is a well-formed member of this space (right length, choices in range).
  virtual bool Contains(const Architecture& arch) const = 0;

  // True when the network computes something from its input: the input reaches the output.
  virtual bool IsValid(const Architecture& arch) const = 0;

  // The graph view (see labeled_graph.h).
  virtual LabeledGraph Graph(const Architecture& arch) const = 0;

  // A description of the computation that is equal for, and only for, architectures that
  // compute the same function family (isomorphic cells, edges made irrelevant by 'none' or by
  // dead ends ignored). CanonicalHash is a 64-bit hash of it.
  virtual std::string CanonicalForm(const Architecture& arch) const = 0;
  std::uint64_t CanonicalHash(const Architecture& arch) const;
  // The member of `arch`'s class that stands for the class: equal for every architecture of the
  // same CanonicalForm. Evaluators whose score depends on how a network is written, not only on
  // what it computes, score this member so that a class's score does not depend on which member
  // a search proposed first (the engine scores a class once). Example: a transformer supernet
  // picks a layer's shared weights by the layer's position, so a one-layer network written in
  // the first or the last layer reads different weights. The default, `arch` itself, is right
  // for spaces whose class members are written alike wherever it matters to such evaluators.
  virtual Architecture CanonicalMember(const Architecture& arch) const { return arch; }

  // The decisions, one per entry of choices, in order, when each is free of the others (every
  // combination of values is a member); empty when they are not, or the space has none to
  // offer (the default).
  virtual std::vector<Decision> Decisions() const { return {}; }

  // Encodings for predictors (see encoding.h).
  virtual Encoding Encode(const Architecture& arch) const = 0;

  // Analytic cost metrics of the network the architecture stands for (e.g. params, flops), known
  // before any evaluation; constraints may only refer to these. Empty for spaces without a
  // macro skeleton.
  virtual std::vector<std::string> CostMetricNames() const { return {}; }
  virtual Metrics Cost(const Architecture& /*arch*/) const { return {}; }

  // The reduction graph, for strategies that shrink the most expensive network step by step
  // (search/astar.cc): Largest() is the most expensive member (the start), Reductions(arch) every
  // member one cost-reducing edit below `arch` (no metric of Cost() grows), in a fixed order.
  // Spaces without one keep these defaults: no largest member, and Reductions throws UserError.
  virtual std::optional<Architecture> Largest() const { return std::nullopt; }
  virtual std::vector<Architecture> Reductions(const Architecture& /*arch*/) const {
    throw UserError("space '" + Name() + "' has no reduction graph (Largest/Reductions)");
  }
};

// 64-bit FNV-1a of a string, for canonical hashes.
std::uint64_t HashText(std::string_view text) noexcept;

// A hash as 16 lowercase hex digits (how hashes are stored and shown).
std::string HashToHex(std::uint64_t hash);

}  // namespace sculpt

#include <functional>
#include <memory>

#include "spaces/options.h"

namespace sculpt {

// Reads the space's options (e.g. its macro skeleton) and builds it.
using SpaceFactory = std::function<std::unique_ptr<SearchSpace>(Options& options)>;

}  // namespace sculpt
