#pragma once
// The nb201 model family (supernet/model_family.h) on a given skeleton, for code that already
// has the skeleton in hand (tests, benchmarks); configs reach it through MakeNb201Family
// (supernet/families.h). Networks and supernets it builds are Nb201Network and Nb201Supernet
// behind the family's interfaces; AsNb201 recovers them.
// Thread-safety: see model_family.h.

#include <memory>

#include "spaces/nb201.h"
#include "supernet/model_family.h"
#include "supernet/nb201/nb201_network.h"
#include "supernet/nb201/nb201_supernet.h"

namespace sculpt {

std::unique_ptr<ModelFamily> MakeNb201Family(const nb201::Skeleton& skeleton);

// The Nb201Network behind a network the nb201 family built; InternalError for any other.
Nb201Network AsNb201(Network& network);
// The Nb201Supernet behind a supernet the nb201 family built; InternalError for any other.
Nb201Supernet AsNb201(Supernet& supernet);

}  // namespace sculpt
