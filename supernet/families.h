#pragma once
// Factories of the model families (supernet/model_family.h), registered under their space's
// name in experiments/config/builtins.cc. Each reads its skeleton from the space's config block.

#include <memory>

#include "spaces/transformer.h"
#include "supernet/model_family.h"
#include "supernet/transformer/transformer_network.h"

namespace sculpt {

// NAS-Bench-201 cells on their macro skeleton (supernet/nb201/nb201_family.cc).
std::unique_ptr<ModelFamily> MakeNb201Family(Options& space_block);
// Vision transformers with weight-entangled supernets (supernet/transformer/transformer_family.cc).
std::unique_ptr<ModelFamily> MakeTransformerFamily(Options& space_block);
std::unique_ptr<ModelFamily> MakeTransformerFamilyFor(const transformer::Skeleton& skeleton);
// The TransformerNetwork behind a network the transformer family built; InternalError for any
// other.
TransformerNetwork AsTransformer(Network& network);

}  // namespace sculpt
