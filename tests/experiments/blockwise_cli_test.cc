// The blockwise supernet kind end to end through the real `sculpt` binary, on the tiny IDX
// data set: a teacher exported by the tiny main job on a transformer space, the blocks distilled side by side, the
// candidates scored by block look-ups, the blocks and the table reused by a second run, and
// teachers that cannot be read or do not fit refused as config errors (exit 2), a teacher
// the run trains first, and the final block's trainings distilled from a teacher's logits.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "spaces/nb201.h"
#include "tests/experiments/run_sculpt.h"
#include "tests/experiments/tiny_main_job.h"
#include "tests/supernet/test_data.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;

using Result = testing::SculptResult;
using testing::Sculpt;

// The rows of a CSV query answer, header dropped.
std::vector<std::string> QueryRows(const fs::path& db, const std::string& sql) {
  const Result result = Sculpt("query " + db.string() + " --format csv --sql \"" + sql + "\"");
  EXPECT_EQ(result.status, 0) << result.out;
  std::vector<std::string> rows;
  std::istringstream lines(result.out);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    while (!line.empty() && (line.back() == '\r')) line.pop_back();
    if (!line.empty()) rows.push_back(line);
  }
  return rows;
}

std::string QueryValue(const fs::path& db, const std::string& sql) {
  const std::vector<std::string> rows = QueryRows(db, sql);
  return rows.size() == 1 ? rows[0] : "(" + std::to_string(rows.size()) + " rows)";
}

class BlockwiseCliTest : public ::testing::Test {
 protected:
  // The tiny main job on a transformer space of 4 layers (2 blocks of 2): 2 widths, 0-2 heads
  // and FFN 0 or 16 per layer, so 2 x 6^2 = 72 choices per block.
  static nlohmann::json TransformerJob(const std::string& name, int layers = 4) {
    nlohmann::json config = testing::TinyMainJobConfig(name);
    config["space"] = {{"type", "transformer"}, {"input_channels", 1}, {"input_size", 8},
                       {"classes", 4},          {"patch_size", 4},     {"layers", layers},
                       {"embed_dims", {8, 16}}, {"heads", {0, 1, 2}},  {"head_dim", 4},
                       {"ffn_dims", {0, 16}}};
    config["constraints"] = nlohmann::json::array();
    return config;
  }

  // The teacher: that job's retrained and exported network.
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sculpt_blockwise_cli_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    testing::WriteIdxDataset(dir_ / "data", 320, 64, 8, 4);
    const Result teacher =
        Sculpt("run " + WriteConfig("teacher.json", TransformerJob("teacher")).string() +
               " --quiet");
    ASSERT_EQ(teacher.status, 0) << teacher.out;
    ASSERT_TRUE(fs::exists(dir_ / "runs/teacher-best/model.pt"));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // The tiny main job with a blockwise supernet distilled from `teacher` (relative to dir_).
  static nlohmann::json Config(const std::string& name, const nlohmann::json& teacher,
                               int layers = 4) {
    nlohmann::json config = TransformerJob(name, layers);
    nlohmann::json& evaluator = config["evaluator"];
    evaluator["kind"] = "blockwise";
    evaluator["blockwise"] = {{"teacher", teacher}};
    evaluator["training"] = {{"epochs", 2}, {"batch_size", 32}, {"learning_rate", 0.02}};
    evaluator.erase("latency_runs");
    config["objectives"] = {{{"metric", "block_loss"}, {"goal", "minimize"}}};
    return config;
  }

  static fs::path WriteConfig(const std::string& file, const nlohmann::json& config) {
    std::ofstream(dir_ / file) << config.dump(2);
    return dir_ / file;
  }

  static fs::path dir_;
};

fs::path BlockwiseCliTest::dir_;

// The supernet runs that trained (a rerun that reads the blocks logs them as "reused" runs).
constexpr const char* kTrainedBlocks =
    "SELECT count(*) FROM training_runs WHERE kind = 'supernet' AND "
    "json_extract(config, '$.reused') IS NULL";

TEST_F(BlockwiseCliTest, DistilsBlocksScoresByLookUpsAndReusesBoth) {
  const fs::path config = WriteConfig("bw.json", Config("bw", "runs/teacher-best"));
  const Result run = Sculpt("run " + config.string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("2 blocks distilled, 2 side by side"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("144 of 144 block choices scored"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Final: candidate #"), std::string::npos) << run.out;

  const fs::path db = dir_ / "runs/bw.sqlite";
  // One training run per block, each with its epochs, its block named.
  EXPECT_EQ(QueryRows(db, "SELECT json_extract(config, '$.blockwise_block') FROM training_runs "
                          "WHERE kind = 'supernet' AND status = 'finished' ORDER BY 1"),
            (std::vector<std::string>{"layers1-2", "layers3-4"}));
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_epochs e JOIN training_runs r ON "
                           "r.id = e.run_id WHERE r.kind = 'supernet'"),
            "4");
  // A candidate's score is the sum of its blocks' scores, and lower is better.
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM candidates WHERE status = 'ok' AND "
                           "repeat_of_step IS NULL AND abs(json_extract(metrics, '$.block_loss') "
                           "- json_extract(metrics, '$.block1_loss') - json_extract(metrics, "
                           "'$.block2_loss')) < 1e-9 "
                           "AND json_extract(metrics, '$.block_loss') > 0"),
            QueryValue(db, "SELECT count(*) FROM candidates WHERE status = 'ok' AND "
                           "repeat_of_step IS NULL"));
  EXPECT_EQ(QueryValue(db, "SELECT count(*) > 0 FROM candidates WHERE status = 'ok'"), "1");

  // Again: the trained blocks and the table are read, not made again; same scores.
  const Result again = Sculpt("run " + config.string() + " --quiet");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("reusing the distilled block layers3-4"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("reusing the block score table"), std::string::npos) << again.out;
  // Nothing trained again; the second experiment records the blocks it read, with their curves.
  EXPECT_EQ(QueryValue(db, kTrainedBlocks), "2");
  EXPECT_EQ(QueryRows(db, "SELECT json_extract(config, '$.blockwise_block') || ' ' || status || "
                          "' ' || (SELECT count(*) FROM training_epochs WHERE run_id = id) FROM "
                          "training_runs WHERE experiment_id = 2 AND json_extract(config, "
                          "'$.reused') ORDER BY 1"),
            (std::vector<std::string>{"layers1-2 finished 2", "layers3-4 finished 2"}));
  // Each names the first experiment's run that trained its file.
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs r JOIN training_runs t ON t.id = "
                           "json_extract(r.config, '$.trained_by_run') WHERE r.experiment_id = 2 "
                           "AND json_extract(r.config, '$.reused') AND t.experiment_id = 1 AND "
                           "json_extract(t.config, '$.reused') IS NULL AND "
                           "json_extract(t.config, '$.checkpoint') = "
                           "json_extract(r.config, '$.checkpoint')"),
            "2");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM candidates a JOIN candidates b ON a.step = "
                           "b.step AND a.experiment_id = 1 AND b.experiment_id = 2 WHERE a.arch "
                           "<> b.arch OR a.objective IS NOT b.objective"),
            "0");

  // Scored on demand instead of from the table: the same blocks (reused), the same scores. Run
  // from the config's folder, so the blocks' paths are relative this time (the data's stays
  // absolute: its path is part of the blocks' settings); the runs that trained them are still
  // found.
  nlohmann::json on_demand = Config("bw", "runs/teacher-best");
  on_demand["evaluator"]["blockwise"]["scoring"] = "on_demand";
  on_demand["evaluator"]["dataset"]["path"] = (dir_ / "data").string();
  WriteConfig("bw-lazy.json", on_demand);
  const Result lazy = testing::RunCommand("cd " + dir_.string() + " && " + SCULPT_BINARY +
                                          " run bw-lazy.json --quiet");
  ASSERT_EQ(lazy.status, 0) << lazy.out;
  EXPECT_NE(lazy.out.find("scored as candidates first need them"), std::string::npos)
      << lazy.out;
  EXPECT_EQ(QueryValue(db, kTrainedBlocks), "2");
  EXPECT_EQ(QueryRows(db, "SELECT (json_extract(r.config, '$.checkpoint') LIKE 'runs/%') || ' ' || "
                          "(json_extract(r.config, '$.trained_by_run') = t.id) FROM training_runs "
                          "r JOIN training_runs t ON t.experiment_id = 1 AND "
                          "json_extract(t.config, '$.blockwise_block') = "
                          "json_extract(r.config, '$.blockwise_block') WHERE r.experiment_id = 3"),
            (std::vector<std::string>{"1 1", "1 1"}));
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM candidates a JOIN candidates b ON a.step = "
                           "b.step AND a.experiment_id = 1 AND b.experiment_id = 3 WHERE a.arch "
                           "<> b.arch OR abs(a.objective - b.objective) > 1e-12"),
            "0");
}

TEST_F(BlockwiseCliTest, BlocksOfOneLayerCutTheExportedTeacherTheSameWay) {
  nlohmann::json config = Config("single", "runs/teacher-best");
  config["space"]["block_layers"] = 1;
  const Result run = Sculpt("run " + WriteConfig("single.json", config).string() + " --quiet");
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("4 blocks distilled"), std::string::npos) << run.out;
  EXPECT_EQ(QueryRows(dir_ / "runs/single.sqlite",
                      "SELECT json_extract(config, '$.blockwise_block') FROM training_runs "
                      "WHERE kind = 'supernet' AND status = 'finished' ORDER BY 1"),
            (std::vector<std::string>{"layers1", "layers2", "layers3", "layers4"}));
  // The final export's skeleton keeps the blocks it was searched with.
  const nlohmann::json exported =
      nlohmann::json::parse(std::ifstream(dir_ / "runs/single-best/architecture.json"));
  EXPECT_EQ(exported["skeleton"].value("block_layers", 0), 1);
  config["space"]["block_layers"] = 0;
  const Result zero = Sculpt("run " + WriteConfig("zero.json", config).string());
  EXPECT_EQ(zero.status, 2) << zero.out;
  EXPECT_NE(zero.out.find("block_layers"), std::string::npos) << zero.out;
}

// A one-layer network written in the last layer is the network written in the first, and the
// engine scores a class once, with whichever member came first: the score is its canonical
// member's (the layer in the first block), not the other blocks' look-ups.
TEST_F(BlockwiseCliTest, AClassScoresAsItsCanonicalMemberWhicheverMemberASearchProposed) {
  const std::string last = "d8|h0:f0|h0:f0|h0:f0|h2:f16";
  const std::string first = "d8|h2:f16|h0:f0|h0:f0|h0:f0";
  auto score = [&](const std::string& name, const std::string& arch) {
    std::ofstream(dir_ / (name + ".csv")) << "arch\n" << arch << "\n";
    nlohmann::json config = Config(name, "runs/teacher-best");
    config["space"]["block_layers"] = 1;
    config["strategy"] = {{"type", "listed"}, {"path", name + ".csv"}};
    config["storage"] = "runs/placements.sqlite";
    config.erase("final");
    const Result run = Sculpt("run " + WriteConfig(name + ".json", config).string() + " --quiet");
    EXPECT_EQ(run.status, 0) << run.out;
    return QueryRows(dir_ / "runs/placements.sqlite",
                     "SELECT arch, json_extract(metrics, '$.block1_loss'), json_extract(metrics, "
                     "'$.block_loss') FROM candidates c JOIN experiments e ON e.id = "
                     "c.experiment_id WHERE e.name = '" +
                         name + "'");
  };
  const std::vector<std::string> placed_last = score("placed-last", last);
  const std::vector<std::string> placed_first = score("placed-first", first);
  ASSERT_EQ(placed_last.size(), 1u);
  ASSERT_EQ(placed_first.size(), 1u);
  // The same scores (the second run read the first's blocks and table), each row its own arch.
  EXPECT_EQ(placed_last[0].substr(last.size()), placed_first[0].substr(first.size()));
  EXPECT_EQ(placed_last[0].substr(0, last.size()), last);
}

TEST_F(BlockwiseCliTest, TheBlockwiseBlockSetsWhereBlocksEndAndHowLongEachTrains) {
  // Blocks of 1 and 3 layers, each trained for 1 epoch (the training block says 2): the
  // exported teacher, made with the family's blocks of 2, is cut the same way.
  nlohmann::json config = Config("uneven", "runs/teacher-best");
  config["evaluator"]["blockwise"]["blocks"] = {1, 3};
  config["evaluator"]["blockwise"]["epochs"] = 1;
  const Result run = Sculpt("run " + WriteConfig("uneven.json", config).string() + " --quiet");
  ASSERT_EQ(run.status, 0) << run.out;
  const fs::path db = dir_ / "runs/uneven.sqlite";
  EXPECT_EQ(QueryRows(db, "SELECT json_extract(r.config, '$.blockwise_block') || ' ' || "
                          "count(e.epoch) FROM training_runs r LEFT JOIN training_epochs e ON "
                          "e.run_id = r.id WHERE r.kind = 'supernet' GROUP BY r.id ORDER BY 1"),
            (std::vector<std::string>{"layers1 1", "layers2-4 1"}));
  // A block's score is looked up by its own layers' choices: 2 widths x 6 choices for the
  // first, 2 x 6^3 for the second.
  EXPECT_NE(run.out.find("2 blocks distilled"), std::string::npos) << run.out;

  // Blocks that do not add up to the layers, and blocks nb201 does not have: config errors.
  config["evaluator"]["blockwise"]["blocks"] = {1, 2};
  const Result short_blocks = Sculpt("run " + WriteConfig("short.json", config).string());
  EXPECT_EQ(short_blocks.status, 2) << short_blocks.out;
  EXPECT_NE(short_blocks.out.find("blockwise.blocks"), std::string::npos) << short_blocks.out;
  EXPECT_NE(short_blocks.out.find("add up to 3, not to the 4 layers"), std::string::npos)
      << short_blocks.out;
  // A list that cannot be read is said once, where it is wrong; an empty one has no block.
  config["evaluator"]["blockwise"]["blocks"] = {1, "3"};
  const Result typo = Sculpt("run " + WriteConfig("typo.json", config).string());
  EXPECT_EQ(typo.status, 2) << typo.out;
  EXPECT_NE(typo.out.find("blockwise.blocks[1]: expected an integer"), std::string::npos)
      << typo.out;
  EXPECT_EQ(typo.out.find("lists no block"), std::string::npos) << typo.out;
  config["evaluator"]["blockwise"]["blocks"] = nlohmann::json::array();
  const Result none = Sculpt("run " + WriteConfig("none.json", config).string());
  EXPECT_EQ(none.status, 2) << none.out;
  EXPECT_NE(none.out.find("blockwise.blocks: lists no block"), std::string::npos) << none.out;
  nlohmann::json nb201 = testing::TinyMainJobConfig("nb201-blocks");
  nb201["evaluator"]["kind"] = "blockwise";
  nb201["evaluator"]["blockwise"] = {{"teacher", "runs/teacher-best"}, {"blocks", {1, 2}}};
  const Result fixed = Sculpt("run " + WriteConfig("fixed.json", nb201).string());
  EXPECT_EQ(fixed.status, 2) << fixed.out;
  EXPECT_NE(fixed.out.find("blocks of nb201 networks are fixed: stage1, stage2, stage3"),
            std::string::npos)
      << fixed.out;
}

TEST_F(BlockwiseCliTest, TeachersThatCannotBeReadOrDoNotFitAreConfigErrors) {
  // No such folder.
  const Result missing =
      Sculpt("run " + WriteConfig("missing.json", Config("missing", "runs/nothing")).string());
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_NE(missing.out.find("blockwise.teacher"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find("no export folder"), std::string::npos) << missing.out;

  // A teacher for 16 x 16 images, the data's are 8 x 8: its position embedding does not load.
  const fs::path big = dir_ / "runs/big-teacher";
  fs::create_directories(big);
  fs::copy_file(dir_ / "runs/teacher-best/model.pt", big / "model.pt",
                fs::copy_options::overwrite_existing);
  nlohmann::json document =
      nlohmann::json::parse(std::ifstream(dir_ / "runs/teacher-best/architecture.json"));
  document["skeleton"]["input_size"] = 16;
  std::ofstream(big / "architecture.json") << document.dump();
  const Result bigger =
      Sculpt("run " + WriteConfig("big.json", Config("big", "runs/big-teacher")).string());
  EXPECT_EQ(bigger.status, 2) << bigger.out;
  EXPECT_NE(bigger.out.find("blockwise.teacher"), std::string::npos) << bigger.out;
  EXPECT_NE(bigger.out.find("shape"), std::string::npos) << bigger.out;

  // The teacher's 2 blocks for a space of 2 layers: 1 block.
  const Result other =
      Sculpt("run " + WriteConfig("short.json", Config("short", "runs/teacher-best", 2)).string());
  EXPECT_EQ(other.status, 2) << other.out;
  EXPECT_NE(other.out.find("the teacher, a transformer network, has 2 blocks ("), std::string::npos)
      << other.out;
  EXPECT_NE(other.out.find("space's networks 1 ("), std::string::npos) << other.out;

  // A transformer teacher for an nb201 space: the families, before the block counts.
  nlohmann::json cells = testing::TinyMainJobConfig("cells");
  cells["evaluator"]["kind"] = "blockwise";
  cells["evaluator"]["blockwise"] = {{"teacher", "runs/teacher-best"}};
  cells["objectives"] = {{{"metric", "block_loss"}, {"goal", "minimize"}}};
  const Result family = Sculpt("run " + WriteConfig("cells.json", cells).string());
  EXPECT_EQ(family.status, 2) << family.out;
  EXPECT_NE(family.out.find("the teacher is a transformer network and the nb201 space's networks "
                            "are not"),
            std::string::npos)
      << family.out;

  // Blockwise options with another kind.
  nlohmann::json one_shot = Config("one", "runs/teacher-best");
  one_shot["evaluator"]["kind"] = "one_shot";
  const Result wrong_kind = Sculpt("run " + WriteConfig("one.json", one_shot).string());
  EXPECT_EQ(wrong_kind.status, 2) << wrong_kind.out;
  EXPECT_NE(wrong_kind.out.find("is read only with \"kind\": \"blockwise\""), std::string::npos)
      << wrong_kind.out;
  EXPECT_NE(wrong_kind.out.find("1 error in the config"), std::string::npos) << wrong_kind.out;
  EXPECT_FALSE(fs::exists(dir_ / "runs/missing.sqlite"));

  // A teacher that is neither a folder nor a training to do says what it may be.
  nlohmann::json number = Config("number", "runs/teacher-best");
  number["evaluator"]["blockwise"]["teacher"] = 5;
  const Result not_a_teacher = Sculpt("run " + WriteConfig("number.json", number).string());
  EXPECT_EQ(not_a_teacher.status, 2) << not_a_teacher.out;
  EXPECT_NE(not_a_teacher.out.find("expected an export folder (a string) or {\"arch\""),
            std::string::npos)
      << not_a_teacher.out;
}

TEST_F(BlockwiseCliTest, TrainsTheSpacesLargestNetworkFirstAsTheTeacherAndReusesIt) {
  const nlohmann::json teacher = {{"arch", "largest"}, {"epochs", 2}};
  const fs::path config = WriteConfig("same.json", Config("same", teacher));
  const Result run = Sculpt("run " + config.string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("training the teacher first: d16|h2:f16|h2:f16|h2:f16|h2:f16, 2 epochs"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("the teacher is trained: validation accuracy"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("2 blocks distilled"), std::string::npos) << run.out;
  const fs::path db = dir_ / "runs/same.sqlite";
  // The teacher's training: a finished run of 2 epochs, tagged, with a test accuracy.
  EXPECT_EQ(QueryValue(db, "SELECT json_extract(config, '$.arch') || ' ' || status || ' ' || "
                           "json_extract(result, '$.epochs') || ' ' || "
                           "(json_extract(result, '$.test_accuracy') >= 0) FROM training_runs "
                           "WHERE json_extract(config, '$.blockwise_teacher')"),
            "d16|h2:f16|h2:f16|h2:f16|h2:f16 finished 2.0 1");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_epochs e JOIN training_runs r ON "
                           "r.id = e.run_id WHERE json_extract(r.config, '$.blockwise_teacher')"),
            "2");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE kind = 'supernet'"), "2");
  // `export --run` writes the teacher with its weights, kept in its folder beside the blocks.
  const std::string trained_teacher = QueryValue(
      db, "SELECT id FROM training_runs WHERE json_extract(config, '$.blockwise_teacher')");
  const Result exported = Sculpt("export " + db.string() + " --run " + trained_teacher + " --out " +
                                 (dir_ / "teacher-again").string());
  ASSERT_EQ(exported.status, 0) << exported.out;
  EXPECT_NE(exported.out.find("(the block-wise teacher)"), std::string::npos) << exported.out;
  EXPECT_NE(exported.out.find("model.pt: the weights of training run " + trained_teacher),
            std::string::npos)
      << exported.out;
  EXPECT_TRUE(fs::exists(dir_ / "teacher-again" / "model.pt"));
  // With what a deployment feeds it (the normalisation it trained with) and its costs.
  const nlohmann::json teacher_document =
      nlohmann::json::parse(std::ifstream(dir_ / "teacher-again" / "architecture.json"));
  EXPECT_EQ(teacher_document["input"]["shape"], nlohmann::json({1, 8, 8})) << teacher_document;
  EXPECT_TRUE(teacher_document["input"].contains("mean")) << teacher_document;
  EXPECT_GT(teacher_document["metrics"].value("flops", 0.0), 0) << teacher_document;
  EXPECT_GT(teacher_document["metrics"].value("test_accuracy", -1.0), 0) << teacher_document;

  // Again: the teacher and the blocks distilled from it are reused, nothing trains.
  const Result again = Sculpt("run " + config.string() + " --quiet");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("reusing the teacher trained in"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("training the teacher first"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("reusing the distilled block layers3-4"), std::string::npos)
      << again.out;
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE (kind = 'supernet' OR "
                           "json_extract(config, '$.blockwise_teacher')) AND "
                           "json_extract(config, '$.reused') IS NULL"),
            "3");
  // The second experiment records the teacher it read: the first's result, no training.
  EXPECT_EQ(QueryValue(db, "SELECT r.status || ' ' || json_extract(r.result, '$.seconds') || "
                           "' ' || (json_extract(r.result, '$.test_accuracy') = "
                           "json_extract(t.result, '$.test_accuracy')) FROM training_runs r "
                           "JOIN training_runs t ON "
                           "json_extract(t.config, '$.checkpoint') = json_extract(r.config, "
                           "'$.checkpoint') AND t.experiment_id = 1 WHERE r.experiment_id = 2 AND "
                           "json_extract(r.config, '$.blockwise_teacher') AND "
                           "json_extract(r.config, '$.reused') AND "
                           "json_extract(r.config, '$.trained_by_run') = t.id"),
            "finished 0.0 1");
  const std::string teacher_run =
      QueryValue(db, "SELECT id FROM training_runs WHERE experiment_id = 1 AND "
                     "json_extract(config, '$.blockwise_teacher')");
  const Result report = Sculpt("report " + db.string() + " --text -e 2");
  ASSERT_EQ(report.status, 0) << report.out;
  EXPECT_NE(report.out.find("the block-wise teacher, trained by run " + teacher_run +
                            " and read from its folder (run "),
            std::string::npos)
      << report.out;
  EXPECT_NE(report.out.find("finished, no epochs of its own; test_accuracy"), std::string::npos)
      << report.out;

  // Other blocks: new blocks from the same teacher (where blocks end changes no weight of it).
  nlohmann::json regrouped = Config("same", teacher);
  regrouped["evaluator"]["blockwise"]["blocks"] = {1, 3};
  const Result moved =
      Sculpt("run " + WriteConfig("same.json", regrouped).string() + " --quiet");
  ASSERT_EQ(moved.status, 0) << moved.out;
  EXPECT_NE(moved.out.find("reusing the teacher trained in"), std::string::npos) << moved.out;
  EXPECT_NE(moved.out.find("2 blocks distilled"), std::string::npos) << moved.out;
  EXPECT_EQ(QueryValue(db, kTrainedBlocks), "4");

  // Longer teacher training: another teacher, and blocks distilled from it.
  const Result longer = Sculpt(
      "run " +
      WriteConfig("same.json", Config("same", {{"arch", "largest"}, {"epochs", 3}})).string() +
      " --quiet");
  ASSERT_EQ(longer.status, 0) << longer.out;
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE "
                           "json_extract(config, '$.blockwise_teacher') AND "
                           "json_extract(config, '$.reused') IS NULL"),
            "2");
  EXPECT_EQ(QueryValue(db, kTrainedBlocks), "6");

  // A named architecture of the space trains instead; one outside the space is refused.
  const Result bad = Sculpt(
      "run " +
      WriteConfig("bad.json", Config("bad", {{"arch", "d99|h2:f16|h2:f16|h2:f16|h2:f16"}}))
          .string());
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_NE(bad.out.find("blockwise.teacher.arch"), std::string::npos) << bad.out;
  const Result typo = Sculpt(
      "run " + WriteConfig("typo.json", Config("typo", {{"arch", "largest"}, {"epoch", 3}}))
                   .string());
  EXPECT_EQ(typo.status, 2) << typo.out;
  EXPECT_NE(typo.out.find("blockwise.teacher.epoch"), std::string::npos) << typo.out;
  EXPECT_FALSE(fs::exists(dir_ / "runs/bad.sqlite"));
}

TEST_F(BlockwiseCliTest, ATeacherThatLearnedNothingIsSaidToBeAtChance) {
  // Trained with a learning rate of 0: its validation accuracy is the initial network's.
  nlohmann::json config = Config("chance", {{"arch", "largest"}, {"epochs", 1}});
  config["evaluator"]["training"] = {{"epochs", 1}, {"batch_size", 32}, {"learning_rate", 0}};
  config["budget"] = {{"evaluations", 2}};
  config.erase("final");
  const Result run = Sculpt("run " + WriteConfig("chance.json", config).string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("that is about chance for 4 classes"), std::string::npos) << run.out;
  // A teacher that learned: not a word of it.
  nlohmann::json learning = Config("learned", {{"arch", "largest"}, {"epochs", 8}});
  learning["evaluator"]["training"] = {{"epochs", 1}, {"batch_size", 32}, {"learning_rate", 0.01}};
  learning["budget"] = {{"evaluations", 2}};
  learning.erase("final");
  const Result learned = Sculpt("run " + WriteConfig("learned.json", learning).string());
  ASSERT_EQ(learned.status, 0) << learned.out;
  EXPECT_NE(learned.out.find("the teacher is trained: validation accuracy"), std::string::npos)
      << learned.out;
  EXPECT_EQ(learned.out.find("about chance"), std::string::npos) << learned.out;
}

TEST_F(BlockwiseCliTest, ShrinkingIsRecordedInTheDatabase) {
  nlohmann::json config = Config("shrink", "runs/teacher-best");
  config["evaluator"]["blockwise"]["shrink"] = {{"bins", 2}, {"stop", 10}};
  const Result run = Sculpt("run " + WriteConfig("shrink.json", config).string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("choices left after shrinking: layers1-2 18 of 72, layers3-4 18 of 72"),
            std::string::npos)
      << run.out;
  const fs::path db = dir_ / "runs/shrink.sqlite";
  // 72 choices per block: half of each of 2 bins after epoch 1 (36), then half again (18).
  EXPECT_EQ(QueryRows(db, "SELECT block || ' ' || epoch || ' ' || count(*) FROM dropped_choices "
                          "GROUP BY block, epoch ORDER BY block, epoch"),
            (std::vector<std::string>{"layers1-2 1 36", "layers1-2 2 18", "layers3-4 1 36",
                                      "layers3-4 2 18"}));
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM dropped_choices GROUP BY bin, block, epoch "
                           "HAVING count(*) NOT IN (18, 9)"),
            "(0 rows)");
  EXPECT_EQ(QueryRows(db, "SELECT CAST(json_extract(e.other, '$.choices_alive') AS INTEGER) "
                          "FROM training_epochs e JOIN training_runs r ON r.id = e.run_id WHERE "
                          "r.kind = 'supernet' ORDER BY r.id, e.epoch"),
            (std::vector<std::string>{"36", "18", "36", "18"}));
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM candidates WHERE status = 'ok' AND "
                           "repeat_of_step IS NULL AND json_extract(metrics, '$.dropped_blocks') "
                           "NOT IN (0, 1, 2)"),
            "0");

  // Again, the blocks read from their files: the second experiment's records hold the same
  // dropped choices, each block's once, as the first's.
  const Result again = Sculpt("run " + WriteConfig("shrink.json", config).string() + " --quiet");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("reusing the distilled block layers3-4"), std::string::npos)
      << again.out;
  const std::string dropped_by_experiment =
      "SELECT r.experiment_id || ' ' || d.block || ' ' || d.epoch || ' ' || d.bin || ' ' || "
      "d.choice || ' ' || d.cost || ' ' || d.score FROM dropped_choices d JOIN training_runs r "
      "ON r.id = d.run_id WHERE r.experiment_id = ";
  std::vector<std::string> first = QueryRows(db, dropped_by_experiment + "1 ORDER BY 1");
  std::vector<std::string> second = QueryRows(db, dropped_by_experiment + "2 ORDER BY 1");
  ASSERT_EQ(first.size(), 108u);
  ASSERT_EQ(second.size(), first.size());
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(second[i].substr(1), first[i].substr(1));

  // Shrinking options that cannot work are config errors.
  config["evaluator"]["blockwise"]["shrink"] = {{"by", "latency_lut_ms"}, {"warmup_epochs", 3}};
  const Result bad = Sculpt("run " + WriteConfig("bad-shrink.json", config).string());
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_NE(bad.out.find("shrink.by"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("shrink.warmup_epochs"), std::string::npos) << bad.out;
}

TEST_F(BlockwiseCliTest, TheZooTrainsAndExportsAModelForEachBudget) {
  nlohmann::json config = Config("zoo", "runs/teacher-best");
  config["budget"] = {{"evaluations", 12}};
  config["final"]["epochs"] = 1;
  // The largest network of the space has about 4,900 parameters, the smallest (every layer left
  // out) 220; budgets below and above the smallest evaluated ones, and one only that smallest
  // member fits, which 12 evaluations of the 2,592 members do not reach.
  config["zoo"] = {
      {"metric", "params"}, {"budgets", {100000, 2500, 220}}, {"top", 2}, {"trial_epochs", 1}};
  const Result run = Sculpt("run " + WriteConfig("zoo.json", config).string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("params <= 220: no evaluated candidate or reference fits"),
            std::string::npos)
      << run.out;
  const fs::path db = dir_ / "runs/zoo.sqlite";
  for (const char* budget : {"2500", "100000"}) {
    const fs::path out = dir_ / ("runs/zoo-best-params-" + std::string(budget));
    ASSERT_TRUE(fs::exists(out / "model.pt")) << out << "\n" << run.out;
    const nlohmann::json document = nlohmann::json::parse(std::ifstream(out / "architecture.json"));
    EXPECT_LE(document["metrics"]["params"].get<double>(), std::stod(budget));
  }
  // Trials (at most 2 a budget, each candidate once) and one model per budget, all kept as
  // retraining runs.
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE json_extract(config, "
                           "'$.zoo.stage') = 'model'"),
            "2");
  EXPECT_EQ(QueryValue(db, "SELECT count(*) BETWEEN 2 AND 4 FROM training_runs WHERE "
                           "json_extract(config, '$.zoo.stage') = 'trial'"),
            "1");
  const Result zoo = Sculpt("query " + db.string() + " --zoo --format csv");
  ASSERT_EQ(zoo.status, 0) << zoo.out;
  EXPECT_NE(zoo.out.find("budget"), std::string::npos) << zoo.out;
  // The header, the 2 models, the budget nothing fitted and the note saying why.
  EXPECT_EQ(std::count(zoo.out.begin(), zoo.out.end(), '\n'), 5) << zoo.out;
  EXPECT_NE(zoo.out.find(",params,220,none,,,,,,,,,,\n"), std::string::npos) << zoo.out;
  EXPECT_NE(zoo.out.find("source none: no evaluated candidate or reference fitted"),
            std::string::npos)
      << zoo.out;
  // One experiment's zoo: the same rows here (the database holds one experiment).
  const Result zoo_of_one = Sculpt("query " + db.string() + " --zoo -e 1 --format csv");
  ASSERT_EQ(zoo_of_one.status, 0) << zoo_of_one.out;
  EXPECT_EQ(zoo_of_one.out, zoo.out);
  EXPECT_EQ(Sculpt("query " + db.string() + " --zoo -e nope").status, 2);
  // For people, accuracies are percentages (CSV above keeps the stored fractions).
  const Result for_people = Sculpt("query " + db.string() + " --zoo -e 1");
  EXPECT_NE(for_people.out.find("%"), std::string::npos) << for_people.out;
  EXPECT_EQ(zoo.out.find("%"), std::string::npos) << zoo.out;
  // Each model's folder, from where the database was named, and whether it holds the model.
  for (const char* budget : {"2500", "100000"}) {
    const std::string folder = (dir_ / ("runs/zoo-best-params-" + std::string(budget))).string();
    EXPECT_NE(zoo.out.find("," + folder + ",ok\n"), std::string::npos) << zoo.out;
  }
  const fs::path moved = dir_ / "runs/zoo-best-params-2500";
  fs::rename(moved, dir_ / "moved");
  const Result gone = Sculpt("query " + db.string() + " --zoo --format csv");
  EXPECT_NE(gone.out.find("," + moved.string() + ",missing\n"), std::string::npos) << gone.out;
  fs::rename(dir_ / "moved", moved);
  // The same config again exports to the same folders: the first experiment's folders hold the
  // second's models now.
  const Result rerun = Sculpt("run " + (dir_ / "zoo.json").string() + " --quiet");
  ASSERT_EQ(rerun.status, 0) << rerun.out;
  // And says so, naming what each folder held (the final export's too).
  EXPECT_NE(rerun.out.find("replaced the folder's earlier export: candidate "), std::string::npos)
      << rerun.out;
  EXPECT_NE(rerun.out.find("of experiment 1 ('zoo')"), std::string::npos) << rerun.out;
  const Result first = Sculpt("query " + db.string() + " --zoo -e 1 --format csv");
  EXPECT_EQ(std::count(first.out.begin(), first.out.end(), '\n'), 5) << first.out;
  const std::string replaced = ",holds training run ";
  EXPECT_NE(first.out.find(replaced), std::string::npos) << first.out;
  EXPECT_NE(first.out.find(replaced, first.out.find(replaced) + 1), std::string::npos)
      << first.out;
  const Result second = Sculpt("query " + db.string() + " --zoo -e 2 --format csv");
  EXPECT_EQ(second.out.find(replaced), std::string::npos) << second.out;
  EXPECT_NE(second.out.find(",ok\n"), std::string::npos) << second.out;
  // Its model for the bigger budget is the search's best that fits after 1-epoch trials; it
  // may equal the smaller budget's, but never costs more than its budget (checked above).

  // A budget below the space's smallest member is a config error: no search could fill it.
  nlohmann::json below = config;
  below["zoo"]["budgets"] = {5000, 219};
  const Result below_all = Sculpt("run " + WriteConfig("zoo-below.json", below).string());
  EXPECT_EQ(below_all.status, 2) << below_all.out;
  EXPECT_NE(below_all.out.find("params <= 219 fits no member of the space: the smallest, "
                               "d8|h0:f0|h0:f0|h0:f0|h0:f0, has 220"),
            std::string::npos)
      << below_all.out;

  // One network written twice among the references (a layer left out first or last) is one
  // reference under two names: a config error, as a budget listed twice is.
  nlohmann::json twice = config;
  twice["zoo"]["references"] = {"d8|h0:f0|h1:f0|h0:f0|h0:f0", "d8|h1:f0|h0:f0|h0:f0|h0:f0"};
  const Result listed_twice = Sculpt("run " + WriteConfig("zoo-twice.json", twice).string());
  EXPECT_EQ(listed_twice.status, 2) << listed_twice.out;
  EXPECT_NE(listed_twice.out.find("'d8|h1:f0|h0:f0|h0:f0|h0:f0' is the same network as "
                                  "'d8|h0:f0|h1:f0|h0:f0|h0:f0'"),
            std::string::npos)
      << listed_twice.out;

  // A zoo whose budgets no evaluated candidate fits: its listing says why it is empty.
  nlohmann::json too_small = config;
  too_small["zoo"]["budgets"] = {220};
  ASSERT_EQ(Sculpt("run " + WriteConfig("zoo.json", too_small).string() + " --quiet").status, 0);
  const Result empty = Sculpt("query " + db.string() + " --zoo -e 3");
  EXPECT_EQ(empty.status, 0) << empty.out;
  EXPECT_NE(empty.out.find("no zoo model in experiment 3"), std::string::npos) << empty.out;
  EXPECT_NE(empty.out.find("no evaluated candidate or reference fitted its budgets"),
            std::string::npos)
      << empty.out;
  EXPECT_NE(empty.out.find("none"), std::string::npos) << empty.out;  // its budget's row

  // A zoo without a final block, with a cost the space has not, with a budget listed twice, or
  // with a reference that is not a member of the space is a config error.
  nlohmann::json bad = config;
  bad.erase("final");
  bad["zoo"]["metric"] = "latency_lut_ms";
  bad["zoo"]["budgets"] = {30000, 1000, 30000};
  bad["zoo"]["references"] = {"d8|h1:f16", "d8|h0:f0|h0:f0|h0:f0|h0:f0"};
  const Result refused = Sculpt("run " + WriteConfig("bad-zoo.json", bad).string());
  EXPECT_EQ(refused.status, 2) << refused.out;
  EXPECT_NE(refused.out.find("needs a \"final\" block"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("zoo.metric"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("latency_lut_ms needs a latency table"), std::string::npos)
      << refused.out;
  EXPECT_NE(refused.out.find("lists 30000 twice"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("zoo.references"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("d8|h1:f16"), std::string::npos) << refused.out;
}

TEST_F(BlockwiseCliTest, TheZooTriesItsReferencesWhereTheyFitAndSaysWhereEachModelCameFrom) {
  // The space's smallest member, which 12 evaluations of its 2,592 members do not reach: every
  // layer left out.
  const std::string smallest = "d8|h0:f0|h0:f0|h0:f0|h0:f0";
  nlohmann::json config = Config("zoo-references", "runs/teacher-best");
  config["budget"] = {{"evaluations", 12}};
  config["final"]["epochs"] = 1;
  config["zoo"] = {{"metric", "params"},
                   {"budgets", {100000}},
                   {"top", 1},
                   {"trial_epochs", 1},
                   {"references", {smallest}}};
  const Result run = Sculpt("run " + WriteConfig("zoo-references.json", config).string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("(best of 2 trials: 1 candidate and 1 reference)"), std::string::npos)
      << run.out;
  const fs::path db = dir_ / "runs/zoo-references.sqlite";
  ASSERT_EQ(QueryValue(db, "SELECT count(*) FROM candidates WHERE arch = '" + smallest + "'"),
            "0");
  // The reference's trial: a hand-picked training (no candidate) that keeps its cost.
  const std::string cost =
      QueryValue(db, "SELECT json_extract(config, '$.zoo.cost') FROM training_runs WHERE "
                     "candidate_id IS NULL AND json_extract(config, '$.zoo.stage') = 'trial' "
                     "AND json_extract(config, '$.arch') = '" + smallest + "'");
  ASSERT_GT(std::stod(cost), 0) << cost;
  const std::string params = std::to_string(std::llround(std::stod(cost)));  // a count
  const Result listed = Sculpt("query " + db.string() + " --zoo --format csv");
  ASSERT_EQ(listed.status, 0) << listed.out;
  EXPECT_NE(listed.out.find(",params,100000,"), std::string::npos) << listed.out;

  // A budget only the reference fits: it is the model, and `--zoo` says so.
  config["name"] = "zoo-reference-only";
  config["storage"] = "runs/zoo-reference-only.sqlite";
  config["zoo"]["budgets"] = {std::stod(params)};
  const Result only = Sculpt("run " + WriteConfig("zoo-reference-only.json", config).string());
  ASSERT_EQ(only.status, 0) << only.out;
  EXPECT_NE(only.out.find(": reference " + smallest), std::string::npos) << only.out;
  const fs::path out = dir_ / ("runs/zoo-reference-only-best-params-" + params);
  ASSERT_TRUE(fs::exists(out / "model.pt")) << out << "\n" << only.out;
  const nlohmann::json document = nlohmann::json::parse(std::ifstream(out / "architecture.json"));
  EXPECT_EQ(document["arch"], smallest);
  EXPECT_TRUE(document["candidate"].is_null());
  const Result zoo = Sculpt("query " + (dir_ / "runs/zoo-reference-only.sqlite").string() +
                            " --zoo --format csv");
  ASSERT_EQ(zoo.status, 0) << zoo.out;
  EXPECT_NE(zoo.out.find("reference,," + smallest + "," + params), std::string::npos) << zoo.out;

  // Its folder is overwritten by the next run of the config; `export --run` writes the model
  // again from the weights kept beside the database, as it does a candidate's.
  const fs::path other_db = dir_ / "runs/zoo-reference-only.sqlite";
  const std::string model_run =
      QueryValue(other_db,
                 "SELECT id FROM training_runs WHERE json_extract(config, "
                 "'$.zoo.stage') = 'model'");
  const fs::path again = dir_ / "again";
  const Result exported = Sculpt("export " + other_db.string() + " --run " + model_run + " --out " +
                                 again.string() + " --format onnx");
  ASSERT_EQ(exported.status, 0) << exported.out;
  EXPECT_NE(exported.out.find("the network of training run " + model_run + " (a zoo's reference)"),
            std::string::npos)
      << exported.out;
  const nlohmann::json re = nlohmann::json::parse(std::ifstream(again / "architecture.json"));
  EXPECT_EQ(re["arch"], smallest);
  EXPECT_EQ(re["retrain"]["training_run"].get<std::int64_t>(), std::stoll(model_run));
  // The run's export and `export --run` describe the reference alike: its costs and what its
  // training measured, and the space's encodings.
  EXPECT_EQ(re["metrics"], document["metrics"]);
  EXPECT_EQ(re["encoding"], document["encoding"]);
  EXPECT_GT(document["metrics"].value("flops", 0.0), 0) << document;
  EXPECT_GT(document["metrics"].value("test_accuracy", -1.0), 0) << document;
  EXPECT_TRUE(fs::exists(again / "model.pt"));
  EXPECT_TRUE(fs::exists(again / "model.onnx"));
  // The report lists the zoo, and names each zoo run by its stage and network.
  const Result text = Sculpt("report " + other_db.string() + " --text");
  ASSERT_EQ(text.status, 0) << text.out;
  EXPECT_NE(text.out.find("zoo: a model for each params budget"), std::string::npos) << text.out;
  // With each model's folder and whether it still holds it, as `query --zoo` says.
  EXPECT_NE(text.out.find("export state"), std::string::npos) << text.out;
  const Result zoo_query = Sculpt("query " + other_db.string() + " --zoo --format csv");
  const std::string state = zoo_query.out.substr(zoo_query.out.rfind(',') + 1);
  EXPECT_NE(text.out.find(state.substr(0, state.find('\n'))), std::string::npos)
      << text.out << zoo_query.out;
  // (Its model is its trial's training, 1 epoch each here: that run is listed once, as the trial.)
  EXPECT_NE(text.out.find("zoo trial of reference " + smallest), std::string::npos) << text.out;
  const Result html =
      Sculpt("report " + other_db.string() + " --out " + (dir_ / "zoo.html").string());
  ASSERT_EQ(html.status, 0) << html.out;
  const std::string page = testing::ReadText(dir_ / "zoo.html");
  EXPECT_NE(page.find("<h3>Zoo: a model for each params budget</h3>"), std::string::npos);
  EXPECT_NE(page.find(smallest), std::string::npos);
  // Its chart draws the trial (a dot) and the model (a vertex), ringed with its budget.
  std::smatch chart;
  ASSERT_TRUE(std::regex_search(
      page, chart,
      std::regex(R"re(data-chart="zoo"><svg class="chart"[^>]*data-marks="([0-9]+)")re")))
      << page;
  EXPECT_EQ(chart[1].str(), "2");
  EXPECT_NE(page.find("&lt;= " + params), std::string::npos);
  // A block's run trained no network of its own; a run that is not there is not either.
  const std::string block_run =
      QueryValue(other_db, "SELECT min(id) FROM training_runs WHERE kind = 'supernet'");
  EXPECT_EQ(Sculpt("export " + other_db.string() + " --run " + block_run + " --out " +
                   (dir_ / "x").string())
                .status,
            2);
  EXPECT_EQ(
      Sculpt("export " + other_db.string() + " --run 999 --out " + (dir_ / "x").string()).status,
      2);
}

TEST_F(BlockwiseCliTest, AReferenceIsNotTakenForAnIsomorphicCellOfOtherCosts) {
  // Two nb201 cells that both compute the identity; the second also holds a 1x1 conv whose node
  // nothing reads: the same network to the search's canonical form, not at the same params.
  const std::string reference =
      "|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|";
  const std::string twin =
      "|skip_connect~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|skip_connect~1|none~2|";
  nlohmann::json config = testing::TinyMainJobConfig("zoo-twins");
  const nb201::Skeleton skeleton{4, 1, 1, 8, 4};  // the tiny job's space
  const auto space = nb201::MakeSpace(skeleton);
  ASSERT_EQ(space->CanonicalHash(space->Parse(reference)),
            space->CanonicalHash(space->Parse(twin)));
  const double params = space->Cost(space->Parse(reference)).at("params");
  ASSERT_LT(params, space->Cost(space->Parse(twin)).at("params"));
  std::ofstream(dir_ / "twins.csv") << "arch\n" << twin << "\n";
  config["evaluator"]["kind"] = "blockwise";
  config["evaluator"]["blockwise"] = {{"teacher", {{"arch", "largest"}, {"epochs", 1}}},
                                      {"scoring", "on_demand"}};
  config["evaluator"]["training"]["epochs"] = 1;
  config["evaluator"].erase("latency_runs");
  config["objectives"] = {{{"metric", "block_loss"}, {"goal", "minimize"}}};
  config["constraints"] = nlohmann::json::array();
  config["strategy"] = {{"type", "listed"}, {"path", "twins.csv"}};
  config["final"]["epochs"] = 1;
  // The search evaluated only the twin; a budget only the reference fits.
  config["zoo"] = {{"metric", "params"},
                   {"budgets", {params}},
                   {"top", 1},
                   {"trial_epochs", 1},
                   {"references", {reference}}};
  const Result run = Sculpt("run " + WriteConfig("zoo-twins.json", config).string());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("trial of reference " + reference), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("trial of reference " + twin), std::string::npos) << run.out;
  const Result zoo =
      Sculpt("query " + (dir_ / "runs/zoo-twins.sqlite").string() + " --zoo --format csv");
  ASSERT_EQ(zoo.status, 0) << zoo.out;
  EXPECT_NE(zoo.out.find("reference,," + reference), std::string::npos) << zoo.out;
}

TEST_F(BlockwiseCliTest, TheFinalBlockDistilsFromATeacherAndRecordsWhichOne) {
  nlohmann::json config = TransformerJob("kd");
  config["budget"] = {{"evaluations", 4}};
  config["final"]["epochs"] = 2;
  config["final"]["distill"] = {{"teacher", "runs/teacher-best"}, {"temperature", 2}};
  const Result run = Sculpt("run " + WriteConfig("kd.json", config).string() + " --quiet");
  ASSERT_EQ(run.status, 0) << run.out;
  const fs::path db = dir_ / "runs/kd.sqlite";
  const std::string teacher = fs::absolute(dir_ / "runs/teacher-best").lexically_normal().string();
  // The retraining's record names the teacher (its folder, architecture and weights) and the
  // loss's settings; so does the export.
  auto recorded = [&db](const std::string& key) {
    return QueryValue(db, "SELECT json_extract(config, '$.training.distill." + key +
                              "') FROM training_runs WHERE kind = 'retrain'");
  };
  EXPECT_EQ(recorded("teacher"), teacher);
  EXPECT_EQ(std::stod(recorded("weight")), 0.5);
  EXPECT_EQ(std::stod(recorded("temperature")), 2.0);
  EXPECT_EQ(recorded("teacher_weights").size(), 16U) << recorded("teacher_weights");
  const nlohmann::json teacher_document =
      nlohmann::json::parse(std::ifstream(dir_ / "runs/teacher-best/architecture.json"));
  EXPECT_EQ(recorded("teacher_arch"), teacher_document["arch"].get<std::string>());
  const nlohmann::json exported =
      nlohmann::json::parse(std::ifstream(dir_ / "runs/kd-best/architecture.json"));
  EXPECT_EQ(exported["retrain"]["training"]["distill"]["teacher"], teacher);
  EXPECT_EQ(exported["retrain"]["training"]["distill"]["teacher_weights"],
            recorded("teacher_weights"));

  // `sculpt train` of the stored experiment, from another folder, distils from the same
  // teacher; the same architecture and seed on the labels alone (the teacher's own run, whose
  // final block has no teacher) trains another network.
  const std::string arch = exported["arch"];
  const Result again = Sculpt("train " + db.string() + " --arch '" + arch + "' --epochs 2 --quiet");
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_EQ(QueryValue(db, "SELECT count(*) FROM training_runs WHERE kind = 'retrain' AND "
                           "json_extract(config, '$.training.distill.teacher') = '" + teacher + "'"),
            "2");
  const fs::path plain_db = dir_ / "runs/teacher.sqlite";
  const Result plain =
      Sculpt("train " + plain_db.string() + " --arch '" + arch + "' --epochs 2 --quiet");
  ASSERT_EQ(plain.status, 0) << plain.out;
  auto train_loss = [&](const fs::path& from) {
    return std::stod(QueryValue(from, "SELECT json_extract(result, '$.train_loss') FROM "
                                      "training_runs WHERE kind = 'retrain' AND candidate_id IS "
                                      "NULL AND json_extract(config, '$.arch') = '" + arch +
                                      "' ORDER BY id DESC LIMIT 1"));
  };
  EXPECT_NE(train_loss(db), train_loss(plain_db));

  // A teacher that is not an export folder, or of images the data has not, and settings out of
  // range or misspelt are config errors, each named.
  const fs::path big = dir_ / "runs/kd-big-teacher";
  fs::create_directories(big);
  fs::copy_file(dir_ / "runs/teacher-best/model.pt", big / "model.pt",
                fs::copy_options::overwrite_existing);
  nlohmann::json big_document = teacher_document;
  big_document["skeleton"]["input_size"] = 16;
  std::ofstream(big / "architecture.json") << big_document.dump();
  const fs::path odd = dir_ / "runs/kd-odd-teacher";  // its normalisation is not numbers
  fs::create_directories(odd);
  fs::copy_file(dir_ / "runs/teacher-best/model.pt", odd / "model.pt",
                fs::copy_options::overwrite_existing);
  nlohmann::json odd_document = teacher_document;
  odd_document["input"]["mean"] = "bright";
  std::ofstream(odd / "architecture.json") << odd_document.dump();
  for (const auto& [distill, expected] :
       std::vector<std::pair<nlohmann::json, std::string>>{
           {{{"teacher", "runs/no-such-teacher"}}, "final.distill.teacher"},
           {{{"teacher", "runs/kd-big-teacher"}}, "final.distill.teacher"},
           {{{"teacher", "runs/kd-odd-teacher"}}, "is not two lists of numbers"},
           {{{"teacher", "runs/teacher-best"}, {"weight", 1.5}}, "final.distill.weight"},
           {{{"teacher", "runs/teacher-best"}, {"temprature", 2}}, "temperature"},
           {{{"weight", 0.5}}, "final.distill.teacher"}}) {
    nlohmann::json bad = config;
    bad["final"]["distill"] = distill;
    const Result refused = Sculpt("run " + WriteConfig("kd-bad.json", bad).string());
    EXPECT_EQ(refused.status, 2) << distill << "\n" << refused.out;
    EXPECT_NE(refused.out.find(expected), std::string::npos) << distill << "\n" << refused.out;
  }
}

}  // namespace
}  // namespace sculpt
