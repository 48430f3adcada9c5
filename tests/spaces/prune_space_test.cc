// The prune space over a trained transformer: reading the model's architecture.json, the mask's
// string form, moves, the reduction graph and the costs of the pruned network.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "spaces/errors.h"
#include "spaces/prune.h"
#include "spaces/rng.h"

namespace sculpt::prune {
namespace {

namespace fs = std::filesystem;

// A model of 3 layers on the default skeleton: 4 heads + FFN 256, FFN 128 only, 2 heads only.
constexpr const char* kModelArch = "d64|h4:f256|h0:f128|h2:f0|h0:f0|h0:f0|h0:f0";

class PruneSpaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("sculpt_prune_space_test_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(folder_);
    WriteModel(kModelArch, "transformer");
  }
  void TearDown() override { fs::remove_all(folder_); }

  void WriteModel(const std::string& arch, const std::string& family) {
    const nlohmann::json document = {
        {"arch", arch},
        {"family", family},
        {"skeleton", transformer::SkeletonJson(transformer::Skeleton())}};
    std::ofstream(folder_ / "architecture.json") << document.dump(2);
  }

  fs::path folder_;
};

TEST_F(PruneSpaceTest, UnitsStringFormAndMasks) {
  const auto space = MakeSpace(ReadModel(folder_), 0);
  // 4 + 2 heads; FFNs are not pruned without neuron groups.
  const Architecture full = *space->Largest();
  EXPECT_EQ(full.choices, std::vector<int>(6, 1));
  EXPECT_EQ(space->Format(full), "1111|-|11|-|-|-");
  EXPECT_EQ(space->Size(), 64u);
  const Architecture mask = space->Parse("1011|-|01|-|-|-");
  EXPECT_EQ(mask.choices, (std::vector<int>{1, 0, 1, 1, 0, 1}));
  EXPECT_EQ(space->Format(mask), "1011|-|01|-|-|-");
  EXPECT_EQ(space->CanonicalForm(mask), "1011|-|01|-|-|-");
  const Mask kept = space->Kept(mask);
  EXPECT_EQ(kept.heads[0], (std::vector<int>{0, 2, 3}));
  EXPECT_EQ(kept.heads[2], (std::vector<int>{1}));
  EXPECT_EQ(kept.neurons[0].size(), 256u);
  EXPECT_EQ(kept.neurons[1].size(), 128u);
  const transformer::Sizes sizes = space->PrunedSizes(mask);
  EXPECT_EQ(sizes.layers[0].heads, 3);
  EXPECT_EQ(sizes.layers[2].heads, 1);
  EXPECT_EQ(sizes.layers[2].ffn, 0);

  for (const char* bad : {"1011|-|01|-|-", "1011|-|012|-|-|-", "101|-|01|-|-|-",
                          "1011|1|01|-|-|-", "1011/11|-|01|-|-|-"}) {
    EXPECT_THROW(space->Parse(bad), UserError) << bad;
  }
  try {
    space->Parse("101|-|01|-|-|-");
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("layer 0: expected 4 head bits"), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("'1111|-|11|-|-|-'"), std::string::npos);
  }
}

TEST_F(PruneSpaceTest, NeuronGroupsAreUnitsToo) {
  const auto space = MakeSpace(ReadModel(folder_), 4);
  // 4 heads + 4 groups, 4 groups, 2 heads.
  const Architecture full = *space->Largest();
  EXPECT_EQ(full.choices.size(), 14u);
  EXPECT_EQ(space->Format(full), "1111/1111|-/1111|11/-|-/-|-/-|-/-");
  const Architecture mask = space->Parse("1111/1001|-/0000|11/-|-/-|-/-|-/-");
  const Mask kept = space->Kept(mask);
  ASSERT_EQ(kept.neurons[0].size(), 128u);  // groups 0 and 3 of 64 units
  EXPECT_EQ(kept.neurons[0][63], 63);
  EXPECT_EQ(kept.neurons[0][64], 192);
  EXPECT_TRUE(kept.neurons[1].empty());
  EXPECT_EQ(space->PrunedSizes(mask).layers[1].ffn, 0);
  // 3 groups do not divide 256 (or 128).
  EXPECT_THROW(MakeSpace(ReadModel(folder_), 3), UserError);
  EXPECT_THROW(space->Parse("1111|-|11|-|-|-"), UserError);  // groups missing
}

TEST_F(PruneSpaceTest, CostsAreThoseOfThePrunedNetwork) {
  const Model model = ReadModel(folder_);
  const auto space = MakeSpace(model, 2);
  const Architecture full = *space->Largest();
  const Metrics full_cost = space->Cost(full);
  const Architecture trained = transformer::MakeSpace(model.skeleton)->Parse(kModelArch);
  EXPECT_EQ(full_cost.at("params"), transformer::CountParams(trained, model.skeleton));
  EXPECT_EQ(full_cost.at("flops"), transformer::CountFlops(trained, model.skeleton));
  EXPECT_EQ(full_cost.at("heads"), 6);
  EXPECT_EQ(full_cost.at("neurons"), 384);
  // One head of 16 at d = 64: Q, K, V (64*16 + 16 each) and 16 columns of the projection.
  const Architecture one_head_less = space->Parse("0111/11|-/11|11/-|-/-|-/-|-/-");
  EXPECT_EQ(full_cost.at("params") - space->Cost(one_head_less).at("params"),
            3 * (64 * 16 + 16) + 16 * 64);
  // The last head of a layer takes its LayerNorm and the projection's bias with it.
  const Architecture no_heads = space->Parse("1111/11|-/11|00/-|-/-|-/-|-/-");
  EXPECT_EQ(full_cost.at("params") - space->Cost(no_heads).at("params"),
            2 * (3 * (64 * 16 + 16) + 16 * 64) + 64 + 2 * 64);
  // Half the FFN units of layer 1: fc1 64 rows and their biases, fc2 64 columns.
  const Architecture half_ffn = space->Parse("1111/11|-/10|11/-|-/-|-/-|-/-");
  EXPECT_EQ(full_cost.at("params") - space->Cost(half_ffn).at("params"), 64 * 64 + 64 + 64 * 64);
  for (const Architecture& smaller : space->Reductions(full)) {
    EXPECT_LT(space->Cost(smaller).at("flops"), full_cost.at("flops"));
  }
}

TEST_F(PruneSpaceTest, MovesStayInTheSpace) {
  const auto space = MakeSpace(ReadModel(folder_), 0);
  const Architecture full = *space->Largest();
  EXPECT_EQ(space->Reductions(full).size(), 6u);
  EXPECT_TRUE(space->Reductions(Architecture{std::vector<int>(6, 0)}).empty());
  EXPECT_EQ(space->Neighbours(full).size(), 6u);
  EXPECT_EQ(space->Enumerate().size(), 64u);
  Rng rng(7);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const Architecture sample = space->Sample(rng);
    ASSERT_TRUE(space->Contains(sample));
    const Architecture child = space->Mutate(sample, rng);
    ASSERT_TRUE(space->Contains(child));
    EXPECT_NE(child.choices, sample.choices);
    seen.insert(space->Format(sample));
  }
  EXPECT_GT(seen.size(), 40u);
  const Encoding encoding = space->Encode(full);
  EXPECT_EQ(encoding.num_nodes, 8);
  EXPECT_EQ(encoding.vector, std::vector<float>(6, 1.0f));
  EXPECT_EQ(space->Graph(full).NumNodes(), 8);
}

TEST_F(PruneSpaceTest, ModelsThatCannotBePrunedAreClearErrors) {
  EXPECT_THROW(ReadModel(folder_ / "missing"), UserError);
  WriteModel(kModelArch, "nb201");
  try {
    ReadModel(folder_);
    FAIL() << "an nb201 model was read";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("is not a trained transformer"), std::string::npos)
        << error.what();
  }
  WriteModel("d64|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0|h0:f0", "transformer");
  EXPECT_THROW(MakeSpace(ReadModel(folder_), 0), UserError);
  WriteModel("d64|h9:f0", "transformer");
  EXPECT_THROW(ReadModel(folder_), UserError);
  // Through the registry's factory: errors are recorded on the block.
  ConfigErrors errors;
  const nlohmann::json block = {{"model", (folder_ / "missing").string()}};
  Options options(block, "space", errors, nullptr);
  EXPECT_EQ(MakeSpaceFromOptions(options), nullptr);
  ASSERT_EQ(errors.Messages().size(), 1u);
  EXPECT_NE(errors.Messages()[0].find("space.model: "), std::string::npos) << errors.Messages()[0];
}

// A table as `sculpt latency` writes it for a skeleton whose lists hold every size the masks of
// the model (heads 0-4, FFN in quarters of 256 and 128) can leave: each key costs its own value.
LatencyLookup TableFor(const transformer::Skeleton& skeleton) {
  LatencyLookup table;
  table.family = "transformer";
  table.skeleton = transformer::SkeletonJson(skeleton);
  double next = 1;
  for (const std::string& key : transformer::LatencyKeys(skeleton)) table.parts_ms[key] = next++;
  return table;
}

TEST_F(PruneSpaceTest, LatencyFromATransformerTableOfThePrunedSizes) {
  transformer::Skeleton lists;
  lists.heads = {0, 1, 2, 3, 4};
  lists.ffn_dims = {0, 32, 64, 96, 128, 192, 256};
  const LatencyLookup table = TableFor(lists);
  const auto space = MakeSpace(ReadModel(folder_), 4, std::make_shared<LatencyLookup>(table));
  const std::vector<std::string> names = space->CostMetricNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "latency_lut_ms"), names.end());
  // Layer 0 keeps 3 heads and half its FFN (128), layer 1 a quarter of its FFN (32), layer 2
  // nothing: the sum of those parts of the table.
  const Architecture arch = space->Parse("1011/0011|-/1000|00/-|-/-|-/-|-/-");
  const double expected = table.parts_ms.at("embed/d64") + table.parts_ms.at("attn/d64/h3") +
                          table.parts_ms.at("ffn/d64/f128") + table.parts_ms.at("ffn/d64/f32") +
                          table.parts_ms.at("head/d64") + table.parts_ms.at("overhead/d64");
  EXPECT_DOUBLE_EQ(space->Cost(arch).at("latency_lut_ms"), expected);
  EXPECT_LT(space->Cost(arch).at("latency_lut_ms"),
            space->Cost(*space->Largest()).at("latency_lut_ms"));

  // A table whose lists miss a size a mask can leave (3 heads), of another family, or of another
  // image size is refused, saying how to measure one.
  transformer::Skeleton short_lists = lists;
  short_lists.heads = {0, 1, 2, 4};
  try {
    MakeSpace(ReadModel(folder_), 4, std::make_shared<LatencyLookup>(TableFor(short_lists)));
    ADD_FAILURE() << "a table without 3 heads was accepted";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("no head count 3"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("sculpt latency"), std::string::npos) << error.what();
  }
  LatencyLookup nb201 = table;
  nb201.family = "nb201";
  EXPECT_THROW(MakeSpace(ReadModel(folder_), 4, std::make_shared<LatencyLookup>(nb201)), UserError);
  transformer::Skeleton larger = lists;
  larger.input_size = 32;
  EXPECT_THROW(MakeSpace(ReadModel(folder_), 4, std::make_shared<LatencyLookup>(TableFor(larger))),
               UserError);
  // Without neuron groups only the whole FFN sizes are needed.
  transformer::Skeleton whole = lists;
  whole.ffn_dims = {0, 128, 256};
  EXPECT_NO_THROW(MakeSpace(ReadModel(folder_), 0, std::make_shared<LatencyLookup>(TableFor(whole))));
}

}  // namespace
}  // namespace sculpt::prune
