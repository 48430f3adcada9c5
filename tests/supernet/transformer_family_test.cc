// The transformer family: stand-alone networks, the weight-entangled supernet, extraction,
// blocks, training paths and the family interface, on tiny skeletons (8 x 8 images, 4 tokens).

#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "spaces/errors.h"
#include "spaces/options.h"
#include "spaces/rng.h"
#include "spaces/transformer.h"
#include "supernet/families.h"
#include "supernet/model_family.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/torch_threads.h"
#include "supernet/transformer/transformer_network.h"
#include "supernet/transformer/transformer_ops.h"
#include "supernet/transformer/transformer_supernet.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

using testing::CountParameters;

// 2 x 8 x 8 images, patch 4 (4 patches), embed {8, 16}, heads {0, 1, 2} of 4 channels, FFN
// {0, 8, 16}, 3 layers (two blocks: layers 1-2 and layer 3), 3 classes.
transformer::Skeleton Tiny(bool class_token = false) {
  transformer::Skeleton s;
  s.input_channels = 2;
  s.input_size = 8;
  s.patch_size = 4;
  s.layers = 3;
  s.embed_dims = {8, 16};
  s.heads = {0, 1, 2};
  s.ffn_dims = {0, 8, 16};
  s.head_dim = 4;
  s.classes = 3;
  s.class_token = class_token;
  return s;
}

nlohmann::json SpaceBlock(const transformer::Skeleton& s) {
  nlohmann::json block = transformer::SkeletonJson(s);
  block["type"] = "transformer";
  return block;
}

std::unique_ptr<ModelFamily> Family(const transformer::Skeleton& skeleton) {
  const nlohmann::json json = SpaceBlock(skeleton);  // Options keeps a pointer to it
  ConfigErrors errors;
  nlohmann::json canonical;
  Options block(json, "space", errors, &canonical);
  std::unique_ptr<ModelFamily> family = MakeTransformerFamily(block);
  errors.ThrowIfAny();
  return family;
}

// Every choice at index `index` (clamped to each list).
Architecture Uniform(const transformer::Skeleton& s, int embed, int heads, int ffn) {
  Architecture arch{{embed}};
  for (int l = 0; l < s.layers; ++l) {
    arch.choices.push_back(heads);
    arch.choices.push_back(ffn);
  }
  return arch;
}

Architecture Largest(const transformer::Skeleton& s) {
  return Uniform(s, static_cast<int>(s.embed_dims.size()) - 1, static_cast<int>(s.heads.size()) - 1,
                 static_cast<int>(s.ffn_dims.size()) - 1);
}
Architecture Identity(const transformer::Skeleton& s, int embed = 0) {
  return Uniform(s, embed, 0, 0);
}

// Hand-picked paths (identity layers, attention-only and FFN-only layers, the extremes) and
// uniformly sampled ones.
std::vector<Architecture> SomePaths(const transformer::Skeleton& s, int sampled, int seed = 1) {
  std::vector<Architecture> paths = {
      Largest(s),
      Identity(s),
      Identity(s, 1),
      Uniform(s, 0, 1, 1),
      Architecture{{1, 2, 0, 0, 2, 1, 1}},  // attention only, FFN only, both
      Architecture{{0, 0, 0, 2, 2, 0, 0}},  // identity, full, identity
  };
  Rng rng(seed);
  const auto family = Family(s);
  for (int i = 0; i < sampled; ++i) {
    paths.push_back(family->TrainingPaths(rng, PathSampling::kUniform, 0).at(0));
  }
  return paths;
}

// Moves every weight off its initialisation (LayerNorm weights off 1, biases off 0), so that
// every copied or sliced tensor matters.
void Perturb(torch::nn::Module& module, double scale = 0.3) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) p.add_(scale * torch::randn_like(p));
}

double MaxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

class TransformerFamilyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetTorchThreads(1);
    torch::manual_seed(0);
  }
};

// The test that ties the LibTorch model to the analytic counts of spaces/.
TEST_F(TransformerFamilyTest, ParameterCountEqualsCountParams) {
  for (bool cls : {false, true}) {
    const transformer::Skeleton s = Tiny(cls);
    for (const Architecture& arch : SomePaths(s, 60)) {
      TransformerNetwork network(arch, TransformerNetworkOptions(s));
      EXPECT_EQ(static_cast<double>(CountParameters(*network)), transformer::CountParams(arch, s))
          << "cls " << cls << " arch " << ::testing::PrintToString(arch.choices);
    }
    // The supernet holds exactly the largest network's weights.
    TransformerSupernet supernet{TransformerSupernetOptions(s)};
    EXPECT_EQ(static_cast<double>(CountParameters(*supernet)),
              transformer::CountParams(Largest(s), s));
  }
  // The default skeleton, at its extremes.
  const transformer::Skeleton fashion;
  for (const Architecture& arch :
       {Largest(fashion), Identity(fashion), Uniform(fashion, 1, 2, 1)}) {
    TransformerNetwork network(arch, TransformerNetworkOptions(fashion));
    EXPECT_EQ(static_cast<double>(CountParameters(*network)),
              transformer::CountParams(arch, fashion));
  }
}

// Dense and MultiHeadAttention run their own products for speed (transformer_ops.h); they must
// compute and differentiate what the plain formulas do: on 3-D and 2-D inputs, on a weight that
// is a leading block of a larger one (as the supernet's slices are), without a bias, with one
// head, one image or head_dim 1.
TEST_F(TransformerFamilyTest, KernelsMatchThePlainFormulas) {
  for (const std::vector<std::int64_t>& shape :
       std::vector<std::vector<std::int64_t>>{{20, 5, 6}, {3, 7, 6}, {17, 6}, {1, 6}}) {
    const torch::Tensor x = torch::randn(shape, torch::requires_grad());
    const torch::Tensor whole = torch::randn({9, 8}, torch::requires_grad());
    const torch::Tensor b = torch::randn({5}, torch::requires_grad());
    for (const torch::Tensor& w :
         {whole.narrow(0, 0, 5).narrow(1, 0, 6), torch::randn({5, 6}).requires_grad_()}) {
      for (const torch::Tensor& bias : {b, torch::Tensor()}) {
        const torch::Tensor plain = torch::linear(x, w, bias);
        const torch::Tensor x_before = x.clone();
        const torch::Tensor w_before = whole.clone();
        const torch::Tensor b_before = b.clone();
        const torch::Tensor ours = Dense(x, w, bias);
        EXPECT_LT(MaxAbsDiff(ours, plain), 1e-5);
        // The inputs are left alone (one row once wrote its product into the bias).
        EXPECT_TRUE(torch::equal(x, x_before) && torch::equal(whole, w_before) &&
                    torch::equal(b, b_before));
        const torch::Tensor g = torch::randn_like(plain);
        std::vector<torch::Tensor> inputs = {x, w};
        if (bias.defined()) inputs.push_back(bias);
        const auto plain_grads = torch::autograd::grad({plain}, inputs, {g});
        const auto our_grads = torch::autograd::grad({ours}, inputs, {g});
        for (std::size_t i = 0; i < inputs.size(); ++i) {
          EXPECT_LT(MaxAbsDiff(our_grads[i], plain_grads[i]), 1e-5) << i;
        }
      }
    }
  }
  struct Case {
    std::int64_t n, tokens, heads, head_dim;
  };
  for (const Case& c : {Case{3, 5, 2, 4}, Case{1, 5, 1, 4}, Case{2, 4, 3, 1}, Case{17, 5, 2, 3}}) {
    const torch::Tensor qkv =
        torch::randn({c.n, c.tokens, 3 * c.heads * c.head_dim}, torch::requires_grad());
    // The plain formula on the head-major layout.
    const torch::Tensor split =
        qkv.view({c.n, c.tokens, c.heads, 3, c.head_dim}).permute({3, 0, 2, 1, 4});
    const torch::Tensor scores =
        torch::matmul(split[0], split[1].transpose(-2, -1)) / std::sqrt(double(c.head_dim));
    const torch::Tensor plain = torch::matmul(torch::softmax(scores, -1), split[2])
                                    .transpose(1, 2)
                                    .reshape({c.n, c.tokens, c.heads * c.head_dim});
    const torch::Tensor ours = MultiHeadAttention(qkv, c.heads, c.head_dim);
    EXPECT_LT(MaxAbsDiff(ours, plain), 1e-5) << c.n << " " << c.heads << " " << c.head_dim;
    const torch::Tensor g = torch::randn_like(plain);
    const torch::Tensor plain_grad = torch::autograd::grad({plain}, {qkv}, {g})[0];
    const torch::Tensor our_grad = torch::autograd::grad({ours}, {qkv}, {g})[0];
    EXPECT_LT(MaxAbsDiff(our_grad, plain_grad), 1e-5) << c.n << " " << c.heads;
  }
}

TEST_F(TransformerFamilyTest, IdentityLayersAndAbsentSublayersAreNotBuilt) {
  const transformer::Skeleton s = Tiny();
  TransformerNetwork network(Architecture{{1, 2, 0, 0, 0, 0, 1}}, TransformerNetworkOptions(s));
  std::set<std::string> children;
  for (const auto& child : network->named_children()) children.insert(child.key());
  EXPECT_EQ(children, (std::set<std::string>{"embedding", "layer0", "layer2", "head"}));
  EXPECT_FALSE(network->layers.at(0).second->attn.is_empty());
  EXPECT_TRUE(network->layers.at(0).second->ffn.is_empty());
  EXPECT_TRUE(network->layers.at(1).second->attn.is_empty());
  EXPECT_EQ(network->layers.at(0).second->attn->qkv->weight.sizes(),
            (std::vector<std::int64_t>{3 * 2 * 4, 16}));
  EXPECT_EQ(network->forward(torch::randn({5, 2, 8, 8})).sizes(),
            (std::vector<std::int64_t>{5, 3}));
  EXPECT_THROW(TransformerNetwork(Architecture{{0, 1}}, TransformerNetworkOptions(s)), UserError);
  EXPECT_THROW(
      TransformerNetwork(Architecture{{2, 0, 0, 0, 0, 0, 0}}, TransformerNetworkOptions(s)),
      UserError);
}

TEST_F(TransformerFamilyTest, InitialisationIsSeededAndViTLike) {
  const transformer::Skeleton s = Tiny();
  const Architecture arch = Largest(s);
  TransformerNetwork a(arch, TransformerNetworkOptions(s).seed(7));
  TransformerNetwork b(arch, TransformerNetworkOptions(s).seed(7));
  TransformerNetwork c(arch, TransformerNetworkOptions(s).seed(8));
  const auto pa = a->named_parameters();
  const auto pb = b->named_parameters();
  bool any_differs = false;
  for (const auto& item : c->named_parameters()) {
    EXPECT_TRUE(torch::equal(pa[item.key()], pb[item.key()])) << item.key();
    any_differs = any_differs || !torch::equal(pa[item.key()], item.value());
  }
  EXPECT_TRUE(any_differs);
  const auto& layer = *a->layers.at(0).second;
  EXPECT_TRUE(torch::equal(layer.attn->norm->weight, torch::ones({16})));
  EXPECT_TRUE(torch::equal(layer.attn->qkv->bias, torch::zeros({24})));
  // Xavier-uniform: fc1 is 16 -> 16, and Q, K, V each 16 -> 8.
  EXPECT_LE(layer.ffn->fc1->weight.abs().max().item<double>(), std::sqrt(6.0 / 32) + 1e-6);
  EXPECT_GT(layer.ffn->fc1->weight.abs().max().item<double>(), 0.9 * std::sqrt(6.0 / 32));
  EXPECT_GT(layer.attn->qkv->weight.abs().max().item<double>(), 0.9 * std::sqrt(6.0 / 24));
  EXPECT_GT(a->embedding->position.abs().max().item<double>(), 0.0);
  EXPECT_LE(a->embedding->position.abs().max().item<double>(), 0.04 + 1e-6);
  EXPECT_TRUE(torch::equal(a->embedding->patch->bias, torch::zeros({16})));
}

// The central promise of weight sharing: a path extracted from the supernet computes what the
// supernet computes on that path.
TEST_F(TransformerFamilyTest, ExtractedNetworkComputesTheSupernetPath) {
  for (bool cls : {false, true}) {
    const transformer::Skeleton s = Tiny(cls);
    const auto family = Family(s);
    std::shared_ptr<Supernet> supernet = family->BuildSupernet(3);
    Perturb(supernet->Module());
    supernet->Module().eval();
    torch::NoGradGuard no_grad;
    // 17 images: Dense's and the attention's batched branches (see transformer_ops.h).
    const torch::Tensor x = torch::randn({17, 2, 8, 8});
    for (const Architecture& arch : SomePaths(s, 40)) {
      std::shared_ptr<Network> network = family->Extract(*supernet, arch);
      EXPECT_FALSE(network->Module().is_training());
      EXPECT_EQ(static_cast<double>(CountParameters(network->Module())),
                transformer::CountParams(arch, s));
      const torch::Tensor expected = supernet->Forward(x, arch);
      EXPECT_LT(MaxAbsDiff(network->Forward(x), expected), 1e-5)
          << "cls " << cls << " arch " << ::testing::PrintToString(arch.choices);
    }
    // Extraction copies: changing the network leaves the supernet alone.
    const Architecture arch = Largest(s);
    std::shared_ptr<Network> network = family->Extract(*supernet, arch);
    const torch::Tensor before = supernet->Forward(x, arch);
    Perturb(network->Module());
    EXPECT_TRUE(torch::equal(supernet->Forward(x, arch), before));
    // Different paths compute different functions.
    EXPECT_GT(MaxAbsDiff(supernet->Forward(x, Largest(s)), supernet->Forward(x, Identity(s))),
              1e-3);
    EXPECT_THROW(supernet->Forward(x, Architecture{{0, 1}}), UserError);
  }
}

// A smaller path runs on exactly the leading slices: weights outside them change nothing,
// weights inside change the output, and its gradient lives inside them.
TEST_F(TransformerFamilyTest, SmallPathsUseExactlyTheLeadingSlices) {
  const transformer::Skeleton s = Tiny();
  const Architecture small{{0, 1, 1, 0, 0, 2, 0}};  // d 8: h1/f8, identity, h2/f0
  TransformerSupernet supernet(TransformerSupernetOptions(s).seed(1));
  Perturb(*supernet);
  supernet->eval();
  const torch::Tensor x = torch::randn({4, 2, 8, 8});
  // The slice of each supernet tensor the path uses: the shape of the extracted network's.
  TransformerNetwork network = ExtractNetwork(supernet, small);
  const auto used = network->named_parameters();
  std::map<std::string, torch::Tensor> masks;
  for (const auto& item : supernet->named_parameters()) {
    torch::Tensor mask = torch::zeros_like(item.value(), torch::kBool);
    if (const torch::Tensor* slice = used.find(item.key())) {
      torch::Tensor inside = mask;
      for (std::int64_t dim = 0; dim < mask.dim(); ++dim) {
        inside = inside.narrow(dim, 0, slice->size(dim));
      }
      inside.fill_(true);
    }
    masks[item.key()] = mask;
  }

  // The gradient of the path is zero exactly outside its slices, and each used tensor gets one.
  supernet->zero_grad();
  (supernet->forward(x, small).pow(2).sum()).backward();
  for (const auto& item : supernet->named_parameters()) {
    const torch::Tensor& mask = masks.at(item.key());
    const torch::Tensor grad =
        item.value().grad().defined() ? item.value().grad() : torch::zeros_like(item.value());
    EXPECT_EQ(grad.masked_select(mask.logical_not()).abs().sum().item<double>(), 0.0) << item.key();
    if (used.contains(item.key())) {
      EXPECT_GT(grad.masked_select(mask).abs().sum().item<double>(), 0.0) << item.key();
    }
  }

  torch::NoGradGuard no_grad;
  const torch::Tensor expected = supernet->forward(x, small);
  const torch::Tensor largest = supernet->forward(x, Largest(s));
  for (auto& item : supernet->named_parameters()) {
    item.value().add_(torch::randn_like(item.value()) * masks.at(item.key()).logical_not());
  }
  EXPECT_TRUE(torch::equal(supernet->forward(x, small), expected));
  EXPECT_GT(MaxAbsDiff(supernet->forward(x, Largest(s)), largest), 1e-3);
  // One weight inside a slice: the first query row of layer 0.
  supernet->layers[0]->attn->qkv->weight[0][0].add_(1.0);
  EXPECT_GT(MaxAbsDiff(supernet->forward(x, small), expected), 1e-6);
}

// What lets several threads share one supernet: a forward (and backward) writes no parameter
// or buffer, at any batch size.
TEST_F(TransformerFamilyTest, ForwardWritesNoModuleState) {
  const transformer::Skeleton s = Tiny(/*class_token=*/true);
  const auto family = Family(s);
  std::shared_ptr<Supernet> supernet = family->BuildSupernet(4);
  Perturb(supernet->Module());
  std::vector<torch::Tensor> before;
  for (const auto& p : supernet->Module().parameters()) before.push_back(p.clone());
  EXPECT_TRUE(supernet->Module().buffers().empty());
  for (std::int64_t n : {1, 2, 17}) {
    const torch::Tensor x = torch::randn({n, 2, 8, 8});
    for (const Architecture& arch : SomePaths(s, 3)) {
      supernet->Forward(x, arch).sum().backward();
      torch::NoGradGuard no_grad;
      supernet->Forward(x, arch);
      family->Extract(*supernet, arch)->Forward(x);
    }
  }
  const auto after = supernet->Module().parameters();
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i]));
}

// Head drop's keep mask acts per image and per head: a row of ones is the plain sublayer, a row
// of zeros leaves only the output projection's bias, and keeping the first head alone is the
// sublayer run with one head.
TEST_F(TransformerFamilyTest, HeadDropKeepMaskZeroesWholeHeadsPerImage) {
  TransformerAttention attention(TransformerAttentionOptions(16, 2, 4));
  Perturb(*attention);
  const torch::Tensor x = torch::randn({3, 5, 16});
  const torch::Tensor keep = torch::tensor({1.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f}).view({3, 2});
  const torch::Tensor y = attention->forward(x, 2, keep);
  const torch::Tensor all = attention->forward(x, 2);
  const torch::Tensor first = attention->forward(x, 1);
  EXPECT_LT(MaxAbsDiff(y[0], all[0]), 1e-5);
  EXPECT_LT(MaxAbsDiff(y[1], x[1] + attention->proj->bias), 1e-5);
  EXPECT_LT(MaxAbsDiff(y[2], first[2]), 1e-5);
  EXPECT_GT(MaxAbsDiff(all[1], x[1] + attention->proj->bias), 1e-2);  // the heads matter
}

// Head drop is seeded, acts in training mode only, and dropping every head leaves a network
// whose attention sublayers add nothing (their output biases zeroed): the same function as the
// network without attention.
TEST_F(TransformerFamilyTest, HeadDropIsSeededAndOnlyInTraining) {
  const transformer::Skeleton s = Tiny();
  TransformerNetwork network(Largest(s), TransformerNetworkOptions(s).seed(3));
  Perturb(*network);
  const torch::Tensor x = torch::randn({6, 2, 8, 8});
  torch::NoGradGuard no_grad;
  network->eval();
  const torch::Tensor plain = network->forward(x);
  network->set_head_drop(0.5, 7);
  EXPECT_TRUE(torch::equal(network->forward(x), plain));  // eval mode never drops

  network->train();
  const torch::Tensor dropped = network->forward(x);
  EXPECT_GT(MaxAbsDiff(dropped, plain), 1e-3);
  EXPECT_FALSE(torch::equal(network->forward(x), dropped));  // new draws every forward
  network->set_head_drop(0.5, 7);
  EXPECT_TRUE(torch::equal(network->forward(x), dropped));  // the same seed, the same draws
  network->set_head_drop(0, 0);
  EXPECT_TRUE(torch::equal(network->forward(x), plain));

  for (auto& [l, layer] : network->layers) layer->attn->proj->bias.zero_();
  TransformerNetwork headless(Uniform(s, 1, 0, 2), TransformerNetworkOptions(s));
  CopyLeadingSlices(*network, *headless);
  network->set_head_drop(1.0, 7);
  EXPECT_LT(MaxAbsDiff(network->forward(x), headless->forward(x)), 1e-5);
}

TEST_F(TransformerFamilyTest, ConcurrentForwardsEqualSerialOnes) {
  const transformer::Skeleton s = Tiny(/*class_token=*/true);
  const auto family = Family(s);
  std::shared_ptr<Supernet> supernet = family->BuildSupernet(4);
  Perturb(supernet->Module());
  supernet->Module().eval();
  const std::vector<Architecture> paths = SomePaths(s, 10);
  const torch::Tensor x = torch::randn({8, 2, 8, 8});
  std::vector<torch::Tensor> serial;
  {
    torch::NoGradGuard no_grad;
    for (const Architecture& arch : paths) serial.push_back(supernet->Forward(x, arch));
  }
  std::vector<std::vector<torch::Tensor>> outputs(2);
  auto work = [&](int worker) {
    torch::NoGradGuard no_grad;  // grad mode is per thread
    for (int round = 0; round < 5; ++round) {
      // The two workers walk the paths in opposite orders, so different paths run at once.
      for (std::size_t i = 0; i < paths.size(); ++i) {
        const std::size_t k = worker == 0 ? i : paths.size() - 1 - i;
        outputs[worker].push_back(supernet->Forward(x, paths[k]));
      }
    }
  };
  std::thread a(work, 0);
  std::thread b(work, 1);
  a.join();
  b.join();
  for (int worker = 0; worker < 2; ++worker) {
    for (std::size_t j = 0; j < outputs[worker].size(); ++j) {
      const std::size_t i = j % paths.size();
      const std::size_t k = worker == 0 ? i : paths.size() - 1 - i;
      EXPECT_TRUE(torch::equal(outputs[worker][j], serial[k])) << worker << " " << j;
    }
  }
}

TEST_F(TransformerFamilyTest, ChainedBlocksEqualForward) {
  for (int layers : {1, 3, 4}) {
   for (int block_layers : {1, 2, 3}) {
    transformer::Skeleton s = Tiny();
    s.layers = layers;
    s.block_layers = block_layers;
    const auto family = Family(s);
    const std::vector<std::string> names = family->BlockNames();
    ASSERT_EQ(names.size(), static_cast<std::size_t>((layers + block_layers - 1) / block_layers));
    std::shared_ptr<Supernet> supernet = family->BuildSupernet(2);
    Perturb(supernet->Module());
    supernet->Module().eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({3, 2, 8, 8});
    for (const Architecture& arch : SomePaths(s, 5)) {
      if (arch.choices.size() != static_cast<std::size_t>(1 + 2 * layers)) continue;
      std::shared_ptr<Network> network = family->Extract(*supernet, arch);
      torch::Tensor via_supernet = x;
      torch::Tensor via_network = x;
      for (int b = 0; b < static_cast<int>(names.size()); ++b) {
        via_supernet = supernet->ForwardBlock(b, via_supernet, arch);
        via_network = network->ForwardBlock(b, via_network);
        if (b + 1 < static_cast<int>(names.size())) {
          EXPECT_EQ(via_supernet.sizes(),
                    (std::vector<std::int64_t>{3, 4, s.embed_dims[arch.choices[0]]}));
        }
      }
      EXPECT_TRUE(torch::allclose(via_supernet, supernet->Forward(x, arch), 0, 1e-6));
      EXPECT_TRUE(torch::allclose(via_network, network->Forward(x), 0, 1e-6));
    }
   }
  }
  transformer::Skeleton five = Tiny();
  five.layers = 5;
  EXPECT_EQ(Family(five)->BlockNames(),
            (std::vector<std::string>{"layers1-2", "layers3-4", "layers5"}));
  EXPECT_FALSE(Family(five)->Skeleton().contains("block_layers"));  // the default: not written
  five.block_layers = 3;
  EXPECT_EQ(Family(five)->BlockNames(), (std::vector<std::string>{"layers1-3", "layers4-5"}));
  EXPECT_EQ(Family(five)->Skeleton().at("block_layers"), 3);
  five.block_layers = 1;
  EXPECT_EQ(Family(five)->BlockNames(),
            (std::vector<std::string>{"layers1", "layers2", "layers3", "layers4", "layers5"}));
}

// A teacher exported with one block size is cut into a student's: the family it returns names
// the student's blocks, the network's blocks chain to the same output, and no weight changes.
TEST_F(TransformerFamilyTest, RecutBlocksCutsATeacherIntoTheStudentsBlocks) {
  transformer::Skeleton teacher_skeleton = Tiny();
  teacher_skeleton.layers = 4;  // blocks of 2 layers: layers1-2, layers3-4
  transformer::Skeleton student_skeleton = teacher_skeleton;
  student_skeleton.block_layers = 1;
  const auto teacher_family = Family(teacher_skeleton);
  const auto student_family = Family(student_skeleton);
  const Architecture arch = SomePaths(teacher_skeleton, 1).front();
  std::shared_ptr<Network> network = teacher_family->BuildNetwork(arch, 3);
  network->Module().eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({3, 2, 8, 8});
  const torch::Tensor before = network->Forward(x);

  EXPECT_EQ(teacher_family->RecutBlocks(*network, *teacher_family), nullptr);  // same blocks
  const std::unique_ptr<ModelFamily> recut = teacher_family->RecutBlocks(*network, *student_family);
  ASSERT_NE(recut, nullptr);
  EXPECT_EQ(recut->BlockNames(), student_family->BlockNames());
  EXPECT_EQ(recut->Skeleton(), student_family->Skeleton());
  torch::Tensor chained = x;
  for (int b = 0; b < 4; ++b) chained = network->ForwardBlock(b, chained);
  EXPECT_TRUE(torch::allclose(chained, before, 0, 1e-6));
  EXPECT_TRUE(torch::equal(network->Forward(x), before));
  // Another family's student leaves the teacher as it is.
  const auto nb201 = MakeNb201Family(testing::TinySkeleton());
  EXPECT_EQ(teacher_family->RecutBlocks(*network, *nb201), nullptr);
}

// A block-wise supernet's "blocks": blocks of any sizes that add up to the layers, chaining to
// the whole network's output; equal groups read as block_layers; nb201's stages stay fixed.
TEST_F(TransformerFamilyTest, WithBlocksMovesWhereBlocksEnd) {
  transformer::Skeleton s = Tiny();
  s.layers = 5;
  const auto family = Family(s);
  const std::unique_ptr<ModelFamily> uneven = family->WithBlocks({1, 3, 1});
  ASSERT_NE(uneven, nullptr);
  EXPECT_EQ(uneven->BlockNames(), (std::vector<std::string>{"layers1", "layers2-4", "layers5"}));
  EXPECT_EQ(uneven->Skeleton().at("block_layers"), nlohmann::json({1, 3, 1}));
  EXPECT_EQ(uneven->BlockDecisions(1), (std::vector<int>{0, 3, 4, 5, 6, 7, 8}));
  // Equal groups are the skeleton's block_layers: the default's skeleton, a count's.
  EXPECT_EQ(family->WithBlocks({2, 2, 1})->Skeleton(), family->Skeleton());
  EXPECT_EQ(family->WithBlocks({3, 2})->Skeleton().at("block_layers"), 3);
  EXPECT_THROW(family->WithBlocks({1, 3}), UserError);     // 4 layers of 5
  EXPECT_THROW(family->WithBlocks({1, 0, 4}), UserError);  // an empty block
  EXPECT_THROW(family->WithBlocks({}), UserError);         // no block

  std::shared_ptr<Supernet> supernet = uneven->BuildSupernet(2);
  Perturb(supernet->Module());
  supernet->Module().eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({3, 2, 8, 8});
  for (const Architecture& arch : SomePaths(s, 4)) {
    if (arch.choices.size() != 11) continue;  // the hand-picked ones of 3 layers
    std::shared_ptr<Network> network = uneven->Extract(*supernet, arch);
    torch::Tensor via_supernet = x;
    torch::Tensor via_network = x;
    for (int b = 0; b < 3; ++b) {
      via_supernet = supernet->ForwardBlock(b, via_supernet, arch);
      via_network = network->ForwardBlock(b, via_network);
    }
    EXPECT_TRUE(torch::allclose(via_supernet, supernet->Forward(x, arch), 0, 1e-6));
    EXPECT_TRUE(torch::allclose(via_network, network->Forward(x), 0, 1e-6));
    // A teacher with the family's blocks of 2 is cut into these.
    std::shared_ptr<Network> teacher = family->BuildNetwork(arch, 5);
    teacher->Module().eval();
    const std::unique_ptr<ModelFamily> recut = family->RecutBlocks(*teacher, *uneven);
    ASSERT_NE(recut, nullptr);
    EXPECT_EQ(recut->BlockNames(), uneven->BlockNames());
    torch::Tensor chained = x;
    for (int b = 0; b < 3; ++b) chained = teacher->ForwardBlock(b, chained);
    EXPECT_TRUE(torch::allclose(chained, teacher->Forward(x), 0, 1e-6));
  }

  const auto nb201 = MakeNb201Family(testing::TinySkeleton());
  EXPECT_EQ(nb201->WithBlocks({1, 1, 1}), nullptr);  // its own stages
  EXPECT_THROW(nb201->WithBlocks({1, 2}), UserError);
}

TEST_F(TransformerFamilyTest, DataMismatchNamesTheKeysToSet) {
  const auto family = Family(Tiny());  // 2 x 8 x 8, 3 classes
  EXPECT_EQ(family->DataMismatch({2, 8, 8, 3}), "");
  EXPECT_EQ(family->DataMismatch({2, 8, 8, 2}), "");  // fewer classes fit
  EXPECT_EQ(family->DataMismatch({3, 12, 12, 3}),
            "the space's skeleton describes networks for 2x8x8 images and 3 classes, but the "
            "data set has 3x12x12 images and 3 classes; set \"input_channels\": 3, "
            "\"input_size\": 12 in the space block");
  const std::string classes = family->DataMismatch({2, 8, 8, 10});
  EXPECT_NE(classes.find("set \"classes\": 10 in the space block"), std::string::npos) << classes;
  const std::string patch = family->DataMismatch({2, 10, 10, 3});
  EXPECT_NE(patch.find("\"input_size\": 10, a \"patch_size\" that divides 10"), std::string::npos)
      << patch;
  EXPECT_NE(family->DataMismatch({2, 8, 6, 3}).find("square"), std::string::npos);
  EXPECT_EQ(family->InputShape(), (std::vector<std::int64_t>{1, 2, 8, 8}));
}

TEST_F(TransformerFamilyTest, NameSkeletonAndFingerprint) {
  const auto family = Family(Tiny());
  EXPECT_EQ(family->Name(), "transformer");
  EXPECT_EQ(family->Skeleton(), transformer::SkeletonJson(Tiny()));
  EXPECT_EQ(family->Fingerprint(), Family(Tiny())->Fingerprint());
  EXPECT_EQ(family->Fingerprint().rfind("transformer-spos-v1 ", 0), 0u);
  EXPECT_NE(family->Fingerprint(), Family(Tiny(/*class_token=*/true))->Fingerprint());
}

TEST_F(TransformerFamilyTest, TrainingPathsAreSeededAndSandwiched) {
  const transformer::Skeleton s = Tiny();
  const auto family = Family(s);
  Rng a(11);
  Rng b(11);
  std::set<std::vector<int>> seen;
  std::vector<std::set<int>> values(1 + 2 * s.layers);
  for (int i = 0; i < 200; ++i) {
    const auto path = family->TrainingPaths(a, PathSampling::kUniform, 5);
    ASSERT_EQ(path.size(), 1u);
    EXPECT_EQ(path, family->TrainingPaths(b, PathSampling::kUniform, 5));
    EXPECT_NO_THROW(transformer::Decode(path[0], s));
    seen.insert(path[0].choices);
    for (std::size_t c = 0; c < path[0].choices.size(); ++c) values[c].insert(path[0].choices[c]);
  }
  EXPECT_GT(seen.size(), 150u);  // 2 * 9^3 paths
  EXPECT_EQ(values[0].size(), 2u);
  for (std::size_t c = 1; c < values.size(); ++c) EXPECT_EQ(values[c].size(), 3u);

  const auto sandwich = family->TrainingPaths(a, PathSampling::kSandwich, 3);
  ASSERT_EQ(sandwich.size(), 5u);
  EXPECT_EQ(sandwich[0], Largest(s));
  EXPECT_EQ(sandwich[1], Identity(s));
  EXPECT_EQ(sandwich, family->TrainingPaths(b, PathSampling::kSandwich, 3));
  EXPECT_EQ(family->TrainingPaths(a, PathSampling::kSandwich, 0).size(), 2u);
}

// A few SGD steps of SPOS on the supernet (sandwich paths) and of a stand-alone network fit a
// tiny random data set better.
TEST_F(TransformerFamilyTest, TrainingLowersTheLoss) {
  const transformer::Skeleton s = Tiny();
  const auto family = Family(s);
  const torch::Tensor x = torch::randn({24, 2, 8, 8});
  const torch::Tensor y = torch::randint(0, 3, {24});
  auto fit = [&](torch::nn::Module& module, const std::function<torch::Tensor(int)>& loss) {
    torch::optim::SGD sgd(module.parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
    const double first = loss(0).item<double>();
    for (int step = 0; step < 30; ++step) {
      sgd.zero_grad();
      loss(step).backward();
      sgd.step();
    }
    return std::make_pair(first, loss(0).item<double>());
  };

  std::shared_ptr<Network> network = family->BuildNetwork(Largest(s), 5);
  const auto [before, after] = fit(
      network->Module(), [&](int) { return torch::cross_entropy_loss(network->Forward(x), y); });
  EXPECT_LT(after, 0.7 * before);

  std::shared_ptr<Supernet> supernet = family->BuildSupernet(5);
  Rng rng(3);
  const auto [super_before, super_after] = fit(supernet->Module(), [&](int step) {
    torch::Tensor total = torch::zeros({});
    const auto paths = step == 0 ? std::vector<Architecture>{Largest(s)}
                                 : family->TrainingPaths(rng, PathSampling::kSandwich, 1);
    for (const Architecture& arch : paths) {
      total = total + torch::cross_entropy_loss(supernet->Forward(x, arch), y);
    }
    return total / static_cast<double>(paths.size());
  });
  EXPECT_LT(super_after, 0.7 * super_before);
}

TEST_F(TransformerFamilyTest, CheckpointsRoundTrip) {
  const transformer::Skeleton s = Tiny(/*class_token=*/true);
  const auto family = Family(s);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "sculpt_transformer_family_test";
  std::filesystem::create_directories(dir);
  const torch::Tensor x = torch::randn({3, 2, 8, 8});
  const Architecture arch = Uniform(s, 1, 1, 2);

  std::shared_ptr<Supernet> supernet = family->BuildSupernet(1);
  Perturb(supernet->Module());
  {
    torch::serialize::OutputArchive archive;
    supernet->Module().save(archive);
    archive.save_to((dir / "supernet.pt").string());
  }
  std::shared_ptr<Supernet> loaded = family->BuildSupernet(2);
  {
    torch::serialize::InputArchive archive;
    archive.load_from((dir / "supernet.pt").string());
    loaded->Module().load(archive);
  }
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(loaded->Forward(x, arch), supernet->Forward(x, arch)));

  std::shared_ptr<Network> network = family->Extract(*supernet, arch);
  SaveNetwork(*network, dir / "model.pt");
  std::shared_ptr<Network> fresh = family->BuildNetwork(arch, 9);
  LoadNetwork(*fresh, dir / "model.pt");
  EXPECT_TRUE(torch::equal(fresh->Forward(x), network->Forward(x)));
  // Another architecture's network refuses the file.
  std::shared_ptr<Network> other = family->BuildNetwork(Largest(s), 9);
  EXPECT_THROW(LoadNetwork(*other, dir / "model.pt"), UserError);
  std::filesystem::remove_all(dir);
}

TEST_F(TransformerFamilyTest, ExtractRefusesAnotherFamilysSupernet) {
  struct Foreign final : Supernet {
    torch::nn::Module module;
    torch::nn::Module& Module() override { return module; }
    at::Tensor Forward(const at::Tensor& x, const Architecture&) override { return x; }
    at::Tensor ForwardBlock(int, const at::Tensor& x, const Architecture&) override { return x; }
  };
  Foreign foreign;
  EXPECT_THROW(Family(Tiny())->Extract(foreign, Largest(Tiny())), InternalError);
}

TEST_F(TransformerFamilyTest, LatencyTableHasEveryKey) {
  for (bool cls : {false, true}) {
    const transformer::Skeleton s = Tiny(cls);
    const nlohmann::json document = Family(s)->MeasureLatencyTable({/*runs=*/1, /*warmup=*/0});
    const LatencyLookup table = LatencyLookupFromJson(document, "test");
    EXPECT_EQ(table.family, "transformer");
    EXPECT_EQ(table.skeleton, transformer::SkeletonJson(s));
    EXPECT_EQ(table.runs, 1);
    EXPECT_EQ(table.threads, 1);
    std::set<std::string> keys;
    for (const auto& [key, ms] : table.parts_ms) {
      keys.insert(key);
      EXPECT_GE(ms, 0.0) << key;
    }
    const std::vector<std::string> expected = transformer::LatencyKeys(s);
    EXPECT_EQ(keys, std::set<std::string>(expected.begin(), expected.end()));
    // Every architecture's prediction is defined.
    for (const Architecture& arch : SomePaths(s, 5)) {
      EXPECT_GT(PredictLatencyMs(table, transformer::LatencyTerms(arch, s)), 0.0);
    }
  }
  EXPECT_THROW(Family(Tiny())->MeasureLatencyTable({/*runs=*/0, /*warmup=*/0}), UserError);
}

}  // namespace
}  // namespace sculpt
