// The canonical form of an NAS-Bench-201 cell: the cell is evaluated symbolically into the DAG
// of computations it performs, simplified by identities that hold exactly for NAS-Bench-201's
// ops, and the DAG is written out under a canonical labelling. docs/SPACES.md explains each
// rule and how the resulting 4,954 classes relate to the 6,466 "unique topologies" of the
// NAS-Bench-201 paper.
//
// The symbolic values: a node's value is a sum of atoms, kept as a sorted multiset of vertex ids
// (sums are commutative and associative; an empty sum is zero). Atoms are vertices of the DAG:
//  - the cell input x;
//  - conv(v) for each nor_conv edge whose input v is non-zero. Every conv edge has its own
//    weights, so every such edge is a vertex of its own: conv(x) + conv(x) is two vertices, not
//    one. A conv of zero is taken as zero (it is ReLU-Conv-BN, so strictly BN's bias: a
//    constant that carries no information about the input). Its input sum is divided by the
//    gcd of its multiplicities: conv(x + x) = conv(x), because ReLU is positively homogeneous,
//    the conv is linear without bias and BN removes the scale.
//  - pool(a) for an atom a: avg_pool_3x3 has no weights and is linear (count_include_pad=False
//    gives fixed averaging weights), so pool(a + b) = pool(a) + pool(b), and pool(a) reached by
//    two edges is one value (one vertex).
// skip_connect passes a value through; none gives zero. Vertices that do not feed the output
// (dead ends) are dropped. Two cells are equivalent when their DAGs are isomorphic.
//
// Canonical labelling: vertices are ranked by their unfolded expression tree (height, kind,
// sorted ranks of inputs), which is invariant under isomorphism. Vertices with equal rank (e.g.
// two convs of x, one of which also feeds another vertex) are interchangeable only up to how
// they are shared, so every order within such ties is tried and the smallest serialization
// wins. Ties are rare and small (a few vertices), so a form costs well under a microsecond.

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>

#include "spaces/errors.h"
#include "spaces/nb201.h"

namespace sculpt::nb201 {
namespace {

enum Kind : std::uint8_t { kInputKind = 0, kPoolKind = 1, kConv1x1Kind = 2, kConv3x3Kind = 3 };

constexpr std::array<const char*, 4> kKindNames = {"x", "avg_pool_3x3", "nor_conv_1x1",
                                                   "nor_conv_3x3"};

// Bounds for the 4-node cell: a node's value has at most 4 atoms (node 3: 1 + 1 + 2), and there
// are at most 1 + 6 convs + 7 pools vertices.
constexpr int kMaxTerms = 8;
constexpr int kMaxVertices = 16;

// Insertion sort of the first n elements; n is clamped so that the bound is visible to the
// compiler (std::sort on a runtime prefix trips GCC 12's -Warray-bounds).
template <class T, std::size_t N>
void SortPrefix(std::array<T, N>& values, int n) {
  const int count = std::min<int>(n, static_cast<int>(N));
  for (int i = 1; i < count; ++i) {
    const T value = values[i];
    int j = i;
    for (; j > 0 && values[j - 1] > value; --j) values[j] = values[j - 1];
    values[j] = value;
  }
}

// A sorted multiset of vertex ids.
struct Terms {
  std::array<std::uint8_t, kMaxTerms> ids{};
  int size = 0;

  void Add(int id) {
    SCULPT_ASSERT(size < kMaxTerms, "nb201 canonical form: too many terms in a sum");
    int i = size++;
    while (i > 0 && ids[i - 1] > id) {
      ids[i] = ids[i - 1];
      --i;
    }
    ids[i] = static_cast<std::uint8_t>(id);
  }
  bool Empty() const { return size == 0; }
  const std::uint8_t* begin() const { return ids.data(); }
  const std::uint8_t* end() const { return ids.data() + size; }
};

struct Vertex {
  Kind kind = kInputKind;
  Terms inputs;  // conv: its input sum; pool: one atom; x: none
};

class CellDag {
 public:
  explicit CellDag(const Architecture& arch) {
    vertices_[0].kind = kInputKind;
    num_vertices_ = 1;
    std::array<Terms, kNumNodes> values;
    values[0].Add(0);
    for (int e = 0; e < kNumEdges; ++e) {  // edges are ordered by target node
      const Terms& in = values[kEdges[e].from];
      Terms& out = values[kEdges[e].to];
      if (in.Empty()) continue;
      switch (arch.choices[e]) {
        case kNone:
          break;
        case kSkipConnect:
          for (int a : in) out.Add(a);
          break;
        case kAvgPool3x3:
          for (int a : in) out.Add(PoolOf(a));
          break;
        case kConv1x1:
        case kConv3x3:
          out.Add(NewConv(arch.choices[e] == kConv1x1 ? kConv1x1Kind : kConv3x3Kind, in));
          break;
        default:
          SCULPT_ASSERT(false, "nb201 op index out of range");
      }
    }
    output_ = values[kNumNodes - 1];
  }

  std::string Canonical() const {
    if (output_.Empty()) return "out=0";
    const Ranking ranking = Rank();
    std::array<std::uint8_t, kMaxVertices> order = ranking.order;
    std::array<std::uint8_t, kMaxVertices> best = order;
    Serialization best_text = Serialize(order, ranking.count);
    // Odometer over the permutations of every group of equal rank.
    while (true) {
      int g = 0;
      for (; g < ranking.num_groups; ++g) {
        auto* first = order.data() + ranking.groups[g].first;
        auto* last = order.data() + ranking.groups[g].second;
        if (std::next_permutation(first, last)) break;  // wrapped groups go back to sorted
      }
      if (g == ranking.num_groups) break;
      const Serialization text = Serialize(order, ranking.count);
      if (text < best_text) {
        best_text = text;
        best = order;
      }
    }
    return Describe(best, ranking.count);
  }

 private:
  struct Ranking {
    std::array<std::uint8_t, kMaxVertices> order{};  // reachable vertices by rank, then id
    int count = 0;
    // [begin, end) ranges of `order` holding more than one vertex of equal rank.
    std::array<std::pair<int, int>, kMaxVertices> groups{};
    int num_groups = 0;
  };
  // Per position: kind, number of inputs, input positions; then the output's positions.
  using Serialization = std::array<std::uint8_t, kMaxVertices*(2 + kMaxTerms) + kMaxTerms + 1>;

  int PoolOf(int atom) {
    for (int v = 0; v < num_vertices_; ++v) {
      if (vertices_[v].kind == kPoolKind && vertices_[v].inputs.ids[0] == atom) return v;
    }
    Vertex vertex;
    vertex.kind = kPoolKind;
    vertex.inputs.Add(atom);
    return Push(vertex);
  }

  int NewConv(Kind kind, const Terms& in) {
    // Divide multiplicities by their gcd: conv(c * v) = conv(v) for c > 0.
    int gcd = 0;
    for (int i = 0; i < in.size;) {
      int j = i;
      while (j < in.size && in.ids[j] == in.ids[i]) ++j;
      gcd = std::gcd(gcd, j - i);
      i = j;
    }
    Vertex vertex;
    vertex.kind = kind;
    for (int i = 0; i < in.size;) {
      int j = i;
      while (j < in.size && in.ids[j] == in.ids[i]) ++j;
      for (int k = 0; k < (j - i) / gcd; ++k) vertex.inputs.Add(in.ids[i]);
      i = j;
    }
    return Push(vertex);
  }

  int Push(const Vertex& vertex) {
    SCULPT_ASSERT(num_vertices_ < kMaxVertices, "nb201 canonical form: too many vertices");
    vertices_[num_vertices_] = vertex;
    return num_vertices_++;
  }

  // Ranks reachable vertices by their unfolded expression: equal rank iff equal expression.
  // Vertex ids are topological (inputs are created before their users).
  Ranking Rank() const {
    std::array<bool, kMaxVertices> reachable{};
    for (int a : output_) reachable[a] = true;
    for (int v = num_vertices_ - 1; v >= 0; --v) {
      if (!reachable[v]) continue;
      for (int a : vertices_[v].inputs) reachable[a] = true;
    }
    std::array<int, kMaxVertices> height{};
    for (int v = 0; v < num_vertices_; ++v) {
      for (int a : vertices_[v].inputs) height[v] = std::max(height[v], height[a] + 1);
    }
    Ranking ranking;
    for (int v = 0; v < num_vertices_; ++v) {
      if (reachable[v]) ranking.order[ranking.count++] = static_cast<std::uint8_t>(v);
    }
    std::array<int, kMaxVertices> rank{};
    // Key of a vertex: (height, kind, sorted input ranks). Inputs have smaller heights, so
    // ranking one height level at a time only ever reads ranks already assigned.
    auto sorted_input_ranks = [&](int v) {
      std::array<int, kMaxTerms> r{};
      const Terms& inputs = vertices_[v].inputs;
      for (int i = 0; i < inputs.size; ++i) r[i] = rank[inputs.ids[i]];
      SortPrefix(r, inputs.size);
      return r;
    };
    auto less = [&](int a, int b) {
      if (vertices_[a].kind != vertices_[b].kind) return vertices_[a].kind < vertices_[b].kind;
      const int na = vertices_[a].inputs.size, nb = vertices_[b].inputs.size;
      const auto ra = sorted_input_ranks(a), rb = sorted_input_ranks(b);
      return std::lexicographical_compare(ra.begin(), ra.begin() + na, rb.begin(), rb.begin() + nb);
    };
    auto* begin = ranking.order.data();
    std::stable_sort(begin, begin + ranking.count,
                     [&](int a, int b) { return height[a] < height[b]; });
    int next_rank = 0;
    for (int i = 0; i < ranking.count;) {
      int j = i;
      while (j < ranking.count && height[begin[j]] == height[begin[i]]) ++j;
      std::sort(begin + i, begin + j, less);  // ties keep id order: a fixed start
      for (int k = i; k < j; ++k) {
        if (k > i && less(begin[k - 1], begin[k])) ++next_rank;
        rank[begin[k]] = next_rank;
      }
      ++next_rank;
      i = j;
    }
    for (int i = 0; i < ranking.count;) {
      int j = i;
      while (j < ranking.count && rank[begin[j]] == rank[begin[i]]) ++j;
      if (j - i > 1) {
        std::sort(begin + i, begin + j);  // next_permutation starts from the smallest order
        ranking.groups[ranking.num_groups++] = {i, j};
      }
      i = j;
    }
    return ranking;
  }

  Serialization Serialize(const std::array<std::uint8_t, kMaxVertices>& order, int count) const {
    std::array<std::uint8_t, kMaxVertices> position{};
    for (int p = 0; p < count; ++p) position[order[p]] = static_cast<std::uint8_t>(p);
    Serialization out{};
    int n = 0;
    auto put_inputs = [&](const Terms& terms) {
      std::array<std::uint8_t, kMaxTerms> p{};
      for (int i = 0; i < terms.size; ++i) p[i] = position[terms.ids[i]];
      SortPrefix(p, terms.size);
      out[n++] = static_cast<std::uint8_t>(terms.size);
      for (int i = 0; i < terms.size; ++i) out[n++] = p[i];
    };
    for (int p = 0; p < count; ++p) {
      out[n++] = vertices_[order[p]].kind;
      put_inputs(vertices_[order[p]].inputs);
    }
    put_inputs(output_);
    return out;
  }

  // "n1=nor_conv_3x3(x);n2=avg_pool_3x3(n1);out=n1+n2": positions in the canonical order, the
  // input named x (it always ranks first).
  std::string Describe(const std::array<std::uint8_t, kMaxVertices>& order, int count) const {
    std::array<std::uint8_t, kMaxVertices> position{};
    for (int p = 0; p < count; ++p) position[order[p]] = static_cast<std::uint8_t>(p);
    std::string text;
    text.reserve(128);
    auto append_name = [&](int p) {
      if (p == 0) {
        text += 'x';
      } else {
        text += 'n';
        text += std::to_string(p);
      }
    };
    auto append_sum = [&](const Terms& terms) {
      std::array<int, kMaxTerms> p{};
      for (int i = 0; i < terms.size; ++i) p[i] = position[terms.ids[i]];
      SortPrefix(p, terms.size);
      for (int i = 0; i < terms.size; ++i) {
        if (i > 0) text += '+';
        append_name(p[i]);
      }
    };
    for (int p = 1; p < count; ++p) {
      const Vertex& vertex = vertices_[order[p]];
      append_name(p);
      text += '=';
      text += kKindNames[vertex.kind];
      text += '(';
      append_sum(vertex.inputs);
      text += ");";
    }
    text += "out=";
    append_sum(output_);
    return text;
  }

  std::array<Vertex, kMaxVertices> vertices_{};
  int num_vertices_ = 0;
  Terms output_;
};

}  // namespace

std::string CanonicalForm(const Architecture& arch) {
  CheckCell(arch);
  return CellDag(arch).Canonical();
}

}  // namespace sculpt::nb201
