#pragma once
// Encodings of an architecture for predictors and comparators:
//  - graph form: a node-labelled DAG as a dense adjacency matrix plus one op index per node
//    (what a GCN such as the CTNAS comparator consumes);
//  - vector form: a fixed-length vector of floats (one-hot per decision), for MLPs and
//    distance computations.
// Thread-safety: a value type.

#include <vector>

namespace sculpt {

struct Encoding {
  int num_nodes = 0;
  // Row-major num_nodes x num_nodes; adjacency[i * num_nodes + j] = 1 for an edge i -> j.
  std::vector<float> adjacency;
  // Index into op_vocabulary of each node's label.
  std::vector<int> node_ops;
  // Size of the node-op vocabulary (for one-hot node features).
  int num_op_types = 0;
  // Fixed-length vector form.
  std::vector<float> vector;
};

}  // namespace sculpt
