// Few-shot supernets: routing, the weight transfer from the one-shot supernet, training restricted
// to a sub-space, gradient matching, and the spaces' decisions. The supernet evaluator's few_shot
// kind (resume, reuse, bad input) is tested with the evaluator (supernet_evaluator_test.cc).

#include <gtest/gtest.h>
#include <torch/torch.h>


#include "spaces/errors.h"
#include "spaces/nb201.h"
#include "spaces/transformer.h"
#include "supernet/data/dataset.h"
#include "supernet/families.h"
#include "supernet/few_shot/few_shot_supernet.h"
#include "supernet/few_shot/gradient_matching.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/torch_threads.h"
#include "supernet/training/spos_trainer.h"
#include "tests/supernet/test_data.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

class FewShotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    DatasetOptions options;
    options.validation_size = 64;
    data_ = std::make_unique<ImageDataset>(testing::MakeImages(320, 8, 4, 1), ImageSet{},
                                           options);
    family_ = MakeNb201Family(testing::TinySkeleton(4));
    space_ = nb201::MakeSpace(testing::TinySkeleton(4));
  }

  static SposOptions Small(std::int64_t epochs, std::uint64_t seed) {
    SposOptions options;
    options.epochs = epochs;
    options.batch_size = 32;
    options.learning_rate = 0.1;
    options.seed = seed;
    return options;
  }

  std::unique_ptr<ImageDataset> data_;
  std::unique_ptr<ModelFamily> family_;
  std::unique_ptr<SearchSpace> space_;
};

TEST_F(FewShotTest, EveryArchitectureLandsInTheSubSupernetOfItsValue) {
  constexpr int kDecision = 2;  // edge2
  std::vector<std::shared_ptr<Supernet>> subs;
  for (int k = 0; k < nb201::kNumOps; ++k) subs.push_back(family_->BuildSupernet(100 + k));
  FewShotSupernet few_shot(kDecision, subs);
  few_shot.Module().eval();
  EXPECT_EQ(few_shot.SubSupernets(), nb201::kNumOps);
  // The container holds every sub-supernet's weights once.
  std::int64_t sum = 0;
  for (auto& sub : subs) sum += WeightBytes(sub->Module());
  EXPECT_EQ(WeightBytes(few_shot.Module()), sum);

  const torch::Tensor images = data_->GetBatch(Split::kValidation, {0, 1, 2, 3}, nullptr).images;
  std::vector<int> owned(nb201::kNumOps, 0);
  const std::vector<Architecture> all = space_->Enumerate();
  for (std::size_t i = 0; i < all.size(); i += 97) {
    const Architecture& arch = all[i];
    const int owner = few_shot.Owner(arch);
    ASSERT_EQ(owner, arch.choices[kDecision]);
    ++owned[static_cast<std::size_t>(owner)];
    torch::NoGradGuard no_grad;
    const torch::Tensor routed = few_shot.Forward(images, arch);
    EXPECT_TRUE(torch::equal(routed, subs[static_cast<std::size_t>(owner)]->Forward(images, arch)));
    // ... and not what another sub-supernet computes.
    const int other = (owner + 1) % nb201::kNumOps;
    if (arch.choices[kDecision] != nb201::kNone) {
      EXPECT_FALSE(
          torch::equal(routed, subs[static_cast<std::size_t>(other)]->Forward(images, arch)));
    }
  }
  for (int count : owned) EXPECT_GT(count, 0);

  Architecture foreign;
  foreign.choices = {0, 0};  // no edge2
  EXPECT_THROW(few_shot.Owner(foreign), UserError);
  Architecture out_of_range = all.front();
  out_of_range.choices[kDecision] = nb201::kNumOps;
  EXPECT_THROW(few_shot.Owner(out_of_range), UserError);
}

TEST_F(FewShotTest, ASubSupernetStartsWithExactlyTheOneShotWeightsAndTrainsOnlyItsSubSpace) {
  SposTrainer one_shot(*family_, *data_, Small(1, 3));
  one_shot.Train();
  auto parent = one_shot.Model()->Module().named_parameters();
  std::map<std::string, torch::Tensor> before;
  for (const auto& item : parent) before[item.key()] = item.value().detach().clone();

  SubSpaceStart start;
  start.parent = one_shot.Model().get();
  start.parent_fingerprint = one_shot.CheckpointFingerprint();
  start.decision = 0;
  start.choice = nb201::kConv3x3;
  SposTrainer sub(*family_, *data_, Small(1, 5), start);
  for (const auto& item : sub.Model()->Module().named_parameters()) {
    ASSERT_TRUE(torch::equal(item.value(), before.at(item.key()))) << item.key();
  }
  for (const auto& item : sub.Model()->Module().named_buffers()) {
    EXPECT_TRUE(torch::equal(item.value(), *one_shot.Model()->Module().named_buffers().find(
                                               item.key())))
        << item.key();
  }

  sub.Train();
  // Edge 0 only ever ran nor_conv_3x3: its other ops kept the one-shot weights; the chosen op
  // and the rest of the network trained. The one-shot supernet is untouched (a copy, not shared).
  int trained_edge0 = 0;
  for (const auto& item : sub.Model()->Module().named_parameters()) {
    const std::string& name = item.key();
    const bool same = torch::equal(item.value(), before.at(name));
    if (name.find("edge0_") != std::string::npos) {
      if (name.find("edge0_nor_conv_3x3") != std::string::npos) {
        trained_edge0 += same ? 0 : 1;
      } else {
        EXPECT_TRUE(same) << name << " trained outside the sub-space";
      }
    }
  }
  EXPECT_GT(trained_edge0, 0);
  for (const auto& item : parent) {
    EXPECT_TRUE(torch::equal(item.value(), before.at(item.key()))) << item.key();
  }
  // The sub-space is part of the checkpoint's fingerprint.
  EXPECT_NE(sub.CheckpointFingerprint().find("sub_space=0:3"), std::string::npos);
}

TEST_F(FewShotTest, GradientMatchingScoresEveryDecisionWithTwoOrMoreValues) {
  SposTrainer one_shot(*family_, *data_, Small(1, 3));
  one_shot.Train();
  GradientMatchingOptions options;
  options.batches = 2;
  options.batch_size = 16;
  std::vector<int> values(nb201::kNumEdges, nb201::kNumOps);
  values[4] = 1;  // as for a decision with one value: not scored
  const std::vector<double> scores =
      GradientDisagreement(*one_shot.Model(), *family_, *data_, values, options);
  ASSERT_EQ(scores.size(), values.size());
  for (std::size_t d = 0; d < scores.size(); ++d) {
    if (d == 4) {
      EXPECT_EQ(scores[d], -1);
    } else {
      EXPECT_GT(scores[d], 0) << d;  // different ops never give identical gradients
      EXPECT_LE(scores[d], 2) << d;
    }
  }
  // Deterministic: the same draws give the same scores (a resumed run splits the same way).
  EXPECT_EQ(GradientDisagreement(*one_shot.Model(), *family_, *data_, values, options), scores);
  for (const auto& p : one_shot.Model()->Module().parameters()) EXPECT_FALSE(p.grad().defined());
  EXPECT_FALSE(one_shot.Model()->Module().is_training());
}

TEST(SpaceDecisions, NameEveryChoiceOfNb201AndTransformer) {
  const auto nb201_space = nb201::MakeSpace(nb201::Skeleton{});
  const std::vector<Decision> edges = nb201_space->Decisions();
  ASSERT_EQ(edges.size(), static_cast<std::size_t>(nb201::kNumEdges));
  EXPECT_EQ(edges[0].name, "edge0");
  EXPECT_EQ(edges[5].options[3], "nor_conv_3x3");

  transformer::Skeleton skeleton = testing::TinyTransformerSkeleton(2, {0, 1, 2});
  skeleton.embed_dims = {8, 16};
  const auto vit = transformer::MakeSpace(skeleton);
  const std::vector<Decision> decisions = vit->Decisions();
  std::vector<std::string> names;
  for (const Decision& d : decisions) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"embed", "layer0.heads", "layer0.ffn",
                                             "layer1.heads", "layer1.ffn"}));
  EXPECT_EQ(decisions[0].options, (std::vector<std::string>{"d8", "d16"}));
  EXPECT_EQ(decisions[3].options, (std::vector<std::string>{"h0", "h1", "h2"}));
  Rng rng(1);
  EXPECT_EQ(vit->Sample(rng).choices.size(), decisions.size());
}

TEST(FewShotTransformer, SplitsOnALayersHeadCount) {
  SetTorchThreads(1);
  DatasetOptions data_options;
  data_options.validation_size = 64;
  const ImageDataset data(testing::MakeImages(320, 8, 3, 1), ImageSet{}, data_options);
  transformer::Skeleton skeleton = testing::TinyTransformerSkeleton(2, {0, 1, 2});
  const std::unique_ptr<ModelFamily> family = MakeTransformerFamilyFor(skeleton);
  const auto space = transformer::MakeSpace(skeleton);
  SposOptions options;
  options.epochs = 1;
  options.batch_size = 32;
  options.optimizer = "adamw";
  options.learning_rate = 0.003;
  SposTrainer one_shot(*family, data, options);
  one_shot.Train();

  const std::vector<Decision> decisions = space->Decisions();
  const int heads = FindSplitDecision(decisions, "layer0.heads", "transformer");
  std::vector<std::shared_ptr<Supernet>> subs;
  for (int k = 0; k < 3; ++k) {
    SubSpaceStart start{one_shot.Model().get(), one_shot.CheckpointFingerprint(), heads, k};
    SposTrainer sub(*family, data, options, start);
    sub.Train();
    subs.push_back(sub.Model());
  }
  FewShotSupernet few_shot(heads, subs);
  Rng rng(2);
  const torch::Tensor images = data.GetBatch(Split::kValidation, {0, 1, 2}, nullptr).images;
  for (int i = 0; i < 6; ++i) {
    const Architecture arch = space->Sample(rng);
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(few_shot.Forward(images, arch),
                             subs[static_cast<std::size_t>(arch.choices[1])]->Forward(images, arch)));
  }

  std::vector<int> values;
  for (const Decision& d : decisions) values.push_back(static_cast<int>(d.options.size()));
  GradientMatchingOptions matching;
  matching.batches = 1;
  matching.batch_size = 16;
  const std::vector<double> scores =
      GradientDisagreement(*one_shot.Model(), *family, data, values, matching);
  ASSERT_EQ(scores.size(), decisions.size());
  EXPECT_EQ(scores[0], -1);  // one embedding size: nothing to split
  for (std::size_t d = 1; d < scores.size(); ++d) EXPECT_GT(scores[d], 0) << decisions[d].name;
}

}  // namespace
}  // namespace sculpt
