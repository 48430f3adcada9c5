// The installed package as a C++ user meets it: `cmake --install` of this build into a fresh
// prefix; the installed `sculpt` runs a small experiment and exports its winner; the docs'
// example project (docs/example) is configured with find_package(Sculpt) against that prefix,
// built, and classifies images with the exported network exactly as the network loaded here does.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "experiments/config/builtins.h"
#include "experiments/models/model_export.h"
#include "supernet/data/idx_reader.h"
#include "tests/experiments/run_sculpt.h"
#include "tests/supernet/test_data.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::SculptResult;

std::string Quoted(const fs::path& path) {
  // Appended piece by piece, not with operator+: g++ 12 warns falsely (-Wrestrict).
  std::string quoted = "'";
  quoted += path.string();
  quoted += '\'';
  return quoted;
}

TEST(InstallTest, InstalledPackageRunsAndTheDocsExampleBuildsAgainstIt) {
  const fs::path dir = testing::TempDir("install");
  const fs::path prefix = dir / "prefix";
  const std::string cmake = Quoted(SCULPT_CMAKE_COMMAND);
  const SculptResult install = RunCommand(cmake + " --install " + Quoted(SCULPT_BUILD_DIR) +
                                          " --prefix " + Quoted(prefix));
  ASSERT_EQ(install.status, 0) << install.out;
  ASSERT_TRUE(fs::exists(prefix / "bin/sculpt")) << install.out;

  // The installed binary finds its commands module in the installed library folder.
  testing::WriteIdxDataset(dir / "data", 256, 32, 8, 4);
  const nlohmann::json config = {
      {"name", "installed"},
      {"space",
       {{"type", "transformer"}, {"input_channels", 1}, {"input_size", 8}, {"classes", 4},
        {"patch_size", 4}, {"layers", 2}, {"embed_dims", {8, 16}}, {"heads", {0, 1, 2}},
        {"head_dim", 4}, {"ffn_dims", {0, 8, 16}}}},
      {"evaluator",
       {{"type", "supernet"},
        {"dataset", {{"path", "data"}, {"validation_size", 64}}},
        {"training", {{"epochs", 1}, {"batch_size", 32}, {"optimizer", "adamw"},
                      {"learning_rate", 0.003}}},
        {"eval_images", 64},
        {"latency_runs", 1}}},
      {"objectives", {{{"metric", "accuracy"}, {"goal", "maximize"}}}},
      {"strategy", {{"type", "random"}}},
      {"budget", {{"evaluations", 3}}},
      {"final", {{"epochs", 1}, {"batch_size", 32}, {"optimizer", "adamw"},
                 {"learning_rate", 0.003}, {"export", "exported"}}},
      {"storage", "installed.sqlite"}};
  std::ofstream(dir / "config.json") << config.dump(2);
  const SculptResult run =
      RunCommand(Quoted(prefix / "bin/sculpt") + " run " + Quoted(dir / "config.json") + " -q");
  ASSERT_EQ(run.status, 0) << run.out;
  const fs::path exported = dir / "exported";
  ASSERT_TRUE(fs::exists(exported / kModelFile)) << run.out;

  // The example project, against the installed package only.
  const fs::path example_build = dir / "example-build";
  const SculptResult configure =
      RunCommand(cmake + " -S " + Quoted(fs::path(SCULPT_SOURCE_DIR) / "docs/example") + " -B " +
                 Quoted(example_build) + " -G Ninja -DCMAKE_BUILD_TYPE=Release" +
                 " -DCMAKE_PREFIX_PATH=" + Quoted(prefix));
  ASSERT_EQ(configure.status, 0) << configure.out;
  const SculptResult build = RunCommand(cmake + " --build " + Quoted(example_build));
  ASSERT_EQ(build.status, 0) << build.out;
  // It compiled against the installed headers, not this source tree's.
  std::stringstream ninja;
  ninja << std::ifstream(example_build / "build.ninja").rdbuf();
  const std::string source_dir = SCULPT_SOURCE_DIR;
  for (std::size_t at = ninja.str().find(source_dir); at != std::string::npos;
       at = ninja.str().find(source_dir, at + 1)) {
    EXPECT_EQ(ninja.str().compare(at + source_dir.size(), 13, "/docs/example"), 0)
        << ninja.str().substr(at, 120);
  }
  const SculptResult classify =
      RunCommand(Quoted(example_build / "classify") + " " + Quoted(exported) + " " +
                 Quoted(dir / "data/t10k-images-idx3-ubyte.gz") + " 3");
  ASSERT_EQ(classify.status, 0) << classify.out;

  // The same network loaded here, on the same images normalised as architecture.json says.
  const nlohmann::json document = nlohmann::json::parse(std::ifstream(exported / "architecture.json"));
  const nlohmann::json& space = document["experiment"]["config"]["space"];
  const auto family = BuildFamily(space);
  const Architecture arch = BuildSpace(space)->Parse(document["arch"].get<std::string>());
  const std::shared_ptr<Network> network = ReadModel(*family, arch, exported / kModelFile);
  const IdxData images = ReadIdx(dir / "data/t10k-images-idx3-ubyte.gz", IdxKind::kImages);
  const torch::Tensor pixels =
      torch::from_blob(const_cast<std::uint8_t*>(images.bytes.data()), {3, 1, 8, 8}, torch::kUInt8)
          .to(torch::kFloat32);
  const torch::Tensor x =
      (pixels * document["input"]["pixel_scale"].get<double>() -
       document["input"]["mean"][0].get<double>()) /
      document["input"]["std"][0].get<double>();
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = network->Forward(x);
  for (int i = 0; i < 3; ++i) {
    std::ostringstream line;
    line << "image " << i << ": class " << logits[i].argmax().item<std::int64_t>() << ", logits";
    line << std::fixed << std::setprecision(4);
    for (int k = 0; k < 4; ++k) line << " " << logits[i][k].item<float>();
    EXPECT_NE(classify.out.find(line.str()), std::string::npos)
        << "expected '" << line.str() << "' in:\n" << classify.out;
  }

  // Its errors: a folder without an export, a bad count.
  EXPECT_EQ(RunCommand(Quoted(example_build / "classify") + " " + Quoted(dir) + " x").status, 1);
  EXPECT_EQ(RunCommand(Quoted(example_build / "classify") + " " + Quoted(exported) + " x 0").status,
            2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sculpt
