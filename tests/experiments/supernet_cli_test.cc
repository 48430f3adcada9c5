// The main job end to end through the real `sculpt` binary, on a tiny synthetic IDX data set:
// supernet training, search, retraining and export (`sculpt run` with a "final" block), reuse of
// the trained supernet by a second run, and `sculpt train`.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

#include "experiments/config/builtins.h"
#include "experiments/models/model_export.h"
#include "experiments/store/sqlite_statement.h"
#include "spaces/nb201.h"
#include "supernet/nb201/nb201_family.h"
#include "supernet/onnx/onnx_export.h"
#include "tests/experiments/run_sculpt.h"
#include "tests/experiments/tiny_main_job.h"
#include "tests/supernet/test_data.h"
#include "tests/supernet/tiny_models.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

using Result = testing::SculptResult;
using testing::Sculpt;

// One value of a one-row, one-column CSV query answer.
std::string QueryValue(const fs::path& db, const std::string& sql) {
  const Result result = Sculpt("query " + db.string() + " --format csv --sql \"" + sql + "\"");
  EXPECT_EQ(result.status, 0) << result.out;
  const std::size_t newline = result.out.find('\n');
  std::string value = result.out.substr(newline + 1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

// An export folder's model.onnx, run in OpenCV, gives what its model.pt gives in LibTorch (the
// network rebuilt from architecture.json alone, as docs/EXPORT.md says), for size x size images.
void ExpectOnnxComputesModelPt(const fs::path& dir, std::int64_t size) {
  const nlohmann::json document = nlohmann::json::parse(std::ifstream(dir / "architecture.json"));
  nlohmann::json space = document["skeleton"];
  space["type"] = document["family"];
  const std::shared_ptr<const ModelFamily> family = BuildFamily(space);
  const Architecture arch = BuildSpace(space)->Parse(document["arch"].get<std::string>());
  const std::shared_ptr<Network> network = ReadModel(*family, arch, dir / kModelFile);
  const torch::Tensor images = torch::randn({2, 1, size, size});
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = network->Forward(images);
  cv::dnn::Net net = cv::dnn::readNetFromONNX((dir / kOnnxModelFile).string());
  std::vector<int> dims = {2, 1, static_cast<int>(size), static_cast<int>(size)};
  cv::Mat blob(4, dims.data(), CV_32F, images.data_ptr<float>());
  net.setInput(blob);
  cv::Mat out = net.forward();
  const torch::Tensor got = torch::from_blob(out.ptr<float>(), expected.sizes()).clone();
  EXPECT_LT((got - expected).abs().max().item<float>(), 1e-4) << dir;
}

class SupernetCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sculpt_supernet_cli_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    testing::WriteIdxDataset(dir_ / "data", 320, 64, 8, 4);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // The quickstart's shape on a budget of a few seconds.
  static nlohmann::json Config(const std::string& name) { return testing::TinyMainJobConfig(name); }

  static fs::path WriteConfig(const std::string& file, const nlohmann::json& config) {
    std::ofstream(dir_ / file) << config.dump(2);
    return dir_ / file;
  }

  static fs::path dir_;
};

fs::path SupernetCliTest::dir_;

TEST_F(SupernetCliTest, TrainsSearchesRetrainsExportsAndReusesTheSupernet) {
  const fs::path config = WriteConfig("main.json", Config("main"));
  const Result run = Sculpt("run " + config.string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("supernet epoch 2/2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Final: candidate #"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("test accuracy "), std::string::npos) << run.out;

  const fs::path db = dir_ / "runs/main.sqlite";
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE kind = 'supernet' AND "
                           "status = 'finished'"),
            "1");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_epochs e JOIN training_runs r ON "
                           "r.id = e.run_id WHERE r.kind = 'supernet'"),
            "2");
  // Trained alone before the search, on every core the run owns (2 workers' worth at least).
  EXPECT_EQ(QueryValue(db, "SELECT json_extract(config, '$.threads') >= 2 FROM training_runs "
                           "WHERE kind = 'supernet'"),
            "1");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_epochs e JOIN training_runs r ON "
                           "r.id = e.run_id WHERE r.kind = 'retrain'"),
            "2");
  EXPECT_EQ(QueryValue(db, "SELECT status FROM experiments"), "finished");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM candidates WHERE status = 'ok' AND "
                           "repeat_of_step IS NULL"),
            "6");

  // The export: the document with the retraining's results, and a loadable model.
  const fs::path out = dir_ / "runs/main-best";
  std::ifstream in(out / "architecture.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json document = nlohmann::json::parse(in);
  const double test_accuracy = document["retrain"]["metrics"]["test_accuracy"].get<double>();
  EXPECT_GE(test_accuracy, 0.0);
  EXPECT_LE(test_accuracy, 1.0);
  EXPECT_EQ(document["skeleton"]["input_size"], 8);
  EXPECT_EQ(document["retrain"]["model"], "model.pt");
  const nb201::Skeleton skeleton = testing::TinySkeleton(4);  // Config()'s space block
  const auto space = nb201::MakeSpace(skeleton);
  EXPECT_EQ(document["family"], "nb201");
  ASSERT_EQ(document["input"]["mean"].size(), 1U);
  EXPECT_GT(document["input"]["std"][0].get<double>(), 0.0);
  const Architecture arch = space->Parse(document["arch"].get<std::string>());
  const auto family = MakeNb201Family(skeleton);
  const std::shared_ptr<Network> network = ReadModel(*family, arch, out / kModelFile);
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::rand({2, 1, 8, 8});
  const torch::Tensor logits = network->Forward(images);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 4}));
  EXPECT_THROW(ReadModel(*family,
                         space->Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|"
                                      "nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"),
                         out / kModelFile),
               UserError);
  // Another skeleton's network has the same tensor names with other shapes: refused too.
  nb201::Skeleton wider = skeleton;
  wider.channels = 8;
  try {
    ReadModel(*MakeNb201Family(wider), arch, out / kModelFile);
    ADD_FAILURE() << "a model of 4 channels loaded into a network of 8";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("shape"), std::string::npos) << error.what();
  }

  // `sculpt export --best` carries the retrained weights: the same network as the final export.
  const fs::path exported = dir_ / "exported";
  const Result exp = Sculpt("export " + db.string() + " --best --out " + exported.string());
  ASSERT_EQ(exp.status, 0) << exp.out;
  EXPECT_NE(exp.out.find("the weights of training run"), std::string::npos) << exp.out;
  const nlohmann::json exported_document =
      nlohmann::json::parse(std::ifstream(exported / "architecture.json"));
  EXPECT_EQ(exported_document["retrain"]["metrics"]["test_accuracy"], test_accuracy);
  EXPECT_EQ(exported_document["input"], document["input"]);
  EXPECT_EQ(exported_document["skeleton"], document["skeleton"]);
  EXPECT_TRUE(torch::equal(ReadModel(*family, arch, exported / kModelFile)->Forward(images),
                           logits));
  // The final export and `--format onnx` write model.onnx too; OpenCV runs it as LibTorch does.
  EXPECT_TRUE(fs::exists(out / kOnnxModelFile));
  const fs::path onnx = dir_ / "exported-onnx";
  const Result exp_onnx =
      Sculpt("export " + db.string() + " --best --format onnx --out " + onnx.string());
  ASSERT_EQ(exp_onnx.status, 0) << exp_onnx.out;
  EXPECT_NE(exp_onnx.out.find("as an ONNX model"), std::string::npos) << exp_onnx.out;
  {
    cv::dnn::Net net = cv::dnn::readNetFromONNX((onnx / kOnnxModelFile).string());
    std::vector<int> dims = {2, 1, 8, 8};
    cv::Mat blob(4, dims.data(), CV_32F, images.contiguous().data_ptr<float>());
    net.setInput(blob);
    cv::Mat out_cv = net.forward();
    const torch::Tensor got = torch::from_blob(out_cv.ptr<float>(), {2, 4}).clone();
    EXPECT_LT((got - logits).abs().max().item<float>(), 1e-4);
  }
  const Result bad_format =
      Sculpt("export " + db.string() + " --best --format tflite --out " + onnx.string());
  EXPECT_EQ(bad_format.status, 2) << bad_format.out;
  // A candidate never trained stand-alone: the document alone, and a clear word.
  const std::string untrained = QueryValue(
      db, "SELECT c.id FROM candidates c WHERE c.status = 'ok' AND c.repeat_of_step IS NULL AND "
          "c.experiment_id = 1 AND c.id NOT IN (SELECT candidate_id FROM training_runs WHERE "
          "candidate_id IS NOT NULL) LIMIT 1");
  const fs::path bare = dir_ / "bare";
  const Result plain =
      Sculpt("export " + db.string() + " --candidate " + untrained + " --out " + bare.string());
  ASSERT_EQ(plain.status, 0) << plain.out;
  EXPECT_NE(plain.out.find("has never been trained"), std::string::npos) << plain.out;
  EXPECT_TRUE(fs::exists(bare / "architecture.json"));
  EXPECT_FALSE(fs::exists(bare / kModelFile));
  // No weights, no ONNX: refused before anything is written.
  const Result bare_onnx = Sculpt("export " + db.string() + " --candidate " + untrained +
                                  " --format onnx --out " + (dir_ / "bare-onnx").string());
  EXPECT_EQ(bare_onnx.status, 1) << bare_onnx.out;
  EXPECT_NE(bare_onnx.out.find("no trained weights"), std::string::npos) << bare_onnx.out;
  EXPECT_FALSE(fs::exists(dir_ / "bare-onnx"));
  // Into the folder of the best's ONNX export: the untrained candidate's document replaces the
  // best's, and the best's weights go with it (never one network's document beside another's
  // weights); the user's own files stay.
  std::ofstream(onnx / "notes.txt") << "mine\n";
  const Result replaced =
      Sculpt("export " + db.string() + " --candidate " + untrained + " --out " + onnx.string());
  ASSERT_EQ(replaced.status, 0) << replaced.out;
  EXPECT_NE(replaced.out.find("Replaced the folder's earlier export: candidate "),
            std::string::npos)
      << replaced.out;
  EXPECT_NE(replaced.out.find("Removed " + (onnx / kModelFile).string()), std::string::npos)
      << replaced.out;
  EXPECT_NE(replaced.out.find("Removed " + (onnx / kOnnxModelFile).string()), std::string::npos)
      << replaced.out;
  EXPECT_FALSE(fs::exists(onnx / kModelFile));
  EXPECT_FALSE(fs::exists(onnx / kOnnxModelFile));
  EXPECT_TRUE(fs::exists(onnx / "notes.txt"));
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(onnx / "architecture.json"))["candidate"]["id"]
                .get<std::int64_t>(),
            std::stoll(untrained));
  // And the best again: its weights are back, nothing removed.
  const Result best_again = Sculpt("export " + db.string() + " --best --out " + onnx.string());
  ASSERT_EQ(best_again.status, 0) << best_again.out;
  EXPECT_EQ(best_again.out.find("Removed"), std::string::npos) << best_again.out;
  EXPECT_TRUE(fs::exists(onnx / kModelFile));
  // A folder of the user's own model files (no export document) is refused, untouched; so is
  // the folder where Sculpt keeps the database's weights.
  const fs::path mine = dir_ / "mine";
  fs::create_directories(mine);
  std::ofstream(mine / kModelFile) << "mine\n";
  const Result into_mine = Sculpt("export " + db.string() + " --best --out " + mine.string());
  EXPECT_EQ(into_mine.status, 2) << into_mine.out;
  EXPECT_NE(into_mine.out.find("holds model.pt, which no Sculpt export wrote"), std::string::npos)
      << into_mine.out;
  EXPECT_EQ(testing::ReadText(mine / kModelFile), "mine\n");
  EXPECT_FALSE(fs::exists(mine / "architecture.json"));
  const fs::path kept = fs::path(db.string() + ".models") / "run-1";
  const Result into_kept = Sculpt("export " + db.string() + " --best --out " + kept.string());
  EXPECT_EQ(into_kept.status, 2) << into_kept.out;
  EXPECT_NE(into_kept.out.find("where Sculpt keeps the trained weights"), std::string::npos)
      << into_kept.out;

  // The same config again: the finished supernet is reused, not retrained.
  const Result again = Sculpt("run " + config.string() + " --quiet");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("reusing the trained supernet"), std::string::npos) << again.out;
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE kind = 'supernet'"), "1");
  // The second run exported to the first's folder: the first's report says so.
  const Result first_report = Sculpt("report " + db.string() + " --text -e 1");
  EXPECT_NE(first_report.out.find("exported to " + (dir_ / "runs/main-best").string() +
                                  " (holds training run "),
            std::string::npos)
      << first_report.out;
  // Same seed, same supernet: the same candidates and scores.
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM candidates a JOIN candidates b ON a.step = "
                           "b.step AND a.experiment_id = 1 AND b.experiment_id = 2 WHERE a.arch "
                           "<> b.arch OR a.objective IS NOT b.objective"),
            "0");

  // ... and the same retrained network: the retraining's thread count comes from the config
  // (workers x threads_per_worker here), never from the machine's load, and is recorded.
  EXPECT_EQ(QueryValue(db, "SELECT count(DISTINCT json_extract(result, '$.test_accuracy')) FROM "
                           "training_runs WHERE kind = 'retrain'"),
            "1");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE kind = 'retrain' AND "
                           "json_extract(config, '$.threads') >= 1"),
            "2");

  // final.threads chooses it.
  nlohmann::json one_thread = Config("main");
  one_thread["final"]["threads"] = 1;
  const Result pinned =
      Sculpt("run " + WriteConfig("one_thread.json", one_thread).string() + " --quiet");
  ASSERT_EQ(pinned.status, 0) << pinned.out;
  EXPECT_EQ(QueryValue(db, "SELECT json_extract(config, '$.threads') FROM training_runs WHERE "
                           "kind = 'retrain' ORDER BY id DESC LIMIT 1"),
            "1");
  one_thread["final"]["threads"] = 1000;  // more than any test machine's cores
  const Result too_many =
      Sculpt("run " + WriteConfig("too_many_threads.json", one_thread).string());
  EXPECT_EQ(too_many.status, 2) << too_many.out;
  EXPECT_NE(too_many.out.find("final.threads: 1000 threads exceed the "), std::string::npos)
      << too_many.out;
  one_thread["final"]["threads"] = 0.5;
  EXPECT_EQ(Sculpt("run " + WriteConfig("bad_threads.json", one_thread).string()).status, 2);

  // `sculpt train` retrains a logged candidate and records the run.
  const std::string id = QueryValue(db, "SELECT id FROM candidates WHERE experiment_id = 1 AND "
                                        "status = 'ok' ORDER BY step LIMIT 1");
  const Result train = Sculpt("train " + db.string() + " --candidate " + id + " --epochs 1");
  ASSERT_EQ(train.status, 0) << train.out;
  EXPECT_NE(train.out.find("test accuracy"), std::string::npos) << train.out;
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE kind = 'retrain' AND "
                           "candidate_id = " + id + " AND status = 'finished'"),
            "1");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_epochs e JOIN training_runs r ON "
                           "r.id = e.run_id WHERE r.candidate_id = " + id),
            "1");
  // --resume after that training finished: nothing to resume, and it says so.
  const std::string first_run = QueryValue(db, "SELECT max(id) FROM training_runs");
  const Result resumed =
      Sculpt("train " + db.string() + " --candidate " + id + " --epochs 1 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("nothing to resume: training run " + first_run +
                             " of the same settings finished"),
            std::string::npos)
      << resumed.out;
  // An unfinished training of this network with other settings is named, with what differs
  // (here the newest training, marked interrupted as a Ctrl-C would leave it).
  const std::string newest = QueryValue(db, "SELECT max(id) FROM training_runs");
  {
    sqlite::Database file(db.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec("UPDATE training_runs SET status = 'interrupted' WHERE id = " + newest);
  }
  const Result other =
      Sculpt("train " + db.string() + " --candidate " + id + " --epochs 2 --resume --quiet");
  ASSERT_EQ(other.status, 0) << other.out;
  EXPECT_NE(other.out.find("nothing to resume: training run " + newest +
                           " of this network "
                           "stopped unfinished but had other settings (differs in: "
                           "training.epochs;"),
            std::string::npos)
      << other.out;
  // A `sculpt train` killed while its experiment is not running: its run stays "running", and
  // only the process it recorded tells that it is gone (here: a start time no process has).
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_processes WHERE run_id = " + newest),
            "1");
  {
    sqlite::Database file(db.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec("UPDATE training_runs SET status = 'running' WHERE id = " + newest);
    file.Exec("UPDATE training_processes SET start = 'no-boot:0' WHERE run_id = " + newest);
  }
  const Result killed_train = Sculpt("report " + db.string() + " --text");
  EXPECT_NE(killed_train.out.find("(run " + newest + "): 1 epoch, gone"), std::string::npos)
      << killed_train.out;
  {
    sqlite::Database file(db.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec("UPDATE training_runs SET status = 'interrupted' WHERE id = " + newest);
  }
  // Retraining the run's winner with the stored settings (threads included) gives the run's
  // network again.
  const std::string winner = QueryValue(db, "SELECT candidate_id FROM training_runs WHERE kind = "
                                            "'retrain' AND experiment_id = 1 ORDER BY id LIMIT 1");
  const Result again_train = Sculpt("train " + db.string() + " --candidate " + winner + " --quiet");
  ASSERT_EQ(again_train.status, 0) << again_train.out;
  EXPECT_EQ(QueryValue(db, "SELECT count(DISTINCT json_extract(result, '$.test_accuracy')) || ' ' "
                           "|| count(*) FROM training_runs WHERE kind = 'retrain' AND "
                           "candidate_id = " + winner),
            "1 2");
  // The newest training's weights gone: the export says which earlier one still has them.
  const std::string newest_run = QueryValue(db,
                                            "SELECT max(id) FROM training_runs WHERE kind = "
                                            "'retrain' AND candidate_id = " +
                                                winner);
  const std::string older_run = QueryValue(db,
                                           "SELECT min(id) FROM training_runs WHERE kind = "
                                           "'retrain' AND candidate_id = " +
                                               winner);
  fs::remove_all(fs::path(db.string() + ".models") / ("run-" + newest_run));
  const Result gone = Sculpt("export " + db.string() + " --candidate " + winner + " --out " +
                             (dir_ / "gone-weights").string());
  ASSERT_EQ(gone.status, 0) << gone.out;
  EXPECT_NE(gone.out.find("`--run " + older_run + "` exports an earlier training of it"),
            std::string::npos)
      << gone.out;
  // An export that cannot write its files (a file-size limit stands in for a full disk; the
  // ignored SIGXFSZ makes writes fail instead of killing) fails cleanly and leaves the folder's
  // earlier export as it was: no ONNX file beside the other export's document. 33 KiB: the
  // database's shared-memory index (32 KiB) fits, the network's files do not.
  const fs::path folder = dir_ / "gone-weights";
  const std::string document_before = testing::ReadText(folder / "architecture.json");
  const Result full = testing::RunCommand(
      "bash -c \"trap '' XFSZ; ulimit -f 33; exec " + std::string(SCULPT_BINARY) + " export " +
      db.string() + " --run " + older_run + " --format onnx --out " + folder.string() + "\"");
  EXPECT_EQ(full.status, 1) << full.out;
  EXPECT_NE(full.out.find("File too large"), std::string::npos) << full.out;
  EXPECT_EQ(testing::ReadText(folder / "architecture.json"), document_before);
  EXPECT_FALSE(fs::exists(folder / "model.onnx"));
  EXPECT_FALSE(fs::exists(folder / ".sculpt-export.partial"));

  EXPECT_EQ(Sculpt("train " + db.string() + " --candidate 99999").status, 2);
  EXPECT_EQ(Sculpt("train " + db.string()).status, 2);

  // A stored space that cannot be built now (here: a table file written by a Sculpt that kept
  // the file's name, since removed) is named, not a crash.
  const fs::path edited = dir_ / "unbuildable.sqlite";
  fs::copy_file(db, edited, fs::copy_options::overwrite_existing);
  {
    sqlite::Database file(edited.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec("UPDATE experiments SET config = json_set(config, '$.space.latency_table', '" +
              (dir_ / "no-such-table.json").string() + "')");
  }
  const Result unbuildable = Sculpt("train " + edited.string() + " --candidate " + winner);
  EXPECT_EQ(unbuildable.status, 1) << unbuildable.out;
  EXPECT_NE(unbuildable.out.find("the space stored with the experiment cannot be built: "
                                 "space.latency_table: cannot read latency table"),
            std::string::npos)
      << unbuildable.out;

  // Choices the user can correct are usage errors: the weights of an interrupted training, and
  // --candidate naming a candidate the search never evaluated (here one marked infeasible, as a
  // broken constraint leaves it; `sculpt export --candidate` refuses it too).
  const Result unfinished = Sculpt("export " + db.string() + " --run " + newest + " --out " +
                                   (dir_ / "unfinished-export").string());
  EXPECT_EQ(unfinished.status, 2) << unfinished.out;
  EXPECT_NE(unfinished.out.find("is interrupted: only a finished training's weights"),
            std::string::npos)
      << unfinished.out;
  const fs::path marked = dir_ / "marked.sqlite";
  fs::copy_file(db, marked, fs::copy_options::overwrite_existing);
  {
    sqlite::Database file(marked.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec(
        "UPDATE evaluations SET status = 'infeasible', error = 'violates params <= 10' "
        "WHERE id = " +
        id);
    file.Exec("DELETE FROM training_epochs WHERE run_id = " + newest);
  }
  const std::string marked_arch =
      QueryValue(marked, "SELECT arch FROM candidates WHERE id = " + id);
  const Result infeasible = Sculpt("train " + marked.string() + " --candidate " + id);
  EXPECT_EQ(infeasible.status, 2) << infeasible.out;
  EXPECT_NE(infeasible.out.find("candidate " + id +
                                " is infeasible (violates params <= 10): --candidate trains "
                                "successfully evaluated candidates; to train its network anyway: "
                                "sculpt train " +
                                marked.string() + " --experiment 1 --arch '" + marked_arch + "'"),
            std::string::npos)
      << infeasible.out;
  // A stored config that is not JSON any more (a database edited by hand) is named as such.
  const fs::path broken = dir_ / "broken.sqlite";
  fs::copy_file(db, broken, fs::copy_options::overwrite_existing);
  {
    sqlite::Database file(broken.string(), sqlite::Database::Mode::kReadWrite);
    file.Exec("UPDATE experiments SET config = '{broken'");
  }
  for (const std::string& command :
       {"train " + broken.string() + " --candidate " + winner,
        "export " + broken.string() + " --best --out " + (dir_ / "broken-export").string()}) {
    const Result refused = Sculpt(command);
    EXPECT_EQ(refused.status, 1) << command << "\n" << refused.out;
    EXPECT_NE(refused.out.find("'s stored config is not valid JSON: the database was edited or "
                               "damaged"),
              std::string::npos)
        << command << "\n"
        << refused.out;
  }
  // A training without a finished epoch has no curve, and says why.
  const Result no_epochs = Sculpt("query " + marked.string() + " --curves " + newest);
  EXPECT_EQ(no_epochs.status, 0) << no_epochs.out;
  EXPECT_NE(no_epochs.out.find("training run " + newest +
                               " (retrain, interrupted) has no finished epoch\n"),
            std::string::npos)
      << no_epochs.out;
}

TEST_F(SupernetCliTest, SkeletonThatDoesNotFitTheDataIsAConfigError) {
  nlohmann::json config = Config("mismatch");
  config["space"]["input_size"] = 28;
  config["space"]["input_channels"] = 3;
  const Result run = Sculpt("run " + WriteConfig("mismatch.json", config).string());
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_NE(run.out.find("evaluator.dataset"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\"input_channels\": 1, \"input_size\": 8"), std::string::npos)
      << run.out;
  EXPECT_FALSE(fs::exists(dir_ / "runs/mismatch.sqlite"));
}

// What the data or the file system decide is still read with the config: a run must not train a
// supernet, search and retrain before it fails on them.
TEST_F(SupernetCliTest, StepsBeyondTheDataAndAnExportPathThatIsAFileAreConfigErrors) {
  nlohmann::json config = Config("late");
  config["evaluator"]["training"]["steps_per_epoch"] = 100000;
  config["final"]["steps_per_epoch"] = 100000;
  config["final"]["export"] = WriteConfig("a-file.json", config).string();
  const Result run = Sculpt("run " + WriteConfig("late.json", config).string());
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_NE(run.out.find("evaluator.training.steps_per_epoch: expected at most the "),
            std::string::npos)
      << run.out;
  EXPECT_NE(
      run.out.find("final.export: " + (dir_ / "a-file.json").string() + " is a file, not a folder"),
      std::string::npos)
      << run.out;
  config["evaluator"]["training"].erase("steps_per_epoch");
  config["final"].erase("export");
  const Result again = Sculpt("run " + WriteConfig("late.json", config).string());
  EXPECT_EQ(again.status, 2) << again.out;
  EXPECT_NE(again.out.find("final.steps_per_epoch: expected at most the "), std::string::npos)
      << again.out;
  config["final"].erase("steps_per_epoch");
  config["final"]["export"] = "";
  const Result empty = Sculpt("run " + WriteConfig("late.json", config).string());
  EXPECT_EQ(empty.status, 2) << empty.out;
  EXPECT_NE(empty.out.find("final.export: must not be empty"), std::string::npos) << empty.out;
  EXPECT_FALSE(fs::exists(dir_ / "runs/late.sqlite"));
}

TEST_F(SupernetCliTest, FewShotSupernetRunsTheWholeLoopAndBadSplitsExitWith2) {
  nlohmann::json config = Config("few-shot");
  config["evaluator"]["kind"] = "few_shot";
  config["evaluator"]["few_shot"] = {{"split", "edge3"}, {"epochs", 1}};
  config.erase("final");
  const Result run = Sculpt("run " + WriteConfig("few_shot.json", config).string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("sub-supernet 5/5 (edge3=avg_pool_3x3) epoch 1/1"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("few-shot supernet: 5 sub-supernets split on edge3"), std::string::npos)
      << run.out;
  const fs::path db = dir_ / "runs/few-shot.sqlite";
  // The one-shot supernet and five sub-supernets, each a training run naming its value.
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE kind = 'supernet' AND "
                           "status = 'finished'"),
            "6");
  // They trained side by side on the 2 workers, so their runs' ids come in no fixed order.
  EXPECT_NE(run.out.find("5 sub-supernets (edge3), 2 side by side"), std::string::npos) << run.out;
  EXPECT_EQ(QueryValue(db, "SELECT group_concat(value, ' ') FROM (SELECT json_extract(config, "
                           "'$.few_shot.value') AS value FROM training_runs WHERE "
                           "json_extract(config, '$.few_shot') IS NOT NULL ORDER BY "
                           "json_extract(config, '$.few_shot.sub_supernet'))"),
            "none skip_connect nor_conv_1x1 nor_conv_3x3 avg_pool_3x3");
  // Each on one worker's share of the cores; the one-shot supernet before them on all of them.
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs r, experiments e WHERE "
                           "json_extract(r.config, '$.few_shot') IS NOT NULL AND "
                           "json_extract(r.config, '$.threads') = "
                           "json_extract(e.config, '$.threads_per_worker')"),
            "5");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM evaluations WHERE status = 'ok'"), "6");

  config["evaluator"]["few_shot"]["split"] = "edge7";
  const Result bad = Sculpt("run " + WriteConfig("few_shot_bad.json", config).string());
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_NE(bad.out.find("evaluator.few_shot.split"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("has no decision 'edge7'"), std::string::npos) << bad.out;
  // A few_shot block under another kind is named once; beside a misspelt kind (read as the
  // default) it is not named at all: one error each, no follow-on.
  for (const auto& [kind, expected] : std::vector<std::pair<std::string, std::string>>{
           {"one_shot", "evaluator.few_shot: is read only with \"kind\": \"few_shot\""},
           {"fewshot", "evaluator.kind: expected one of"}}) {
    config["evaluator"]["kind"] = kind;
    const Result wrong = Sculpt("run " + WriteConfig("few_shot_bad.json", config).string());
    EXPECT_EQ(wrong.status, 2) << wrong.out;
    EXPECT_NE(wrong.out.find("1 error in the config:\n  " + expected), std::string::npos)
        << wrong.out;
  }
}

// The same pipeline on the transformer space: nothing in it names a space.
TEST_F(SupernetCliTest, TransformerRunsTheWholeLoopAndItsLatencyTableConstrainsASearch) {
  nlohmann::json config = Config("vit");
  config["space"] = {{"type", "transformer"}, {"input_channels", 1}, {"input_size", 8},
                     {"classes", 4}, {"patch_size", 4}, {"layers", 2},
                     {"embed_dims", {8, 16}}, {"heads", {0, 1, 2}}, {"head_dim", 4},
                     {"ffn_dims", {0, 8, 16}}};
  config["evaluator"]["training"] = {{"epochs", 2}, {"batch_size", 32}, {"optimizer", "adamw"},
                                     {"learning_rate", 0.003}, {"sampling", "sandwich"},
                                     {"sandwich_random", 1}};
  config["constraints"] = {{{"metric", "params"}, {"max", 3000}}};
  config["final"] = {{"epochs", 2}, {"batch_size", 32}, {"optimizer", "adamw"},
                     {"learning_rate", 0.003}};
  const fs::path path = WriteConfig("vit.json", config);
  const Result run = Sculpt("run " + path.string() + " --quiet");
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("Final: candidate #"), std::string::npos) << run.out;
  const fs::path db = dir_ / "runs/vit.sqlite";
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM candidates WHERE status = 'ok' AND "
                           "repeat_of_step IS NULL"),
            "6");
  EXPECT_EQ(QueryValue(db, "SELECT max(json_extract(metrics, '$.params')) <= 3000 FROM "
                           "candidates WHERE status = 'ok'"),
            "1");
  EXPECT_EQ(QueryValue(db, "SELECT json_extract(config, '$.training.sampling') FROM "
                           "training_runs WHERE kind = 'supernet'"),
            "sandwich");
  const nlohmann::json document =
      nlohmann::json::parse(std::ifstream(dir_ / "runs/vit-best/architecture.json"));
  EXPECT_EQ(document["family"], "transformer");
  EXPECT_EQ(document["skeleton"]["embed_dims"], (nlohmann::json{8, 16}));
  EXPECT_TRUE(fs::exists(dir_ / "runs/vit-best/model.pt"));

  // `sculpt train` and `sculpt export` work on its candidates too.
  const std::string id = QueryValue(db, "SELECT id FROM candidates WHERE status = 'ok' ORDER BY "
                                        "step LIMIT 1");
  const Result train = Sculpt("train " + db.string() + " --candidate " + id +
                              " --epochs 1 --quiet --out " + (dir_ / "vit-trained").string());
  ASSERT_EQ(train.status, 0) << train.out;
  const Result exported = Sculpt("export " + db.string() + " --candidate " + id + " --out " +
                                 (dir_ / "vit-exported").string());
  ASSERT_EQ(exported.status, 0) << exported.out;
  EXPECT_TRUE(fs::exists(dir_ / "vit-exported" / kModelFile)) << exported.out;
  // Transformers export to ONNX too: the final block writes model.onnx, and so does
  // `--format onnx`; OpenCV runs it as LibTorch runs model.pt.
  EXPECT_TRUE(fs::exists(dir_ / "runs/vit-best" / kOnnxModelFile));
  const fs::path vit_onnx = dir_ / "vit-onnx";
  const Result vit_onnx_export = Sculpt("export " + db.string() + " --candidate " + id +
                                        " --format onnx --out " + vit_onnx.string());
  ASSERT_EQ(vit_onnx_export.status, 0) << vit_onnx_export.out;
  ExpectOnnxComputesModelPt(vit_onnx, 8);

  // A hand-picked architecture (a baseline) trains with the experiment's settings, is recorded
  // without a candidate, and exports with its weights.
  const fs::path baseline = dir_ / "vit-baseline";
  const Result picked = Sculpt("train " + db.string() + " --arch \"d16|h2:f16|h2:f16\" -e vit "
                               "--epochs 1 --quiet --out " + baseline.string());
  ASSERT_EQ(picked.status, 0) << picked.out;
  EXPECT_NE(picked.out.find("The hand-picked architecture trained for 1 epoch in"),
            std::string::npos)
      << picked.out;
  EXPECT_EQ(QueryValue(db, "SELECT json_extract(config, '$.arch') FROM training_runs WHERE "
                           "candidate_id IS NULL AND kind = 'retrain' AND status = 'finished'"),
            "d16|h2:f16|h2:f16");
  const nlohmann::json picked_document =
      nlohmann::json::parse(std::ifstream(baseline / "architecture.json"));
  EXPECT_TRUE(picked_document["candidate"].is_null());
  EXPECT_EQ(picked_document["arch"], "d16|h2:f16|h2:f16");
  EXPECT_TRUE(picked_document["metrics"].contains("test_accuracy"));
  EXPECT_TRUE(fs::exists(baseline / kModelFile));
  // Another seed of the same training: recorded with it, and other weights.
  const fs::path reseeded = dir_ / "vit-baseline-seed5";
  const Result seed5 = Sculpt("train " + db.string() + " --arch \"d16|h2:f16|h2:f16\" -e vit "
                              "--epochs 1 --seed 5 --quiet --out " + reseeded.string());
  ASSERT_EQ(seed5.status, 0) << seed5.out;
  EXPECT_EQ(QueryValue(db, "SELECT json_extract(config, '$.training.seed') FROM training_runs "
                           "WHERE candidate_id IS NULL AND kind = 'retrain' ORDER BY id DESC "
                           "LIMIT 1"),
            "5");
  auto bytes = [](const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  EXPECT_NE(bytes(baseline / kModelFile), bytes(reseeded / kModelFile));
  EXPECT_EQ(Sculpt("train " + db.string() + " --arch \"d16|h2:f16|h2:f16\" -e vit --seed -1")
                .status,
            2);
  // Not a member of the space, both or neither of --candidate and --arch: usage errors.
  EXPECT_EQ(Sculpt("train " + db.string() + " --arch \"d32|h2:f16\"").status, 2);
  EXPECT_EQ(Sculpt("train " + db.string() + " --arch \"d16|h2:f16\" --candidate " + id).status,
            2);
  EXPECT_EQ(Sculpt("train " + db.string() + " --candidate " + id + " -e vit").status, 2);
  EXPECT_EQ(Sculpt("train " + db.string() + " --arch \"d16|h2:f16\" -e nope").status, 2);
  // A database path with nothing there is a typo: exit 2, and no file is made of it.
  const fs::path no_db = dir_ / "runs/missing.sqlite";
  EXPECT_EQ(Sculpt("train " + no_db.string() + " --arch \"d16|h2:f16\"").status, 2);
  EXPECT_EQ(Sculpt("export " + no_db.string() + " --best --out " + (dir_ / "nowhere").string())
                .status,
            2);
  EXPECT_FALSE(fs::exists(no_db));
  EXPECT_FALSE(fs::exists(dir_ / "nowhere"));

  // That trained network pruned: masks of its heads and FFN halves scored with its weights on
  // the validation split of its own training, astar within a drop budget.
  const nlohmann::json prune = {
      {"name", "vit-prune"},
      {"space", {{"type", "prune"}, {"model", "vit-baseline"}, {"neuron_groups", 2}}},
      {"evaluator", {{"type", "prune"}, {"eval_batch_size", 32}}},
      {"objectives", {{{"metric", "accuracy"}, {"goal", "maximize"}}}},
      {"strategy", {{"type", "astar"}, {"max_drop", 0.05}}},
      {"budget", {{"evaluations", 12}}},
      {"storage", "runs/vit-prune.sqlite"}};
  const Result pruning = Sculpt("run " + WriteConfig("vit-prune.json", prune).string() + " --quiet");
  ASSERT_EQ(pruning.status, 0) << pruning.out;
  // A misspelt space key is one error: the fisher strategy does not add that the evaluator the
  // space error kept from being built has no gradients.
  nlohmann::json misspelt = prune;
  misspelt["space"].erase("neuron_groups");
  misspelt["space"]["nueron_groups"] = 2;
  misspelt["strategy"] = {{"type", "fisher"}, {"budget", 0.6}};
  const Result one = Sculpt("run " + WriteConfig("vit-prune-bad.json", misspelt).string());
  EXPECT_EQ(one.status, 2) << one.out;
  EXPECT_NE(one.out.find("1 error in the config:\n  space.nueron_groups: unknown key; did you "
                         "mean 'neuron_groups'?"),
            std::string::npos)
      << one.out;
  // The prune space has no networks of its own to time: `sculpt latency` says where its table
  // comes from.
  const Result timed = Sculpt("latency " + (dir_ / "vit-prune.json").string());
  EXPECT_EQ(timed.status, 2) << timed.out;
  EXPECT_NE(timed.out.find("the prune space has no networks of its own to time"), std::string::npos)
      << timed.out;
  // The run ends with astar's answer, or says it has none (not the unpruned best candidate).
  EXPECT_TRUE(pruning.out.find("Answer of astar") != std::string::npos ||
              pruning.out.find("No answer: astar") != std::string::npos)
      << pruning.out;
  const fs::path prune_db = dir_ / "runs/vit-prune.sqlite";
  // The experiments list shows the answer beside the best (the unpruned model).
  const nlohmann::json listing =
      nlohmann::json::parse(Sculpt("query " + prune_db.string() + " --format json").out);
  if (pruning.out.find("Answer of astar") != std::string::npos) {
    EXPECT_EQ(listing[0]["answer"].get<std::string>().rfind('#', 0), 0U) << listing;
  } else {
    EXPECT_TRUE(listing[0]["answer"].is_null()) << listing;
  }
  // So does the report: the unpruned model is never its chosen result without a word.
  const Result pruning_report = Sculpt("report " + prune_db.string() + " --text");
  EXPECT_NE(pruning_report.out.find(pruning.out.find("Answer of astar") != std::string::npos
                                        ? "the answer of astar"
                                        : "not an answer: astar stopped without reaching its goal"),
            std::string::npos)
      << pruning_report.out;
  // The first state of astar is the trained model itself: its score is the training's own
  // validation accuracy (the same split, the same weights).
  EXPECT_EQ(QueryValue(prune_db, "SELECT arch FROM candidates WHERE step = 0"), "11/11|11/11");
  const double full = std::stod(QueryValue(
      prune_db, "SELECT json_extract(metrics, '$.accuracy') FROM candidates WHERE step = 0"));
  EXPECT_NEAR(full, picked_document["retrain"]["metrics"]["valid_accuracy"].get<double>(),
              1.0 / 64 + 1e-9);
  EXPECT_EQ(QueryValue(prune_db, "SELECT count(*) > 1 FROM candidates WHERE status = 'ok' AND "
                                 "json_extract(metrics, '$.heads') < 4"),
            "1");
  // The guarantee: every state astar accepted (expanded, or answered) was measured within
  // max_drop; the start and at least one reduction were expanded.
  EXPECT_EQ(QueryValue(prune_db, "SELECT count(DISTINCT parent_step) >= 2 FROM candidates WHERE "
                                 "origin = 'astar-reduction'"),
            "1");
  EXPECT_EQ(QueryValue(prune_db, "SELECT count(*) FROM candidates p WHERE p.step IN (SELECT "
                                 "parent_step FROM candidates WHERE origin = 'astar-reduction') "
                                 "AND p.objective < " + std::to_string(full) + " - 0.05 - 1e-9"),
            "0");
  EXPECT_EQ(QueryValue(prune_db, "SELECT count(*) FROM candidates c WHERE origin = 'astar-goal' "
                                 "AND (SELECT objective FROM candidates WHERE step = c.parent_step) "
                                 "< " + std::to_string(full) + " - 0.05 - 1e-9"),
            "0");
  // The prune evaluator on another space is a config error.
  nlohmann::json wrong = prune;
  wrong["space"] = config["space"];
  EXPECT_EQ(Sculpt("run " + WriteConfig("vit-prune-wrong.json", wrong).string()).status, 2);

  // Confirmed: the validation split's last 32 of 64 images held out of accuracy, and astar takes
  // only an answer whose drop on them is within max_drop too.
  nlohmann::json confirmed = prune;
  confirmed["name"] = "vit-prune-confirmed";
  confirmed["storage"] = "runs/vit-prune-confirmed.sqlite";
  confirmed["evaluator"]["confirm_images"] = 32;
  confirmed["objectives"].push_back({{"metric", "confirm_accuracy"}, {"goal", "maximize"}});
  confirmed["strategy"]["confirm"] = "confirm_accuracy";
  confirmed["budget"]["evaluations"] = 40;
  const Result confirming =
      Sculpt("run " + WriteConfig("vit-prune-confirmed.json", confirmed).string() + " --quiet");
  ASSERT_EQ(confirming.status, 0) << confirming.out;
  const fs::path confirmed_db = dir_ / "runs/vit-prune-confirmed.sqlite";
  // confirm_accuracy is a check, not a trade-off: the run ends as unconfirmed runs do (the best
  // candidate, then the answer or why there is none), not with a front of two accuracies, and
  // the report weighs accuracy against params.
  EXPECT_EQ(confirming.out.find("Pareto front"), std::string::npos) << confirming.out;
  EXPECT_NE(confirming.out.find("Best candidate #"), std::string::npos) << confirming.out;
  const Result confirmed_report = Sculpt("report " + confirmed_db.string() + " --text");
  ASSERT_EQ(confirmed_report.status, 0) << confirmed_report.out;
  EXPECT_NE(confirmed_report.out.find("Trade-off, params not an objective (accuracy against "
                                      "params)"),
            std::string::npos)
      << confirmed_report.out;
  EXPECT_EQ(confirmed_report.out.find("Pareto front"), std::string::npos) << confirmed_report.out;
  const Result confirmed_html =
      Sculpt("report " + confirmed_db.string() + " --out " + (dir_ / "confirmed.html").string());
  ASSERT_EQ(confirmed_html.status, 0) << confirmed_html.out;
  const std::string page = testing::ReadText(dir_ / "confirmed.html");
  EXPECT_NE(page.find("Trade-off (params is not an objective of this run)"), std::string::npos);
  // A mask is no network of its own to train: asking `sculpt train` for one is bad input.
  const Result mask = Sculpt("train " + confirmed_db.string() + " --candidate " +
                             QueryValue(confirmed_db, "SELECT min(id) FROM candidates"));
  EXPECT_EQ(mask.status, 2) << mask.out;
  EXPECT_NE(mask.out.find("has no networks to train"), std::string::npos) << mask.out;
  // The two parts are the whole split: 32 images each, their correct answers adding up.
  EXPECT_EQ(QueryValue(confirmed_db, "SELECT abs(32 * json_extract(metrics, '$.accuracy') + 32 * "
                                     "json_extract(metrics, '$.confirm_accuracy') - 64 * " +
                                         std::to_string(full) + ") < 1e-6 FROM candidates "
                                         "WHERE step = 0"),
            "1");
  const std::string full_confirm = QueryValue(
      confirmed_db,
      "SELECT json_extract(metrics, '$.confirm_accuracy') FROM candidates WHERE step = 0");
  // The answer is within the drop on both parts; every answer turned down was not, on the
  // held-out one.
  EXPECT_EQ(QueryValue(confirmed_db, "SELECT count(*) FROM candidates c JOIN candidates e ON "
                                     "e.step = c.parent_step WHERE c.origin = 'astar-goal' AND "
                                     "json_extract(e.metrics, '$.confirm_accuracy') < " +
                                         full_confirm + " - 0.05 - 1e-9"),
            "0");
  EXPECT_EQ(QueryValue(confirmed_db, "SELECT count(*) FROM candidates c JOIN candidates e ON "
                                     "e.step = c.parent_step WHERE c.origin = "
                                     "'astar-unconfirmed' AND json_extract(e.metrics, "
                                     "'$.confirm_accuracy') >= " + full_confirm + " - 0.05"),
            "0");
  // The run says how many answers it turned down, where there were any.
  const std::string refused = QueryValue(
      confirmed_db, "SELECT count(*) FROM candidates WHERE origin = 'astar-unconfirmed'");
  if (refused != "0") {
    EXPECT_NE(confirming.out.find(refused + " earlier answer"), std::string::npos)
        << confirming.out;
  }
  // Holding out the whole split, or confirming on what is not an objective: config errors.
  nlohmann::json all_held_out = confirmed;
  all_held_out["evaluator"]["confirm_images"] = 64;
  const Result held_out =
      Sculpt("run " + WriteConfig("vit-prune-held-out.json", all_held_out).string());
  EXPECT_EQ(held_out.status, 2) << held_out.out;
  EXPECT_NE(held_out.out.find("evaluator.confirm_images"), std::string::npos) << held_out.out;
  nlohmann::json not_an_objective = confirmed;
  not_an_objective["objectives"] = prune["objectives"];
  const Result unknown =
      Sculpt("run " + WriteConfig("vit-prune-unconfirmed.json", not_an_objective).string());
  EXPECT_EQ(unknown.status, 2) << unknown.out;
  EXPECT_NE(unknown.out.find("strategy.confirm"), std::string::npos) << unknown.out;

  // Gradient-based pruning: Michel's importance order, and Kwon's Fisher search with mask
  // tuning; each answer exports as the pruned network itself, which scores what was measured:
  // pruned again, its unpruned self (step 0) has the answer's accuracy.
  auto prune_and_export = [&](const std::string& name, const nlohmann::json& strategy,
                              const nlohmann::json& evaluator) {
    nlohmann::json pruning_config = prune;
    pruning_config["name"] = name;
    pruning_config["strategy"] = strategy;
    pruning_config["evaluator"] = evaluator;
    pruning_config["storage"] = "runs/" + name + ".sqlite";
    const Result run = Sculpt("run " + WriteConfig(name + ".json", pruning_config).string() + " --quiet");
    EXPECT_EQ(run.status, 0) << run.out;
    const fs::path pruning_db = dir_ / ("runs/" + name + ".sqlite");
    const fs::path out = dir_ / (name + "-pruned");
    const Result exported = Sculpt("export " + pruning_db.string() + " --answer --out " + out.string());
    EXPECT_EQ(exported.status, 0) << exported.out;
    const nlohmann::json pruned = nlohmann::json::parse(std::ifstream(out / "architecture.json"));
    EXPECT_EQ(pruned["family"], "transformer");
    const std::string answer_step =
        QueryValue(pruning_db, "SELECT parent_step FROM candidates WHERE origin LIKE '%-goal'");
    const double answer_accuracy = std::stod(QueryValue(
        pruning_db, "SELECT json_extract(metrics, '$.accuracy') FROM candidates WHERE step = " +
                        answer_step));
    EXPECT_EQ(pruned["pruned"]["mask"],
              QueryValue(pruning_db, "SELECT arch FROM candidates WHERE step = " + answer_step));
    EXPECT_LE(pruned["pruned"]["params"]["pruned"].get<double>(),
              pruned["pruned"]["params"]["trained"].get<double>());
    nlohmann::json again = prune;
    again["name"] = name + "-again";
    again["space"]["model"] = out.string();
    again["space"]["neuron_groups"] = 0;
    again["strategy"] = {{"type", "importance"}, {"scores", "random"}};
    again["budget"] = {{"evaluations", 1}};
    again["storage"] = "runs/" + name + "-again.sqlite";
    const Result rerun = Sculpt("run " + WriteConfig(name + "-again.json", again).string() + " --quiet");
    EXPECT_EQ(rerun.status, 0) << rerun.out;
    EXPECT_NEAR(std::stod(QueryValue(dir_ / ("runs/" + name + "-again.sqlite"),
                                     "SELECT json_extract(metrics, '$.accuracy') FROM "
                                     "candidates WHERE step = 0")),
                answer_accuracy, 1e-9);
    return pruned;
  };
  const nlohmann::json by_importance = prune_and_export(
      "vit-importance", {{"type", "importance"}, {"max_drop", 0.05}},
      {{"type", "prune"}, {"eval_batch_size", 32}, {"gradient_images", 64}});
  const nlohmann::json by_fisher = prune_and_export(
      "vit-fisher", {{"type", "fisher"}, {"budget", {0.8, 0.6}}},
      {{"type", "prune"}, {"eval_batch_size", 32}, {"gradient_images", 64}, {"tune", true},
       {"tune_images", 64}});
  EXPECT_LE(by_fisher["pruned"]["flops"]["pruned"].get<double>(),
            0.6 * by_fisher["pruned"]["flops"]["trained"].get<double>());
  // The pruned network exports to ONNX as well, smaller for real there too.
  const fs::path pruned_onnx = dir_ / "vit-fisher-onnx";
  const Result onnx_export = Sculpt("export " + (dir_ / "runs/vit-fisher.sqlite").string() +
                                    " --answer --format onnx --out " + pruned_onnx.string());
  ASSERT_EQ(onnx_export.status, 0) << onnx_export.out;
  EXPECT_NE(onnx_export.out.find("as an ONNX model"), std::string::npos) << onnx_export.out;
  ExpectOnnxComputesModelPt(pruned_onnx, 8);
  // The masks are of the model the experiment pruned: into that model's own folder, or from a
  // folder that holds another training since, the export is refused and writes nothing.
  const fs::path fisher_db = dir_ / "runs/vit-fisher.sqlite";
  const Result into_model =
      Sculpt("export " + fisher_db.string() + " --answer --out " + baseline.string());
  EXPECT_EQ(into_model.status, 2) << into_model.out;
  EXPECT_NE(into_model.out.find("is the folder of the trained model"), std::string::npos)
      << into_model.out;
  const fs::path kept_baseline = dir_ / "vit-baseline-kept";
  fs::copy(baseline, kept_baseline);
  auto put_model = [&](const fs::path& from) {
    for (const char* name : {"architecture.json", kModelFile}) {
      fs::copy_file(from / name, baseline / name, fs::copy_options::overwrite_existing);
    }
  };
  // Another training of the same architecture, then another architecture (importance's pruned
  // network, whose space the stored masks are not even members of): the same refusal each time.
  for (const fs::path& other : {reseeded, dir_ / "vit-importance-pruned"}) {
    put_model(other);
    const Result other_model =
        Sculpt("export " + fisher_db.string() + " --answer --out " + (dir_ / "stale").string());
    EXPECT_EQ(other_model.status, 1) << other_model.out;
    EXPECT_NE(other_model.out.find("holds another trained model"), std::string::npos)
        << other_model.out;
    EXPECT_FALSE(fs::exists(dir_ / "stale"));
  }
  put_model(kept_baseline);
  EXPECT_EQ(Sculpt("export " + fisher_db.string() + " --answer --out " + (dir_ / "fresh").string())
                .status,
            0);
  // A budget outside (0, 1] and a model folder that does not exist are config errors.
  nlohmann::json bad_budget = prune;
  bad_budget["strategy"] = {{"type", "fisher"}, {"budget", 1.5}};
  EXPECT_EQ(Sculpt("run " + WriteConfig("vit-bad-budget.json", bad_budget).string()).status, 2);
  bad_budget["strategy"]["budget"] = 0;
  EXPECT_EQ(Sculpt("run " + WriteConfig("vit-bad-budget.json", bad_budget).string()).status, 2);
  nlohmann::json no_model = prune;
  no_model["space"]["model"] = "no-such-folder";
  const Result missing = Sculpt("run " + WriteConfig("vit-no-model.json", no_model).string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("no-such-folder"), std::string::npos) << missing.out;
  // A folder whose architecture.json is not a trained transformer's.
  fs::create_directories(dir_ / "not-a-transformer");
  std::ofstream(dir_ / "not-a-transformer/architecture.json") << R"({"family": "nb201", "arch": "x"})";
  no_model["space"]["model"] = "not-a-transformer";
  const Result mismatch = Sculpt("run " + WriteConfig("vit-nb201-model.json", no_model).string());
  EXPECT_EQ(mismatch.status, 2);
  EXPECT_NE(mismatch.out.find("is not a trained transformer"), std::string::npos) << mismatch.out;
  // A strategy that gives no answer: --answer is bad input.
  const Result no_answer =
      Sculpt("export " + db.string() + " --answer --out " + (dir_ / "none").string());
  EXPECT_EQ(no_answer.status, 2) << no_answer.out;
  EXPECT_NE(no_answer.out.find("gives no answer (only astar, importance and fisher do)"),
            std::string::npos)
      << no_answer.out;

  // Its latency table: built by the family, read by the space, checked before evaluation.
  const Result latency = Sculpt("latency " + path.string() + " --samples 3 --runs 2 --out " +
                                (dir_ / "vit-latency.json").string());
  ASSERT_EQ(latency.status, 0) << latency.out;
  EXPECT_NE(latency.out.find("attn/d16/h2"), std::string::npos) << latency.out;
  EXPECT_NE(latency.out.find("Summary over 3 networks"), std::string::npos) << latency.out;
  nlohmann::json constrained = config;
  constrained["name"] = "vit-latency";
  constrained["storage"] = "runs/vit-latency.sqlite";
  constrained["space"]["latency_table"] = "vit-latency.json";
  constrained["constraints"] = {{{"metric", "latency_lut_ms"}, {"max", 1e9}}};
  constrained.erase("final");
  const Result search = Sculpt("run " + WriteConfig("vit-latency.json.config", constrained).string() +
                               " --quiet");
  ASSERT_EQ(search.status, 0) << search.out;
  EXPECT_EQ(QueryValue(dir_ / "runs/vit-latency.sqlite",
                       "SELECT count(*) FROM candidates WHERE status = 'ok' AND "
                       "json_extract(metrics, '$.latency_lut_ms') > 0"),
            "6");
}

TEST_F(SupernetCliTest, TransformerSkeletonErrorsAreConfigErrors) {
  nlohmann::json config = Config("vit-bad");
  config["space"] = {{"type", "transformer"}, {"input_channels", 1}, {"input_size", 8},
                     {"classes", 4}, {"patch_size", 3}, {"layers", 2}};
  Result run = Sculpt("run " + WriteConfig("vit-bad.json", config).string());
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_NE(run.out.find("patch_size"), std::string::npos) << run.out;
  config["space"]["patch_size"] = 4;
  config["space"]["input_size"] = 16;  // the data has 8x8 images
  run = Sculpt("run " + WriteConfig("vit-bad.json", config).string());
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_NE(run.out.find("\"input_size\": 8"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(dir_ / "runs/vit-bad.sqlite"));
}

}  // namespace
}  // namespace sculpt
