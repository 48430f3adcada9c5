// The transformer space: string form, moves, canonical form, graph view and encodings, costs by
// hand, the reduction graph, skeleton options and the latency lookup.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "spaces/errors.h"
#include "spaces/labeled_graph.h"
#include "spaces/options.h"
#include "spaces/transformer.h"
#include "tests/spaces/small_transformer.h"

namespace sculpt::transformer {
namespace {

namespace fs = std::filesystem;

// On the default skeleton (embed_dims 64, 96, 128; heads 0, 1, 2, 4; ffn_dims 0, 128, 256, 384;
// 6 layers).
constexpr const char* kExample = "d96|h4:f256|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0";
const std::vector<int> kExampleChoices = {1, 3, 2, 0, 3, 2, 0, 0, 0, 1, 1, 0, 0};

// 2 x (3 x 2)^2 = 72 architectures: small enough to enumerate in every test.
Skeleton Small() { return sculpt::testing::SmallTransformerSkeleton(); }

// Entries that grow with every size, exact binary fractions (sums are exact):
//   embed/d: d/8; attn/d/h: (d + 4h)/16; ffn/d/f: (d + f)/32; head/d: d/64; overhead/d: 1 + d/128.
LatencyLookup GrowingTable(const Skeleton& skeleton) {
  LatencyLookup table;
  table.family = "transformer";
  table.skeleton = SkeletonJson(skeleton);
  table.machine = "test machine";
  table.threads = 1;
  table.runs = 3;
  table.date = "2026-11-24T00:00:00Z";
  for (int d : skeleton.embed_dims) {
    const std::string at = "/d" + std::to_string(d);
    table.parts_ms["embed" + at] = d / 8.0;
    for (int h : skeleton.heads)
      table.parts_ms["attn" + at + "/h" + std::to_string(h)] = (d + 4 * h) / 16.0;
    for (int f : skeleton.ffn_dims)
      table.parts_ms["ffn" + at + "/f" + std::to_string(f)] = (d + f) / 32.0;
    table.parts_ms["head" + at] = d / 64.0;
    table.parts_ms["overhead" + at] = 1 + d / 128.0;
  }
  return table;
}

// Number of positions where two architectures of one skeleton differ.
int Edits(const Architecture& a, const Architecture& b) {
  int edits = 0;
  for (std::size_t i = 0; i < a.choices.size(); ++i) edits += a.choices[i] != b.choices[i];
  return edits;
}

std::string MessageOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const UserError& error) {
    return error.what();
  }
  return "no error";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class TransformerSpaceTest : public ::testing::Test {
 protected:
  std::unique_ptr<SearchSpace> space_ = MakeSpace(Skeleton{});
  std::unique_ptr<SearchSpace> small_ = MakeSpace(Small());
};

TEST_F(TransformerSpaceTest, NameAndSize) {
  EXPECT_EQ(space_->Name(), "transformer");
  EXPECT_EQ(space_->Size(), std::optional<std::uint64_t>(3ULL * 16 * 16 * 16 * 16 * 16 * 16));
  EXPECT_EQ(small_->Size(), std::optional<std::uint64_t>(72));
  // 3 x 16^15 fits in 64 bits, 3 x 16^16 does not.
  Skeleton deep;
  deep.layers = 15;
  EXPECT_EQ(MakeSpace(deep)->Size(), std::optional<std::uint64_t>(3ULL << 60));
  deep.layers = 16;
  EXPECT_EQ(MakeSpace(deep)->Size(), std::nullopt);
}

TEST_F(TransformerSpaceTest, SizeIsTheNumberEnumerated) {
  Skeleton three = Skeleton{};
  three.layers = 3;
  for (const Skeleton& skeleton : {Small(), three}) {
    const auto space = MakeSpace(skeleton);
    const std::vector<Architecture> all = space->Enumerate();
    ASSERT_EQ(space->Size(), std::optional<std::uint64_t>(all.size()));
    EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
    EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
    for (const Architecture& arch : all) ASSERT_TRUE(space->Contains(arch));
  }
  EXPECT_EQ(MakeSpace(three)->Enumerate().size(), 3u * 16 * 16 * 16);
  const std::vector<Architecture> all = small_->Enumerate();
  EXPECT_EQ(all.front().choices, std::vector<int>({0, 0, 0, 0, 0}));
  EXPECT_EQ(all[1].choices, std::vector<int>({0, 0, 0, 0, 1}));
  EXPECT_EQ(all.back().choices, std::vector<int>({1, 2, 1, 2, 1}));
}

TEST_F(TransformerSpaceTest, EnumerateRefusesLargeSpaces) {
  EXPECT_EQ(MessageOf([&] { space_->Enumerate(); }),
            "cannot enumerate the transformer space: it has 50331648 architectures, more than "
            "1000000; use fewer layers or shorter choice lists");
  Skeleton deep;
  deep.layers = 100;
  EXPECT_TRUE(Contains(MessageOf([&] { MakeSpace(deep)->Enumerate(); }), "more than 2^64"));
}

TEST_F(TransformerSpaceTest, ParsesAndFormatsTheStringForm) {
  const Architecture arch = space_->Parse(kExample);
  EXPECT_EQ(arch.choices, kExampleChoices);
  EXPECT_EQ(space_->Format(arch), kExample);
  EXPECT_EQ(space_->Format(Architecture{std::vector<int>(13, 0)}),
            "d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0");
  EXPECT_EQ(small_->Format(Architecture{{1, 2, 1, 0, 0}}), "d16|h2:f32|h0:f0");
}

TEST_F(TransformerSpaceTest, StringRoundTripsForSampledAndAllMembers) {
  Rng rng(5);
  std::set<std::string> texts;
  for (int i = 0; i < 3000; ++i) {
    const Architecture arch = space_->Sample(rng);
    const std::string text = space_->Format(arch);
    ASSERT_EQ(space_->Parse(text), arch) << text;
    ASSERT_EQ(space_->Format(space_->Parse(text)), text);
    texts.insert(text);
  }
  EXPECT_GT(texts.size(), 2900u);  // 5e7 members: repeats are rare
  std::set<std::string> small_texts;
  for (const Architecture& arch : small_->Enumerate()) {
    const std::string text = small_->Format(arch);
    ASSERT_EQ(small_->Parse(text), arch) << text;
    small_texts.insert(text);
  }
  EXPECT_EQ(small_texts.size(), 72u);
}

struct BadString {
  std::string text;
  std::vector<std::string> expected;  // substrings of the message
};

TEST_F(TransformerSpaceTest, ParseErrorsSayWhatIsWrongAndWhatIsAllowed) {
  const std::vector<BadString> cases = {
      {"d96|h3:f256|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0",
       {"invalid transformer architecture 'd96|h3:f256|",
        "layer 0 'h3:f256': 3 heads is not a "
        "choice (heads: 0, 1, 2, 4)"}},
      {"d96|h4:f256|h0:f384|h2:f0|h0:f0|h1:f100|h0:f0",
       {"layer 4 'h1:f100': FFN size 100 is not a choice (ffn_dims: 0, 128, 256, 384)"}},
      {"d80|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0",
       {"embedding dimension 80 is not a choice (embed_dims: 64, 96, 128)"}},
      {"d64|h0:f0",
       {"expected 6 layers (the skeleton's layers) after 'd64', got 1",
        "identity layers are written 'h0:f0'"}},
      {"d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0", {"expected 6 layers", "got 7"}},
      {"d64", {"expected 6 layers", "got 0"}},
      {"hello",
       {"invalid transformer architecture 'hello': 'hello' is not an embedding dimension "
        "'d<embed>'; expected 'd<embed>|h<heads>:f<ffn>|...', the embedding dimension then 6 "
        "layers, e.g. 'd128|h4:f384|h4:f384|h4:f384|h4:f384|h4:f384|h4:f384'"}},
      {"", {"'' is not an embedding dimension"}},
      {"D64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0", {"'D64' is not an embedding dimension"}},
      {"d064|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0", {"'d064' is not an embedding dimension"}},
      {"d+64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0", {"'d+64' is not an embedding dimension"}},
      {" d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0", {"' d64' is not an embedding dimension"}},
      {"d64|h0f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0",
       {"layer 0 'h0f0' is not 'h<heads>:f<ffn>'", "expected 'd<embed>|h<heads>:f<ffn>|...'"}},
      {"d64|h0:f0|h0:f0|h:f0|h0:f0|h0:f0|h0:f0", {"layer 2 'h:f0' is not 'h<heads>:f<ffn>'"}},
      {"d64|h0:f0|h0:f0|h0:f0|h0:f|h0:f0|h0:f0", {"layer 3 'h0:f' is not"}},
      {"d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:", {"layer 5 'h0:' is not"}},
      {"d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|f0:h0", {"layer 5 'f0:h0' is not"}},
      {"d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h00:f0", {"layer 5 'h00:f0' is not"}},
      {"d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0:f0", {"layer 5 'h0:f0:f0' is not"}},
      {"d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0 ", {"layer 5 'h0:f0 ' is not"}},
      {"d64||h0:f0|h0:f0|h0:f0|h0:f0|h0:f0", {"layer 0 '' is not"}},
      {"d99999999999|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0", {"is not an embedding dimension"}},
  };
  for (const BadString& bad : cases) {
    const std::string message = MessageOf([&] { space_->Parse(bad.text); });
    for (const std::string& part : bad.expected) {
      EXPECT_TRUE(Contains(message, part)) << "message: " << message << "\nexpected: " << part;
    }
  }
}

TEST_F(TransformerSpaceTest, ContainsChecksLengthAndRangeAndEveryMemberIsValid) {
  EXPECT_TRUE(space_->Contains(Architecture{kExampleChoices}));
  EXPECT_FALSE(space_->Contains(Architecture{{1, 3, 2}}));
  std::vector<int> choices = kExampleChoices;
  choices.push_back(0);
  EXPECT_FALSE(space_->Contains(Architecture{choices}));
  choices = kExampleChoices;
  choices[0] = 3;  // 3 embedding dimensions
  EXPECT_FALSE(space_->Contains(Architecture{choices}));
  choices = kExampleChoices;
  choices[12] = 4;  // 4 FFN sizes
  EXPECT_FALSE(space_->Contains(Architecture{choices}));
  choices[12] = -1;
  EXPECT_FALSE(space_->Contains(Architecture{choices}));
  EXPECT_FALSE(space_->IsValid(Architecture{choices}));
  EXPECT_EQ(MessageOf([&] {
              small_->Format(Architecture{{0, 3, 0, 0, 0}});
            }),
            "architecture [0,3,0,0,0] is not a transformer architecture: expected 5 choices (the "
            "embedding, then heads and FFN of each of 2 layers), each an index into its list "
            "(embed_dims: 8, 16; heads: 0, 1, 2; ffn_dims: 0, 32)");
  Rng rng(1);
  EXPECT_THROW(space_->Mutate(Architecture{{0}}, rng), UserError);
  EXPECT_THROW(space_->Neighbours(Architecture{}), UserError);
  EXPECT_THROW(space_->CanonicalForm(Architecture{{0, 0, 0}}), UserError);
  EXPECT_THROW(space_->Encode(Architecture{{0, 0, 0}}), UserError);
  EXPECT_THROW(space_->Cost(Architecture{{0, 0, 0}}), UserError);
  // An all-identity network is the patch embedding and the head: still a network.
  EXPECT_TRUE(space_->IsValid(space_->Parse("d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0")));
  for (const Architecture& arch : small_->Enumerate()) ASSERT_TRUE(small_->IsValid(arch));
}

TEST_F(TransformerSpaceTest, IdentityLayersVanishFromTheCanonicalForm) {
  const auto two = MakeSpace([] {
    Skeleton s;
    s.layers = 2;
    return s;
  }());
  auto canonical = [&](const SearchSpace& space, const char* text) {
    return space.CanonicalForm(space.Parse(text));
  };
  EXPECT_EQ(canonical(*two, "d64|h0:f0|h2:f128"), "d64|attn_h2|ffn_128");
  EXPECT_EQ(canonical(*two, "d64|h2:f128|h0:f0"), "d64|attn_h2|ffn_128");
  EXPECT_EQ(two->CanonicalHash(two->Parse("d64|h0:f0|h2:f128")),
            two->CanonicalHash(two->Parse("d64|h2:f128|h0:f0")));
  EXPECT_EQ(canonical(*two, "d96|h0:f0|h0:f0"), "d96");
  // Where the identities sit does not matter.
  const std::string form = canonical(*space_, "d96|h4:f256|h1:f0|h0:f384|h0:f0|h0:f0|h0:f0");
  EXPECT_EQ(form, "d96|attn_h4|ffn_256|attn_h1|ffn_384");
  for (const char* text : {"d96|h0:f0|h4:f256|h0:f0|h1:f0|h0:f0|h0:f384",
                           "d96|h0:f0|h0:f0|h0:f0|h4:f256|h1:f0|h0:f384",
                           "d96|h4:f256|h0:f0|h1:f0|h0:f0|h0:f384|h0:f0"}) {
    EXPECT_EQ(canonical(*space_, text), form) << text;
  }
  // Nothing else merges: the embedding, the sizes and the order of sublayers all count, and an
  // attention-only layer is not an FFN-only one.
  const std::vector<const char*> distinct = {
      "d64|h2:f0|h0:f0",   "d64|h0:f128|h0:f0",   "d64|h2:f128|h0:f0", "d64|h0:f128|h2:f0",
      "d64|h1:f128|h2:f0", "d64|h2:f0|h1:f128",   "d64|h2:f256|h0:f0", "d64|h4:f128|h0:f0",
      "d96|h2:f128|h0:f0", "d64|h2:f128|h2:f128", "d64|h0:f0|h0:f0"};
  std::set<std::string> forms;
  for (const char* text : distinct) forms.insert(canonical(*two, text));
  EXPECT_EQ(forms.size(), distinct.size());
}

// A layer is its two sublayers in a row, each a residual block with its own LayerNorm, so an
// attention-only layer followed by an FFN-only layer is one full layer and an identity.
TEST_F(TransformerSpaceTest, SplitSublayersAreTheFullLayer) {
  const auto two = MakeSpace([] {
    Skeleton s;
    s.layers = 2;
    return s;
  }());
  const Architecture split = two->Parse("d64|h2:f0|h0:f128");
  const Architecture full = two->Parse("d64|h2:f128|h0:f0");
  EXPECT_EQ(two->CanonicalForm(split), two->CanonicalForm(full));
  EXPECT_EQ(two->Cost(split), two->Cost(full));
  // The other order is another network.
  EXPECT_NE(two->CanonicalForm(two->Parse("d64|h0:f128|h2:f0")), two->CanonicalForm(full));
}

// Independently of the implementation: two members are equal exactly when the embedding and
// the sequence of sublayers that exist are equal; equal ones cost the same.
TEST_F(TransformerSpaceTest, CanonicalFormIsTheSequenceOfSublayers) {
  const Skeleton skeleton = Small();
  const auto space = MakeSpace(skeleton, std::make_shared<LatencyLookup>(GrowingTable(skeleton)));
  std::map<std::string, std::vector<std::pair<char, int>>> sequence_of_form;
  std::map<std::vector<std::pair<char, int>>, std::string> form_of_sequence;
  std::map<std::string, Metrics> cost_of_form;
  for (const Architecture& arch : space->Enumerate()) {
    std::vector<std::pair<char, int>> sequence = {{'d', skeleton.embed_dims[arch.choices[0]]}};
    for (int l = 0; l < skeleton.layers; ++l) {
      const int heads = skeleton.heads[arch.choices[1 + 2 * l]];
      const int ffn = skeleton.ffn_dims[arch.choices[2 + 2 * l]];
      if (heads > 0) sequence.emplace_back('a', heads);
      if (ffn > 0) sequence.emplace_back('f', ffn);
    }
    const std::string form = space->CanonicalForm(arch);
    const auto [at, added] = sequence_of_form.emplace(form, sequence);
    ASSERT_EQ(at->second, sequence) << form;
    const auto [back, fresh] = form_of_sequence.emplace(sequence, form);
    ASSERT_EQ(back->second, form);
    const auto [cost, first] = cost_of_form.emplace(form, space->Cost(arch));
    ASSERT_EQ(cost->second, space->Cost(arch)) << form;
  }
  // Sublayer words of the pattern (A?)(F?)(A?)(F?), A one of 2 head counts, F the one FFN size:
  // 1 empty + 3 of length 1 (A, F) + 9 of length 2 (AA 4, AF 2, FA 2, FF 1) + 12 of length 3
  // (AFA 4, AAF 4, AFF 2, FAF 2) + 4 of length 4 (AFAF), times 2 embedding dimensions.
  EXPECT_EQ(sequence_of_form.size(), 58u);
}

// Every member of a class stands for it by one member: of the same class and costs, with
// the sublayers in the first layers, the identity layers last, and as few layers as the class
// needs (an attention and then an FFN share one).
TEST_F(TransformerSpaceTest, TheCanonicalMemberPacksTheSublayersIntoTheFirstLayers) {
  std::map<std::string, Architecture> member_of_form;
  for (const Architecture& arch : small_->Enumerate()) {
    const Architecture member = small_->CanonicalMember(arch);
    ASSERT_TRUE(small_->Contains(member)) << small_->Format(arch);
    EXPECT_EQ(small_->CanonicalForm(member), small_->CanonicalForm(arch)) << small_->Format(arch);
    EXPECT_EQ(small_->Cost(member), small_->Cost(arch)) << small_->Format(arch);
    const auto [at, added] = member_of_form.emplace(small_->CanonicalForm(arch), member);
    EXPECT_EQ(small_->Format(at->second), small_->Format(member)) << small_->Format(arch);
    EXPECT_EQ(small_->Format(small_->CanonicalMember(member)), small_->Format(member));
  }
  auto member = [this](const char* text) {
    return space_->Format(space_->CanonicalMember(space_->Parse(text)));
  };
  EXPECT_EQ(member("d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h4:f128"),
            "d64|h4:f128|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0");
  EXPECT_EQ(member("d64|h2:f0|h0:f128|h0:f0|h1:f0|h0:f0|h0:f256"),
            "d64|h2:f128|h1:f256|h0:f0|h0:f0|h0:f0|h0:f0");
  // An FFN before an attention, or after another FFN, keeps a layer of its own.
  EXPECT_EQ(member("d96|h0:f0|h0:f128|h2:f0|h0:f0|h0:f384|h0:f0"),
            "d96|h0:f128|h2:f384|h0:f0|h0:f0|h0:f0|h0:f0");
  EXPECT_EQ(member("d96|h0:f128|h0:f256|h0:f0|h0:f0|h0:f0|h0:f0"),
            "d96|h0:f128|h0:f256|h0:f0|h0:f0|h0:f0|h0:f0");
  EXPECT_EQ(member(kExample), "d96|h4:f256|h0:f384|h2:f0|h1:f128|h0:f0|h0:f0");
  EXPECT_THROW(space_->CanonicalMember(Architecture{{0, 0, 0}}), UserError);
}

TEST_F(TransformerSpaceTest, SampleIsUniformOverTheStringForms) {
  // Chi-squared over the 72 members with 500 expected draws each: mean 71, sd sqrt(142) ~ 12.
  constexpr int kPerMember = 500;
  Rng rng(20240601);
  std::map<Architecture, int> counts;
  for (int i = 0; i < 72 * kPerMember; ++i) {
    const Architecture arch = small_->Sample(rng);
    ASSERT_TRUE(small_->Contains(arch));
    ++counts[arch];
  }
  ASSERT_EQ(counts.size(), 72u);
  double chi2 = 0;
  for (const auto& [arch, count] : counts) {
    const double d = count - kPerMember;
    chi2 += d * d / kPerMember;
  }
  EXPECT_NEAR(chi2, 71, 6 * 12);
  // Deterministic given the seed.
  Rng a(7), b(7), c(8);
  std::vector<Architecture> from_a, from_b, from_c;
  for (int i = 0; i < 20; ++i) {
    from_a.push_back(space_->Sample(a));
    from_b.push_back(space_->Sample(b));
    from_c.push_back(space_->Sample(c));
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
}

TEST_F(TransformerSpaceTest, NeighboursAreEverySingleEditInAFixedOrder) {
  const Architecture arch = space_->Parse(kExample);
  const std::vector<Architecture> neighbours = space_->Neighbours(arch);
  // 2 other embeddings + 6 layers x (3 other head counts + 3 other FFN sizes).
  ASSERT_EQ(neighbours.size(), 38u);
  EXPECT_EQ(std::set<Architecture>(neighbours.begin(), neighbours.end()).size(), 38u);
  for (const Architecture& n : neighbours) {
    ASSERT_TRUE(space_->Contains(n));
    ASSERT_EQ(Edits(arch, n), 1);
  }
  // Position by position, values in index order, the current one skipped.
  EXPECT_EQ(space_->Format(neighbours[0]), "d64|h4:f256|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0");
  EXPECT_EQ(space_->Format(neighbours[1]), "d128|h4:f256|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0");
  EXPECT_EQ(space_->Format(neighbours[2]), "d96|h0:f256|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0");
  EXPECT_EQ(space_->Format(neighbours[5]), "d96|h4:f0|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0");
  EXPECT_EQ(space_->Format(neighbours[37]), "d96|h4:f256|h0:f384|h2:f0|h0:f0|h1:f128|h0:f384");
  EXPECT_EQ(space_->Neighbours(arch), neighbours);
  // Every member one edit away, on the small space.
  for (const Architecture& from : small_->Enumerate()) {
    std::set<Architecture> expected;
    for (const Architecture& to : small_->Enumerate()) {
      if (Edits(from, to) == 1) expected.insert(to);
    }
    const std::vector<Architecture> actual = small_->Neighbours(from);
    ASSERT_EQ(std::set<Architecture>(actual.begin(), actual.end()), expected);
    ASSERT_EQ(actual.size(), expected.size());
  }
}

TEST_F(TransformerSpaceTest, MutateMakesOneEditUniformlyOverTheNeighbours) {
  Rng rng(3);
  for (int i = 0; i < 2000; ++i) {
    const Architecture parent = space_->Sample(rng);
    const Architecture child = space_->Mutate(parent, rng);
    ASSERT_TRUE(space_->Contains(child));
    ASSERT_EQ(Edits(parent, child), 1);
  }
  // From one parent, each of its 38 neighbours about equally often (binomial sd ~ 31).
  const Architecture parent = space_->Parse(kExample);
  const std::vector<Architecture> neighbours = space_->Neighbours(parent);
  std::map<Architecture, int> counts;
  for (int i = 0; i < 38000; ++i) ++counts[space_->Mutate(parent, rng)];
  ASSERT_EQ(counts.size(), neighbours.size());
  for (const Architecture& n : neighbours) EXPECT_NEAR(counts[n], 1000, 150) << space_->Format(n);
}

TEST_F(TransformerSpaceTest, MutateIntoMakesTheSameEditInReusedStorage) {
  Rng a(11);
  Rng b(11);
  Architecture child{{4, 4, 4}};  // old content of another size: replaced
  for (int i = 0; i < 500; ++i) {
    const Architecture parent = space_->Sample(a);
    ASSERT_EQ(space_->Sample(b), parent);
    space_->MutateInto(parent, b, child);
    ASSERT_EQ(space_->Mutate(parent, a), child);
  }
  EXPECT_THROW(space_->MutateInto(child, a, child), InternalError);
}

TEST_F(TransformerSpaceTest, ASpaceOfOneMemberHasNoMoves) {
  Skeleton one;
  one.layers = 1;
  one.embed_dims = {64};
  one.heads = {2};
  one.ffn_dims = {128};
  const auto space = MakeSpace(one);
  EXPECT_EQ(space->Size(), std::optional<std::uint64_t>(1));
  const Architecture only = space->Parse("d64|h2:f128");
  EXPECT_EQ(space->Enumerate(), std::vector<Architecture>({only}));
  EXPECT_TRUE(space->Neighbours(only).empty());
  EXPECT_EQ(space->Largest(), only);
  EXPECT_TRUE(space->Reductions(only).empty());
  Rng rng(1);
  EXPECT_EQ(MessageOf([&] { space->Mutate(only, rng); }),
            "the transformer space has a single architecture: nothing to mutate into");
}

TEST_F(TransformerSpaceTest, GraphViewIsAChainOfSublayers) {
  const LabeledGraph graph = space_->Graph(space_->Parse(kExample));
  EXPECT_EQ(graph.node_ops,
            std::vector<std::string>({"input", "embed_d96", "attn_h4", "ffn_256", "identity",
                                      "ffn_384", "attn_h2", "identity", "identity", "identity",
                                      "attn_h1", "ffn_128", "identity", "identity", "output"}));
  ASSERT_EQ(graph.edges.size(), 14u);
  for (int i = 0; i < 14; ++i) EXPECT_EQ(graph.edges[i], std::make_pair(i, i + 1));
  EXPECT_TRUE(IsAcyclic(graph));
  const std::vector<int> order = TopologicalOrder(graph);
  EXPECT_EQ(order.front(), 0);
  EXPECT_EQ(order.back(), 14);
}

TEST_F(TransformerSpaceTest, EncodingHasAFixedShapeAndVocabulary) {
  const Encoding encoding = space_->Encode(space_->Parse(kExample));
  EXPECT_EQ(encoding.num_nodes, 15);  // 2 + 2L + 1
  // input, output, identity, 3 embeddings, 3 head counts > 0, 3 FFN sizes > 0.
  EXPECT_EQ(encoding.num_op_types, 12);
  // Vocabulary: 0 input, 1 output, 2 identity, 3..5 embed_d64..d128, 6..8 attn_h1..h4,
  // 9..11 ffn_128..384.
  EXPECT_EQ(encoding.node_ops, std::vector<int>({0, 4, 8, 10, 2, 11, 7, 2, 2, 2, 6, 9, 2, 2, 1}));
  ASSERT_EQ(encoding.adjacency.size(), 225u);
  std::vector<float> chain(225, 0.0f);
  for (int i = 0; i < 14; ++i) chain[i * 15 + i + 1] = 1.0f;
  EXPECT_EQ(encoding.adjacency, chain);
  // One-hot per choice: 3 + 6 x (4 + 4) floats.
  std::vector<float> one_hot(51, 0.0f);
  int offset = 0;
  for (std::size_t position = 0; position < kExampleChoices.size(); ++position) {
    one_hot[offset + kExampleChoices[position]] = 1.0f;
    offset += position == 0 ? 3 : 4;
  }
  EXPECT_EQ(encoding.vector, one_hot);
  // The same shape for every member; the graph labels map one to one onto the vocabulary.
  Rng rng(9);
  std::map<std::string, int> op_of_label;
  for (int i = 0; i < 300; ++i) {
    const Architecture arch = space_->Sample(rng);
    const Encoding e = space_->Encode(arch);
    ASSERT_EQ(e.num_nodes, 15);
    ASSERT_EQ(e.num_op_types, 12);
    const LabeledGraph graph = space_->Graph(arch);
    for (int node = 0; node < 15; ++node) {
      const auto [at, added] = op_of_label.emplace(graph.node_ops[node], e.node_ops[node]);
      ASSERT_EQ(at->second, e.node_ops[node]) << graph.node_ops[node];
    }
  }
  EXPECT_EQ(op_of_label.size(), 12u);
  std::set<std::vector<float>> vectors;
  for (const Architecture& arch : small_->Enumerate()) vectors.insert(small_->Encode(arch).vector);
  EXPECT_EQ(vectors.size(), 72u);
}

// By hand on the small skeleton (1 x 8 x 8 images, patch 4: P = 4 patches, head_dim 4,
// 3 classes). "d16|h2:f32|h0:f0", mean pooling (T = 4 tokens), a = 2 x 4 = 8:
//   patch conv 1*4*4*16 + 16 = 272 params, FLOPs 4 * 272 = 1,088; position embedding 4*16 = 64
//   attention: LN 32, Q/K/V 3 * (16*8 + 8) = 408, projection 8*16 + 16 = 144: 584 params;
//              FLOPs 4 * 408 + 2 * 4*4*8 + 4 * 144 = 1,632 + 256 + 576 = 2,464
//   FFN 32:    LN 32, fc1 16*32 + 32 = 544, fc2 32*16 + 16 = 528: 1,104 params;
//              FLOPs 4 * (544 + 528) = 4,288
//   final LN 32; head 16*3 + 3 = 51 params and FLOPs
//   params 272 + 64 + 584 + 1,104 + 32 + 51 = 2,107; FLOPs 1,088 + 2,464 + 4,288 + 51 = 7,891.
// "d8|h1:f0|h0:f32" with pooling "cls" (T = 5), a = 4:
//   patch 1*16*8 + 8 = 136 (FLOPs 544); position 5*8 = 40; class token 8
//   attention: LN 16 + 3 * (8*4 + 4) + 4*8 + 8 = 16 + 108 + 40 = 164;
//              FLOPs 5 * 108 + 2 * 25 * 4 + 5 * 40 = 540 + 200 + 200 = 940
//   FFN 32: LN 16 + (8*32 + 32) + (32*8 + 8) = 16 + 288 + 264 = 568; FLOPs 5 * 552 = 2,760
//   final LN 16; head 8*3 + 3 = 27
//   params 136 + 40 + 8 + 164 + 568 + 16 + 27 = 959; FLOPs 544 + 940 + 2,760 + 27 = 4,271.
TEST_F(TransformerSpaceTest, ParamsAndFlopsByHand) {
  const Skeleton mean = Small();
  const Architecture a = small_->Parse("d16|h2:f32|h0:f0");
  EXPECT_EQ(CountParams(a, mean), 2107);
  EXPECT_EQ(CountFlops(a, mean), 7891);
  Skeleton cls = Small();
  cls.class_token = true;
  const Architecture b = small_->Parse("d8|h1:f0|h0:f32");
  EXPECT_EQ(CountParams(b, cls), 959);
  EXPECT_EQ(CountFlops(b, cls), 4271);
  // All identity: patch embedding, position embedding, final LN, head.
  const Architecture identity = small_->Parse("d8|h0:f0|h0:f0");
  EXPECT_EQ(CountParams(identity, mean), 136 + 32 + 16 + 27);
  EXPECT_EQ(CountFlops(identity, mean), 544 + 27);
  // The default skeleton (1 x 28 x 28, patch 4: T = 49, head_dim 16, 10 classes). Smallest, by
  // hand: patch 16*64 + 64 = 1,088 (FLOPs 49 * 1,088 = 53,312), position 49*64 = 3,136, final
  // LN 128, head 650: 5,002 params, 53,962 FLOPs. The largest and the example from the formulas
  // (docs/SPACES.md); the transformer family's networks must have exactly these counts.
  EXPECT_EQ(space_->Cost(space_->Parse("d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0")),
            Metrics({{"params", 5002}, {"flops", 53962}}));
  EXPECT_EQ(space_->Cost(*space_->Largest()), Metrics({{"params", 804490}, {"flops", 40731658}}));
  EXPECT_EQ(space_->Cost(space_->Parse(kExample)),
            Metrics({{"params", 200794}, {"flops", 10033818}}));
  // Through the space.
  EXPECT_EQ(small_->CostMetricNames(), std::vector<std::string>({"params", "flops"}));
  EXPECT_EQ(small_->Cost(a), Metrics({{"params", 2107}, {"flops", 7891}}));
}

TEST_F(TransformerSpaceTest, LargestCostsTheMost) {
  const Architecture largest = *small_->Largest();
  EXPECT_EQ(small_->Format(largest), "d16|h2:f32|h2:f32");
  EXPECT_EQ(space_->Format(*space_->Largest()),
            "d128|h4:f384|h4:f384|h4:f384|h4:f384|h4:f384|h4:f384");
  const Metrics most = small_->Cost(largest);
  for (const Architecture& arch : small_->Enumerate()) {
    if (arch == largest) continue;
    const Metrics cost = small_->Cost(arch);
    ASSERT_LT(cost.at("params"), most.at("params")) << small_->Format(arch);
    ASSERT_LT(cost.at("flops"), most.at("flops")) << small_->Format(arch);
  }
}

TEST_F(TransformerSpaceTest, ReductionsLowerOneChoiceAndNoCostGrows) {
  const Skeleton skeleton{};
  const auto space = MakeSpace(skeleton, std::make_shared<LatencyLookup>(GrowingTable(skeleton)));
  const Architecture arch = space->Parse(kExample);
  const std::vector<Architecture> reductions = space->Reductions(arch);
  // Every choice above its list's first value, position by position.
  std::vector<std::string> texts;
  for (const Architecture& r : reductions) texts.push_back(space->Format(r));
  EXPECT_EQ(texts, std::vector<std::string>({"d64|h4:f256|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0",
                                             "d96|h2:f256|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0",
                                             "d96|h4:f128|h0:f384|h2:f0|h0:f0|h1:f128|h0:f0",
                                             "d96|h4:f256|h0:f256|h2:f0|h0:f0|h1:f128|h0:f0",
                                             "d96|h4:f256|h0:f384|h1:f0|h0:f0|h1:f128|h0:f0",
                                             "d96|h4:f256|h0:f384|h2:f0|h0:f0|h0:f128|h0:f0",
                                             "d96|h4:f256|h0:f384|h2:f0|h0:f0|h1:f0|h0:f0"}));
  Rng rng(17);
  for (int i = 0; i < 300; ++i) {
    const Architecture from = space->Sample(rng);
    const Metrics cost = space->Cost(from);
    int lowered = 0;
    for (std::size_t p = 0; p < from.choices.size(); ++p) lowered += from.choices[p] > 0;
    const std::vector<Architecture> below = space->Reductions(from);
    ASSERT_EQ(below.size(), static_cast<std::size_t>(lowered));
    for (const Architecture& to : below) {
      ASSERT_EQ(Edits(from, to), 1);
      int sum_from = 0, sum_to = 0;
      for (int c : from.choices) sum_from += c;
      for (int c : to.choices) sum_to += c;
      ASSERT_EQ(sum_to, sum_from - 1);
      const Metrics reduced = space->Cost(to);
      ASSERT_EQ(reduced.size(), 3u);
      for (const auto& [metric, value] : cost) {
        ASSERT_LE(reduced.at(metric), value) << metric << ": " << space->Format(to);
      }
      ASSERT_LT(reduced.at("params"), cost.at("params"));
    }
  }
  // From the largest, reductions reach the smallest member.
  Architecture at = *space->Largest();
  int steps = 0;
  while (!space->Reductions(at).empty()) {
    at = space->Reductions(at).front();
    ++steps;
  }
  EXPECT_EQ(space->Format(at), "d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0");
  EXPECT_EQ(steps, 2 + 6 * (3 + 3));
}

TEST(TransformerSkeletonTest, ValidationNamesTheKeyAndWhatIsAllowed) {
  auto problem = [](const std::function<void(Skeleton&)>& change) {
    Skeleton s;
    change(s);
    return MessageOf([&] { ValidateSkeleton(s); });
  };
  EXPECT_EQ(MessageOf([] { ValidateSkeleton(Skeleton{}); }), "no error");
  EXPECT_EQ(problem([](Skeleton& s) { s.patch_size = 5; }),
            "invalid transformer skeleton: patch_size 5 does not divide input_size 28; choose one "
            "of 1, 2, 4, 7, 14, 28.");
  EXPECT_EQ(problem([](Skeleton& s) {
              s.heads = {0, 2, 1};
            }),
            "invalid transformer skeleton: heads must be ascending without repeats, got [0, 2, "
            "1].");
  EXPECT_EQ(problem([](Skeleton& s) {
              s.ffn_dims = {0, 128, 128};
            }),
            "invalid transformer skeleton: ffn_dims must be ascending without repeats, got [0, "
            "128, 128].");
  EXPECT_EQ(problem([](Skeleton& s) { s.embed_dims = {}; }),
            "invalid transformer skeleton: embed_dims must list at least one value.");
  EXPECT_EQ(problem([](Skeleton& s) {
              s.embed_dims = {0, 64};
            }),
            "invalid transformer skeleton: embed_dims must all be >= 1, got [0, 64].");
  EXPECT_EQ(problem([](Skeleton& s) {
              s.heads = {-1, 2};
            }),
            "invalid transformer skeleton: heads must all be >= 0, got [-1, 2].");
  EXPECT_EQ(problem([](Skeleton& s) { s.ffn_dims = {-128}; }),
            "invalid transformer skeleton: ffn_dims must all be >= 0, got [-128].");
  EXPECT_EQ(problem([](Skeleton& s) {
              s.layers = 0;
              s.head_dim = 0;
            }),
            "invalid transformer skeleton: layers must be >= 1, got 0. head_dim must be >= 1, "
            "got 0.");
  EXPECT_EQ(problem([](Skeleton& s) { s.input_channels = 0; }),
            "invalid transformer skeleton: input_channels must be >= 1, got 0.");
  EXPECT_EQ(problem([](Skeleton& s) { s.classes = -1; }),
            "invalid transformer skeleton: classes must be >= 1, got -1.");
  Skeleton bad;
  bad.patch_size = 3;
  EXPECT_THROW(MakeSpace(bad), UserError);
  EXPECT_THROW(CountParams(Architecture{std::vector<int>(13, 0)}, bad), UserError);
}

TEST(TransformerSkeletonTest, AbsurdlyLargeSpacesAreFine) {
  Skeleton deep;
  deep.layers = 100;
  const auto space = MakeSpace(deep);
  EXPECT_EQ(space->Size(), std::nullopt);
  Rng rng(2);
  const Architecture arch = space->Sample(rng);
  EXPECT_EQ(space->Parse(space->Format(arch)), arch);
  EXPECT_EQ(space->Neighbours(arch).size(), 2u + 100 * 6);
  EXPECT_EQ(space->Encode(arch).num_nodes, 203);
  EXPECT_GT(space->Cost(*space->Largest()).at("params"), 1e7);
}

TEST(TransformerSkeletonTest, ReadsEveryKeyWithDefaults) {
  const nlohmann::json empty = nlohmann::json::object();
  ConfigErrors errors;
  nlohmann::json canonical;
  Options options(empty, "space", errors, &canonical);
  const Skeleton skeleton = ReadSkeleton(options);
  options.Finish();
  EXPECT_TRUE(errors.Empty());
  EXPECT_EQ(SkeletonJson(skeleton), SkeletonJson(Skeleton{}));
  // SkeletonJson is exactly the config keys as read, defaults filled in.
  EXPECT_EQ(canonical, SkeletonJson(Skeleton{}));

  const nlohmann::json block = nlohmann::json::parse(R"({
      "input_channels": 3, "input_size": 32, "patch_size": 8, "layers": 4,
      "embed_dims": [48, 96], "heads": [1, 3], "ffn_dims": [0, 192, 384],
      "head_dim": 32, "classes": 100, "pooling": "cls"})");
  ConfigErrors fine;
  Options given(block, "space", fine, nullptr);
  const Skeleton read = ReadSkeleton(given);
  given.Finish();
  EXPECT_TRUE(fine.Empty());
  EXPECT_EQ(SkeletonJson(read), block);
  EXPECT_EQ(read.Patches(), 16);
  EXPECT_EQ(read.Tokens(), 17);
  EXPECT_TRUE(read.class_token);
}

// block_layers: a count (equal groups) or each block's layers; a list of equal groups reads as
// the count, so that the skeleton (and what is fingerprinted from it) is the same.
TEST(TransformerSkeletonTest, BlockLayersIsACountOrEachBlocksLayers) {
  auto read = [](const char* text, ConfigErrors& errors) {
    const nlohmann::json block = nlohmann::json::parse(text);
    Options options(block, "space", errors, nullptr);
    Skeleton skeleton = ReadSkeleton(options);
    options.Finish();
    return skeleton;
  };
  ConfigErrors fine;
  const Skeleton uneven = read(R"({"layers": 4, "block_layers": [1, 3]})", fine);
  EXPECT_EQ(uneven.block_sizes, (std::vector<int>{1, 3}));
  EXPECT_EQ(SkeletonJson(uneven).at("block_layers"), nlohmann::json({1, 3}));
  const Skeleton equal = read(R"({"layers": 5, "block_layers": [2, 2, 1]})", fine);
  EXPECT_TRUE(equal.block_sizes.empty());
  EXPECT_FALSE(SkeletonJson(equal).contains("block_layers"));  // groups of 2: the default
  EXPECT_EQ(SkeletonJson(read(R"({"layers": 4, "block_layers": [1, 1, 1, 1]})", fine)),
            SkeletonJson(read(R"({"layers": 4, "block_layers": 1})", fine)));
  EXPECT_TRUE(fine.Empty()) << ::testing::PrintToString(fine.Messages());

  ConfigErrors errors;
  // Wrong blocks keep the rest of the skeleton (its 4 layers), against which the config's
  // architectures are still checked; other errors give the defaults.
  EXPECT_EQ(read(R"({"layers": 4, "block_layers": [1, 2]})", errors).layers, 4);
  read(R"({"layers": 4, "block_layers": [0, 4]})", errors);
  read(R"({"layers": 4, "block_layers": []})", errors);
  ASSERT_EQ(errors.Messages().size(), 3u) << ::testing::PrintToString(errors.Messages());
  EXPECT_EQ(errors.Messages()[2], "space.block_layers: lists no block: give each block's layers, "
                                  "or a count");
  EXPECT_EQ(errors.Messages()[0],
            "space.block_layers: the blocks' layers [1, 2] add up to 3, not to the 4 layers");
  EXPECT_EQ(errors.Messages()[1].rfind("space.block_layers[0]: expected an integer in [1, 1000]",
                                       0),
            0u)
      << errors.Messages()[1];
}

TEST(TransformerSkeletonTest, OptionErrorsNameTheirPath) {
  const nlohmann::json block = nlohmann::json::parse(R"({
      "patch_size": 5, "layers": 0, "embed_dims": [96, 64], "heads": [0, -1],
      "ffn_dims": [], "pooling": "max", "head_dim": "16"})");
  ConfigErrors errors;
  Options options(block, "space", errors, nullptr);
  const auto space = MakeSpaceFromOptions(options);
  options.Finish();
  const std::vector<std::string>& messages = errors.Messages();
  const std::vector<std::string> expected = {
      "space.layers: expected an integer in [1, 1000], got 0",
      "space.heads[1]: expected an integer in [0, 1024], got -1",
      "space.head_dim: expected an integer in [1, 4096], got the string \"16\"",
      "space.pooling: expected one of 'mean', 'cls', got 'max'",
      "space.patch_size: patch_size 5 does not divide input_size 28; choose one of 1, 2, 4, 7, "
      "14, 28",
      "space.embed_dims: embed_dims must be ascending without repeats, got [96, 64]",
      "space.ffn_dims: ffn_dims must list at least one value"};
  ASSERT_EQ(messages.size(), expected.size()) << ::testing::PrintToString(messages);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(messages[i].rfind(expected[i], 0), 0u)
        << messages[i] << "\nexpected: " << expected[i];
  }
  // The space still builds (on the defaults), so the rest of the config is validated too.
  ASSERT_NE(space, nullptr);
  EXPECT_EQ(space->Size(), MakeSpace(Skeleton{})->Size());
}

TEST(TransformerLatencyTest, TermsAndKeys) {
  const auto space = MakeSpace(Skeleton{});
  const std::vector<LatencyTerm> terms = LatencyTerms(space->Parse(kExample), Skeleton{});
  std::vector<std::string> keys;
  for (const LatencyTerm& term : terms) {
    EXPECT_EQ(term.count, 1);
    keys.push_back(term.key);
  }
  EXPECT_EQ(keys, std::vector<std::string>({"embed/d96", "attn/d96/h4", "ffn/d96/f256",
                                            "ffn/d96/f384", "attn/d96/h2", "attn/d96/h1",
                                            "ffn/d96/f128", "head/d96", "overhead/d96"}));
  EXPECT_EQ(LatencyKeys(Small()),
            std::vector<std::string>({"embed/d8", "attn/d8/h1", "attn/d8/h2", "ffn/d8/f32",
                                      "head/d8", "overhead/d8", "embed/d16", "attn/d16/h1",
                                      "attn/d16/h2", "ffn/d16/f32", "head/d16", "overhead/d16"}));
  // Every key a member names is listed, and every listed key is named by some member.
  const std::vector<std::string> listed = LatencyKeys(Small());
  std::set<std::string> named;
  for (const Architecture& arch : MakeSpace(Small())->Enumerate()) {
    for (const LatencyTerm& term : LatencyTerms(arch, Small())) {
      ASSERT_NE(std::find(listed.begin(), listed.end(), term.key), listed.end()) << term.key;
      named.insert(term.key);
    }
  }
  EXPECT_EQ(named, std::set<std::string>(listed.begin(), listed.end()));
}

TEST(TransformerLatencyTest, TheSpacePredictsFromItsTable) {
  const Skeleton skeleton = Small();
  auto table = std::make_shared<LatencyLookup>(GrowingTable(skeleton));
  const auto space = MakeSpace(skeleton, table);
  EXPECT_EQ(space->CostMetricNames(),
            std::vector<std::string>({"params", "flops", "latency_lut_ms"}));
  // embed/d16 2 + attn/d16/h2 (16 + 8)/16 = 1.5 + ffn/d16/f32 (16 + 32)/32 = 1.5
  // + head/d16 0.25 + overhead/d16 1.125.
  const Architecture arch = space->Parse("d16|h2:f32|h0:f0");
  const Metrics cost = space->Cost(arch);
  EXPECT_EQ(cost.at("latency_lut_ms"), 6.375);
  EXPECT_EQ(cost.at("params"), 2107);
  EXPECT_EQ(cost.at("latency_lut_ms"), PredictLatencyMs(*table, LatencyTerms(arch, skeleton)));
  EXPECT_EQ(space->Cost(space->Parse("d8|h0:f0|h0:f0")).at("latency_lut_ms"), 1 + 0.125 + 1.0625);
}

TEST(TransformerLatencyTest, ATableForAnotherFamilyOrSkeletonIsRejected) {
  const Skeleton skeleton = Small();
  LatencyLookup other_family = GrowingTable(skeleton);
  other_family.family = "nb201";
  EXPECT_EQ(MessageOf([&] { MakeSpace(skeleton, std::make_shared<LatencyLookup>(other_family)); }),
            "latency table given to the transformer space was measured for the space 'nb201', "
            "not 'transformer'; measure one for this space with `sculpt latency CONFIG`");
  Skeleton more_classes = skeleton;
  more_classes.classes = 4;
  const std::string mismatch = MessageOf(
      [&] { MakeSpace(more_classes, std::make_shared<LatencyLookup>(GrowingTable(skeleton))); });
  EXPECT_TRUE(Contains(mismatch, "was measured for the skeleton {\"classes\":3,")) << mismatch;
  EXPECT_TRUE(Contains(mismatch, "but the space's skeleton is {\"classes\":4,")) << mismatch;
  LatencyLookup incomplete = GrowingTable(skeleton);
  incomplete.parts_ms.erase("ffn/d16/f32");
  EXPECT_EQ(MessageOf([&] { MakeSpace(skeleton, std::make_shared<LatencyLookup>(incomplete)); }),
            "latency table given to the transformer space has no entry 'ffn/d16/f32'; measure one "
            "for this space with `sculpt latency CONFIG`");
}

TEST(TransformerLatencyTest, TheOptionsReadATableFile) {
  const fs::path dir =
      fs::temp_directory_path() / ("sculpt_transformer_latency_" + std::to_string(::getpid()));
  const Skeleton skeleton = Small();
  SaveLatencyLookup(GrowingTable(skeleton), dir / "small.json");
  nlohmann::json block = SkeletonJson(skeleton);
  block["latency_table"] = (dir / "small.json").string();

  ConfigErrors fine;
  Options good(block, "space", fine, nullptr);
  EXPECT_EQ(MakeSpaceFromOptions(good)->CostMetricNames().back(), "latency_lut_ms");
  good.Finish();
  EXPECT_TRUE(fine.Empty()) << ::testing::PrintToString(fine.Messages());

  // Another skeleton: an error of the block, naming the file; the space goes on without it.
  block["classes"] = 4;
  ConfigErrors errors;
  Options mismatched(block, "space", errors, nullptr);
  EXPECT_EQ(MakeSpaceFromOptions(mismatched)->CostMetricNames().size(), 2u);
  ASSERT_EQ(errors.Messages().size(), 1u);
  EXPECT_EQ(errors.Messages()[0].rfind("space.latency_table: latency table '" +
                                           (dir / "small.json").string() +
                                           "' was measured for the skeleton",
                                       0),
            0u)
      << errors.Messages()[0];

  // A skeleton error is reported once, not again as a table mismatch.
  block["classes"] = 3;
  block["patch_size"] = 3;
  ConfigErrors one;
  Options bad_skeleton(block, "space", one, nullptr);
  MakeSpaceFromOptions(bad_skeleton);
  ASSERT_EQ(one.Messages().size(), 1u) << ::testing::PrintToString(one.Messages());
  EXPECT_EQ(one.Messages()[0].rfind("space.patch_size: patch_size 3 does not divide", 0), 0u);

  block["patch_size"] = 4;
  block["latency_table"] = (dir / "missing.json").string();
  ConfigErrors missing;
  Options absent(block, "space", missing, nullptr);
  MakeSpaceFromOptions(absent);
  ASSERT_EQ(missing.Messages().size(), 1u);
  EXPECT_EQ(missing.Messages()[0], "space.latency_table: cannot read latency table '" +
                                       (dir / "missing.json").string() + "'");
  fs::remove_all(dir);
}

// The stored config keeps the table itself: an experiment's later commands predict with the table
// its search used, with the file gone or measured again, and a table measured again is another
// config.
TEST(TransformerLatencyTest, TheCanonicalConfigHoldsTheTableItself) {
  const fs::path dir =
      fs::temp_directory_path() / ("sculpt_transformer_table_" + std::to_string(::getpid()));
  const Skeleton skeleton = Small();
  SaveLatencyLookup(GrowingTable(skeleton), dir / "small.json");
  nlohmann::json block = SkeletonJson(skeleton);
  block["latency_table"] = (dir / "small.json").string();
  ConfigErrors errors;
  nlohmann::json canonical = nlohmann::json::object();
  Options from_file(block, "space", errors, &canonical);
  const auto space = MakeSpaceFromOptions(from_file);
  from_file.Finish();
  ASSERT_TRUE(errors.Empty()) << ::testing::PrintToString(errors.Messages());
  EXPECT_EQ(canonical["latency_table"], LatencyLookupJson(GrowingTable(skeleton)));

  fs::remove_all(dir);
  Options stored(canonical, "space", errors, nullptr);
  const auto again = MakeSpaceFromOptions(stored);
  stored.Finish();
  ASSERT_TRUE(errors.Empty()) << ::testing::PrintToString(errors.Messages());
  Rng rng(3);
  for (const Architecture& arch : {space->Largest().value(), space->Sample(rng)}) {
    EXPECT_EQ(again->Cost(arch).at("latency_lut_ms"), space->Cost(arch).at("latency_lut_ms"));
  }

  block["latency_table"] = 3;
  ConfigErrors wrong;
  Options number(block, "space", wrong, nullptr);
  EXPECT_EQ(MakeSpaceFromOptions(number)->CostMetricNames().size(), 2u);
  ASSERT_EQ(wrong.Messages().size(), 1u);
  EXPECT_EQ(wrong.Messages()[0],
            "space.latency_table: expected the name of a table file (a string) or a table (an "
            "object), got 3");
}

}  // namespace
}  // namespace sculpt::transformer
