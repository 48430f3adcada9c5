// What every registered model family must do (supernet/model_family.h), run for each family on
// a tiny skeleton: a new family adds one FamilyCase to Families() below (its name, a tiny space
// block, its two factories) and passes the same tests.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "spaces/errors.h"
#include "spaces/nb201.h"
#include "spaces/search_space.h"
#include "spaces/transformer.h"
#include "supernet/data/dataset.h"
#include "supernet/families.h"
#include "supernet/model_family.h"
#include "supernet/training/network_trainer.h"
#include "supernet/torch_threads.h"
#include "tests/supernet/test_data.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

struct FamilyCase {
  std::string name;
  nlohmann::json space_block;  // a tiny skeleton for 1 x 8 x 8 images and 4 classes
  std::function<std::unique_ptr<SearchSpace>(Options&)> space;
  std::function<std::unique_ptr<ModelFamily>(Options&)> family;
};

// Test names and failure messages show the family's name, not the struct's bytes.
void PrintTo(const FamilyCase& family, std::ostream* out) { *out << family.name; }

std::vector<FamilyCase> Families() {
  return {
      {"nb201",
       {{"type", "nb201"}, {"channels", 4}, {"cells_per_stage", 1}, {"input_channels", 1},
        {"input_size", 8}, {"classes", 4}},
       nb201::MakeSpaceFromOptions, [](Options& o) { return MakeNb201Family(o); }},
      {"transformer",
       {{"type", "transformer"}, {"input_channels", 1}, {"input_size", 8}, {"patch_size", 4},
        {"layers", 2}, {"embed_dims", {8, 16}}, {"heads", {0, 1, 2}}, {"head_dim", 4},
        {"ffn_dims", {0, 8, 16}}, {"classes", 4}},
       transformer::MakeSpaceFromOptions, MakeTransformerFamily},
  };
}

class FamilyConformance : public ::testing::TestWithParam<FamilyCase> {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    space_ = Read(GetParam().space);
    family_ = Read(GetParam().family);
    ASSERT_NE(space_, nullptr);
    ASSERT_NE(family_, nullptr);
  }

  template <class Factory>
  auto Read(const Factory& factory) -> decltype(factory(std::declval<Options&>())) {
    ConfigErrors errors;
    nlohmann::json canonical;
    Options options(GetParam().space_block, "space", errors, &canonical);
    options.OptionalString("type");
    auto built = factory(options);
    EXPECT_TRUE(errors.Empty()) << errors.Messages().front();
    return built;
  }

  // Distinct members, the largest first when the space has one.
  std::vector<Architecture> Members(int count) const {
    std::vector<Architecture> archs;
    if (const std::optional<Architecture> largest = space_->Largest()) archs.push_back(*largest);
    Rng rng(11);
    while (static_cast<int>(archs.size()) < count) {
      Architecture arch = space_->Sample(rng);
      if (space_->IsValid(arch)) archs.push_back(std::move(arch));
    }
    return archs;
  }

  std::unique_ptr<SearchSpace> space_;
  std::unique_ptr<ModelFamily> family_;
};

TEST_P(FamilyConformance, NameAndSkeletonMatchTheSpace) {
  EXPECT_EQ(family_->Name(), space_->Name());
  const nlohmann::json skeleton = family_->Skeleton();
  for (const char* key : {"input_channels", "input_size", "classes"}) {
    EXPECT_EQ(skeleton.at(key), GetParam().space_block.at(key)) << key;
  }
  EXPECT_EQ(family_->InputShape(), (std::vector<std::int64_t>{1, 1, 8, 8}));
  EXPECT_FALSE(family_->BlockNames().empty());
}

TEST_P(FamilyConformance, ParamsOfTheBuiltNetworkAreTheSpacesCost) {
  for (const Architecture& arch : Members(12)) {
    const std::shared_ptr<Network> network = family_->BuildNetwork(arch, 1);
    EXPECT_EQ(static_cast<double>(testing::CountParameters(network->Module())),
              space_->Cost(arch).at("params"))
        << space_->Format(arch);
  }
}

TEST_P(FamilyConformance, ExtractedNetworkEqualsTheSupernetPath) {
  const std::shared_ptr<Supernet> supernet = family_->BuildSupernet(3);
  supernet->Module().eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::randn({16, 1, 8, 8});
  for (const Architecture& arch : Members(10)) {
    const std::shared_ptr<Network> network = family_->Extract(*supernet, arch);
    network->Module().eval();
    const torch::Tensor expected = supernet->Forward(images, arch);
    EXPECT_TRUE(torch::allclose(network->Forward(images), expected, 1e-5, 1e-5))
        << space_->Format(arch);
    EXPECT_EQ(expected.sizes(), (std::vector<std::int64_t>{16, 4}));
  }
}

TEST_P(FamilyConformance, BlocksChainToTheWholeForward) {
  const std::shared_ptr<Supernet> supernet = family_->BuildSupernet(4);
  supernet->Module().eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::randn({8, 1, 8, 8});
  const int blocks = static_cast<int>(family_->BlockNames().size());
  for (const Architecture& arch : Members(4)) {
    torch::Tensor through_supernet = images;
    const std::shared_ptr<Network> network = family_->BuildNetwork(arch, 5);
    network->Module().eval();
    torch::Tensor through_network = images;
    for (int b = 0; b < blocks; ++b) {
      through_supernet = supernet->ForwardBlock(b, through_supernet, arch);
      through_network = network->ForwardBlock(b, through_network);
    }
    EXPECT_TRUE(torch::allclose(through_supernet, supernet->Forward(images, arch), 1e-6, 1e-6));
    EXPECT_TRUE(torch::allclose(through_network, network->Forward(images), 1e-6, 1e-6));
  }
  EXPECT_ANY_THROW(supernet->ForwardBlock(blocks, images, Members(1).front()));
}

TEST_P(FamilyConformance, SavedWeightsLoadIntoTheSameArchitectureOnly) {
  const auto dir = testing::TempDir("family_" + GetParam().name);
  const std::vector<Architecture> archs = Members(2);
  const std::shared_ptr<Network> saved = family_->BuildNetwork(archs[0], 6);
  saved->Module().eval();
  SaveNetwork(*saved, dir / "model.pt");
  const std::shared_ptr<Network> loaded = family_->BuildNetwork(archs[0], 7);
  loaded->Module().eval();
  LoadNetwork(*loaded, dir / "model.pt");
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::randn({4, 1, 8, 8});
  EXPECT_TRUE(torch::equal(saved->Forward(images), loaded->Forward(images)));
  // archs[0] is the largest: a smaller network lacks some of its tensors or has smaller ones.
  const std::shared_ptr<Network> other = family_->BuildNetwork(archs[1], 7);
  EXPECT_THROW(LoadNetwork(*other, dir / "model.pt"), UserError);
  EXPECT_THROW(LoadNetwork(*loaded, dir / "missing.pt"), UserError);
}

TEST_P(FamilyConformance, LossDropsOnATinySubset) {
  DatasetOptions options;
  options.validation_size = 32;
  const ImageDataset data(testing::MakeImages(160, 8, 4, 1), ImageSet{}, options);
  SposOptions training;
  training.epochs = 20;  // a transformer needs a few epochs before its loss moves
  training.batch_size = 16;
  // AdamW: what transformers need, and convolutional cells train with it too.
  training.optimizer = "adamw";
  training.learning_rate = 3e-3;
  training.weight_decay = 0.01;
  training.seed = 2;
  const std::shared_ptr<Network> network = family_->BuildNetwork(Members(1).front(), 2);
  std::vector<double> losses;
  NetworkTrainingHooks hooks;
  hooks.on_epoch = [&](const NetworkEpoch& epoch) {
    losses.push_back(epoch.train_loss);
    return true;
  };
  TrainNetwork(*network, data, training, hooks);
  ASSERT_EQ(losses.size(), 20U);
  EXPECT_LT(losses.back(), 0.5 * losses.front());
}

// A training stopped after an epoch (as by Ctrl-C or a kill) and started again continues from
// its checkpoint and ends with the network an uninterrupted training gives, bit for bit.
TEST_P(FamilyConformance, StoppedTrainingResumesFromItsCheckpointExactly) {
  const auto dir = testing::TempDir("resume_" + GetParam().name);
  DatasetOptions options;
  options.validation_size = 32;
  const ImageDataset data(testing::MakeImages(96, 8, 4, 1), ImageSet{}, options);
  SposOptions training;
  training.epochs = 3;
  training.batch_size = 16;
  training.optimizer = "adamw";
  training.learning_rate = 3e-3;
  training.seed = 4;
  // Head drop's draws must resume exactly too, where a family has heads to drop.
  if (family_->HasAttentionHeads()) training.head_drop = 0.3;
  const Architecture arch = Members(1).front();
  NetworkTrainingHooks hooks;
  hooks.checkpoint_identity = family_->Fingerprint() + " " + space_->Format(arch);

  const std::shared_ptr<Network> whole = family_->BuildNetwork(arch, 4);
  const NetworkTrainingResult uninterrupted = TrainNetwork(*whole, data, training, hooks);
  if (training.head_drop > 0) {  // it does drop heads
    SposOptions no_drop = training;
    no_drop.head_drop = 0;
    const std::shared_ptr<Network> plain = family_->BuildNetwork(arch, 4);
    EXPECT_NE(TrainNetwork(*plain, data, no_drop, hooks).train_loss, uninterrupted.train_loss);
  }

  training.checkpoint = dir / "checkpoint.pt";
  NetworkTrainingHooks stop_after_one = hooks;
  stop_after_one.on_epoch = [](const NetworkEpoch& epoch) { return epoch.epoch < 1; };
  const std::shared_ptr<Network> first = family_->BuildNetwork(arch, 4);
  const NetworkTrainingResult stopped = TrainNetwork(*first, data, training, stop_after_one);
  ASSERT_TRUE(stopped.stopped);
  ASSERT_TRUE(std::filesystem::exists(training.checkpoint));

  const std::shared_ptr<Network> again = family_->BuildNetwork(arch, 4);
  const NetworkTrainingResult resumed = TrainNetwork(*again, data, training, hooks);
  EXPECT_EQ(resumed.resumed_epochs, 1);
  EXPECT_EQ(resumed.epochs_done, 3);
  EXPECT_EQ(resumed.valid_accuracy, uninterrupted.valid_accuracy);
  EXPECT_EQ(resumed.train_loss, uninterrupted.train_loss);
  const auto resumed_parameters = again->Module().named_parameters();
  for (const auto& parameter : whole->Module().named_parameters()) {
    EXPECT_TRUE(torch::equal(parameter.value(), resumed_parameters[parameter.key()]))
        << parameter.key();
  }
  // A checkpoint of another network or other settings is refused, never continued.
  NetworkTrainingHooks other = hooks;
  other.checkpoint_identity += " (another)";
  const std::shared_ptr<Network> fresh = family_->BuildNetwork(arch, 4);
  EXPECT_THROW(TrainNetwork(*fresh, data, training, other), UserError);
}

TEST_P(FamilyConformance, DataOfAnotherShapeIsRefusedNamingTheKeys) {
  EXPECT_EQ(family_->DataMismatch({1, 8, 8, 4}), "");
  EXPECT_EQ(family_->DataMismatch({1, 8, 8, 3}), "");  // fewer classes than outputs is fine
  const std::string images = family_->DataMismatch({3, 16, 16, 4});
  EXPECT_NE(images.find("\"input_channels\": 3"), std::string::npos) << images;
  EXPECT_NE(images.find("\"input_size\": 16"), std::string::npos) << images;
  const std::string classes = family_->DataMismatch({1, 8, 8, 10});
  EXPECT_NE(classes.find("\"classes\": 10"), std::string::npos) << classes;
}

TEST_P(FamilyConformance, TrainingPathsAreMembersAndDeterministic) {
  Rng a(9), b(9);
  for (int i = 0; i < 20; ++i) {
    const std::vector<Architecture> paths = family_->TrainingPaths(a, PathSampling::kUniform, 0);
    ASSERT_EQ(paths.size(), 1U);
    EXPECT_TRUE(space_->Contains(paths[0]));
    EXPECT_EQ(paths, family_->TrainingPaths(b, PathSampling::kUniform, 0));
  }
  const std::vector<Architecture> sandwich = family_->TrainingPaths(a, PathSampling::kSandwich, 2);
  ASSERT_EQ(sandwich.size(), 4U);
  for (const Architecture& arch : sandwich) EXPECT_TRUE(space_->Contains(arch));
  EXPECT_GE(space_->Cost(sandwich[0]).at("params"), space_->Cost(sandwich[1]).at("params"));
}

INSTANTIATE_TEST_SUITE_P(Every, FamilyConformance, ::testing::ValuesIn(Families()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sculpt
