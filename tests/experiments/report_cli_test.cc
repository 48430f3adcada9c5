// `sculpt report`: the HTML report and the terminal summary of a database with several
// experiments (built through the store, with real nb201 cells whose accuracy favours one op),
// checked as data (every chart drew its marks, the front is the front, the choice shares favour
// what the best candidates have), as text, in headless Chromium (rendered, screenshot kept for a
// reviewer), and end to end after a real `sculpt run`.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "experiments/cli/cli.h"
#include "experiments/config/builtins.h"
#include "experiments/report/experiment_report.h"
#include "experiments/report/svg_chart.h"
#include "experiments/store/store.h"
#include "spaces/errors.h"
#include "tests/experiments/png_pixels.h"
#include "tests/experiments/run_sculpt.h"
#include "tests/experiments/tiny_main_job.h"
#include "tests/supernet/test_data.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// How many of a cell's edges are 3x3 convolutions: what the made-up accuracy rewards.
int Convs3x3(const std::string& arch) {
  int count = 0;
  for (std::size_t at = arch.find("nor_conv_3x3"); at != std::string::npos;
       at = arch.find("nor_conv_3x3", at + 1)) {
    ++count;
  }
  return count;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

// Each chart's kind and its data-marks count, in document order.
std::vector<std::pair<std::string, int>> Charts(const std::string& html) {
  static const std::regex kChart(
      R"re(data-chart="([a-z-]+)"><svg class="chart"[^>]*data-marks="([0-9]+)")re");
  std::vector<std::pair<std::string, int>> charts;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kChart);
       it != std::sregex_iterator(); ++it) {
    charts.emplace_back((*it)[1].str(), std::stoi((*it)[2].str()));
  }
  return charts;
}

// Three experiments in one database:
//   "evolution": 40 nb201 cells (10 random, then evolution), accuracy rising with the cell's
//                3x3 convolutions, params with them too; a supernet run and a retraining of the
//                best, which the summary names as the final block's candidate.
//   "two":       20 cells, two objectives (accuracy up, params down).
//   "empty":     a run that failed before evaluating anything.
class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("sculpt_report_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "runs.sqlite").string();
    const json space = {{"type", "nb201"}};
    const std::shared_ptr<const SearchSpace> nb201 = BuildSpace(space);
    auto store = ResultStore::Open(db_);
    Rng rng(11);
    auto records = [&](int count, int random_first) {
      std::vector<CandidateRecord> out;
      for (int step = 0; step < count; ++step) {
        const Architecture arch = nb201->Sample(rng);
        CandidateRecord r;
        r.step = step;
        r.arch_text = nb201->Format(arch);
        r.hash = static_cast<std::uint64_t>(step + 1) * 0x9E3779B97F4A7C15ULL;
        r.strategy = step < random_first ? "random" : "regularized_evolution";
        r.origin = step < random_first ? "random" : "mutation";
        const int convs = Convs3x3(r.arch_text);
        r.metrics = {{"accuracy", 0.6 + 0.05 * convs + 0.001 * (step % 7)},
                     {"params", 2e4 + 1.5e4 * convs + 100.0 * (step % 5)}};
        r.objective = r.metrics.at("accuracy");
        r.eval_seconds = 0.1;
        out.push_back(r);
      }
      return out;
    };

    const json evolution_config = {{"name", "evolution"}, {"space", space},
                                   {"evaluator", {{"type", "supernet"}}},
                                   {"objectives", {{{"metric", "accuracy"}, {"goal", "maximize"}}}}};
    evolution_ = store->CreateExperiment("evolution", evolution_config, "nb201",
                                         "regularized_evolution", {"accuracy", Goal::kMaximize}, 1);
    store->Writer(evolution_)->Write(records(40, 10));
    const std::int64_t supernet = store->BeginTrainingRun(evolution_, std::nullopt, "supernet", {});
    for (int epoch = 1; epoch <= 3; ++epoch) {
      store->RecordEpoch(supernet, epoch, {{"train_loss", 2.0 / epoch}, {"train_accuracy", 0.3 * epoch}});
    }
    store->FinishTrainingRun(supernet, "finished", {});
    const StoredCandidate best = store->Top(evolution_, 1).front();
    const std::int64_t retrain = store->BeginTrainingRun(evolution_, best.id, "retrain", {});
    for (int epoch = 1; epoch <= 3; ++epoch) {
      store->RecordEpoch(retrain, epoch, {{"train_loss", 1.0 / epoch}, {"valid_loss", 1.1 / epoch},
                                          {"train_accuracy", 0.25 * epoch}, {"valid_accuracy", 0.24 * epoch}});
    }
    store->FinishTrainingRun(retrain, "finished", {});
    store->FinishExperiment(evolution_, "finished",
                            {{"final", {{"candidate", best.id}, {"test_accuracy", 0.71}}}});
    chosen_ = best.id;

    const json two_config = {{"name", "two"}, {"space", space}, {"evaluator", {{"type", "supernet"}}},
                             {"objectives", {{{"metric", "accuracy"}, {"goal", "maximize"}},
                                             {{"metric", "params"}, {"goal", "minimize"}}}}};
    two_ = store->CreateExperiment("two", two_config, "nb201", "random", {"accuracy", Goal::kMaximize}, 2);
    store->Writer(two_)->Write(records(20, 20));
    store->FinishExperiment(two_, "finished", {});

    const std::int64_t empty = store->CreateExperiment(
        "empty", {{"name", "empty"}, {"space", space}}, "nb201", "random", {"accuracy", Goal::kMaximize}, 3);
    store->FinishExperiment(empty, "failed", {});
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static int Report(std::vector<std::string> args, std::string* out = nullptr) {
    std::ostringstream out_stream;
    std::ostringstream err;
    args.insert(args.begin(), db_);
    const int status = CallCommand(ReportCommand, "report", args, Streams{out_stream, err});
    if (out != nullptr) *out = out_stream.str() + err.str();
    return status;
  }

  static report::ExperimentReport Read(std::int64_t id) {
    const auto store = ResultStore::OpenReadOnly(db_);
    const std::shared_ptr<const SearchSpace> space = BuildSpace(json{{"type", "nb201"}});
    return report::ReadExperimentReport(*store, *store->FindExperiment(std::to_string(id)),
                                        space.get(), "");
  }

  static fs::path dir_;
  static std::string db_;
  static std::int64_t evolution_;
  static std::int64_t two_;
  static std::int64_t chosen_;
};

fs::path ReportTest::dir_;
std::string ReportTest::db_;
std::int64_t ReportTest::evolution_ = 0;
std::int64_t ReportTest::two_ = 0;
std::int64_t ReportTest::chosen_ = 0;

TEST_F(ReportTest, HtmlHasEveryChartWithItsDataAndNeedsNothingElse) {
  const fs::path html_path = dir_ / "report.html";
  std::string said;
  ASSERT_EQ(Report({"--out", html_path.string()}, &said), 0) << said;
  EXPECT_NE(said.find("3 experiments"), std::string::npos) << said;
  const std::string html = ReadFile(html_path);
  EXPECT_FALSE(fs::exists(html_path.string() + ".partial"));

  // The comparison first, then one section per experiment, oldest first.
  const std::size_t comparison = html.find("id=\"comparison\"");
  const std::size_t evolution = html.find("id=\"experiment-" + std::to_string(evolution_) + "\"");
  const std::size_t two = html.find("id=\"experiment-" + std::to_string(two_) + "\"");
  const std::size_t empty = html.find("<h2>Experiment 3: empty</h2>");
  ASSERT_NE(comparison, std::string::npos);
  ASSERT_NE(empty, std::string::npos);
  EXPECT_LT(comparison, evolution);
  // Side by side, each chosen model says why it was chosen (it need not be the best candidate).
  const std::string side_by_side = html.substr(comparison, evolution - comparison);
  EXPECT_NE(side_by_side.find("<th>why chosen</th>"), std::string::npos);
  EXPECT_NE(side_by_side.find("retrained and exported by the final block"), std::string::npos);
  EXPECT_LT(evolution, two);
  EXPECT_LT(two, empty);

  const std::vector<std::pair<std::string, int>> charts = Charts(html);
  std::map<std::string, int> kinds;
  for (const auto& [kind, marks] : charts) ++kinds[kind];
  EXPECT_EQ(kinds["comparison"], 1);  // accuracy, shared by the three
  EXPECT_EQ(kinds["trajectory"], 3);
  EXPECT_EQ(kinds["pareto"], 2);  // the empty run has no candidates to trade off
  EXPECT_EQ(kinds["training-loss"], 2);
  EXPECT_EQ(kinds["training-accuracy"], 2);
  EXPECT_EQ(kinds["choices"], 12);  // six edges in each of the two runs with candidates
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), charts.size());
  // Every chart of the experiments with candidates drew its data; the empty run's trajectory
  // says so.
  for (const auto& [kind, marks] : charts) {
    if (kind == "trajectory" && marks == 0) continue;
    EXPECT_GT(marks, 0) << kind;
  }
  const std::string empty_section = html.substr(empty);
  EXPECT_NE(empty_section.find("no data"), std::string::npos);
  EXPECT_NE(empty_section.find("No candidate was evaluated successfully"), std::string::npos);

  // The chosen model, ringed in its charts and highlighted in the top table.
  const std::string evolution_section = html.substr(evolution, two - evolution);
  EXPECT_EQ(Count(evolution_section, "class=\"chosen\""), 3);  // trajectory, trade-off, table row
  EXPECT_NE(evolution_section.find("chosen #" + std::to_string(chosen_)), std::string::npos);
  EXPECT_NE(evolution_section.find("retrained and exported by the final block"), std::string::npos);
  EXPECT_NE(evolution_section.find("retraining of candidate #" + std::to_string(chosen_)),
            std::string::npos);
  EXPECT_NE(evolution_section.find("&quot;objectives&quot;"), std::string::npos);  // the config
  EXPECT_NE(html.find("71.00%"), std::string::npos);  // the retrained test accuracy

  // Self-contained: no script, no stylesheet or image from anywhere.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(Count(html, "http"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST_F(ReportTest, ChoiceSharesFavourWhatTheBestCandidatesHave) {
  const report::ExperimentReport r = Read(evolution_);
  ASSERT_EQ(r.evaluated.size(), 40u);
  EXPECT_EQ(r.choice_top, 5u);  // a tenth of 40 is 4: at least 5
  double top_share = 0.0;
  double all_share = 0.0;
  std::map<std::string, double> per_decision;
  for (const report::ChoiceShare& share : r.choices) {
    per_decision[share.decision] += share.all;
    if (share.option == "nor_conv_3x3") {
      top_share += share.top;
      all_share += share.all;
    }
  }
  ASSERT_EQ(per_decision.size(), 6u);
  for (const auto& [decision, total] : per_decision) EXPECT_NEAR(total, 1.0, 1e-9) << decision;
  // Accuracy rises with every 3x3 convolution: the best five have more of them than all 40.
  EXPECT_GT(top_share, all_share + 0.5);
  // Without a space the report says why it has no shares.
  const auto store = ResultStore::OpenReadOnly(db_);
  const report::ExperimentReport bare = report::ReadExperimentReport(
      *store, *store->FindExperiment("evolution"), nullptr, "the space is gone");
  EXPECT_TRUE(bare.choices.empty());
  EXPECT_EQ(bare.choices_note, "the space is gone");
}

TEST_F(ReportTest, TheFrontIsExactlyTheUndominatedCandidates) {
  const report::ExperimentReport r = Read(two_);
  ASSERT_EQ(r.front_objectives.size(), 2u);
  EXPECT_EQ(r.front_objectives[1].metric, "params");
  ASSERT_FALSE(r.front.empty());
  auto dominates = [](const StoredCandidate& a, const StoredCandidate& b) {
    const double aa = a.metrics.at("accuracy"), ap = a.metrics.at("params");
    const double ba = b.metrics.at("accuracy"), bp = b.metrics.at("params");
    return aa >= ba && ap <= bp && (aa > ba || ap < bp);
  };
  std::set<std::int64_t> front;
  for (const StoredCandidate& c : r.front) front.insert(c.id);
  for (const StoredCandidate& c : r.evaluated) {
    const bool dominated = std::any_of(r.evaluated.begin(), r.evaluated.end(),
                                       [&](const StoredCandidate& o) { return dominates(o, c); });
    EXPECT_EQ(front.count(c.id) == 1, !dominated) << c.arch;
  }
  // A single-objective run shows its objective against params, and says it is not an objective.
  const report::ExperimentReport single = Read(evolution_);
  ASSERT_EQ(single.front_objectives.size(), 2u);
  EXPECT_EQ(single.front_objectives[1].metric, "params");
  ASSERT_TRUE(single.chosen.has_value());
  EXPECT_EQ(single.chosen->id, chosen_);
}

TEST_F(ReportTest, TextSummaryForTheTerminal) {
  std::string text;
  ASSERT_EQ(Report({"--text"}, &text), 0) << text;
  for (const std::string& expected : std::vector<std::string>{
           "Experiment 1 'evolution' (finished): nb201 space, regularized_evolution, supernet "
           "evaluator, max accuracy",
           "chosen: candidate #" + std::to_string(chosen_), "retrained: test_accuracy 71.00%",
           "best accuracy so far:", "after 40:",
           "Trade-off, params not an objective (accuracy against params)",
           "supernet training (run 1): 3 epochs, finished",
           "retraining of candidate #" + std::to_string(chosen_) + " (run 2)",
           "choices the top 5 favour", "=nor_conv_3x3", "Experiment 2 'two'",
           "max accuracy and min params", "Experiment 3 'empty' (failed)",
           "no candidate was evaluated successfully"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  // A front of more than 5 is sampled, and the line says so.
  std::smatch front;
  ASSERT_TRUE(std::regex_search(text, front,
                                std::regex(R"(against params\): ([0-9]+) candidates([^;]*);)")))
      << text;
  EXPECT_EQ(std::stoi(front[1].str()) > 5, front[2].str() == " (5 shown, evenly spaced in params)")
      << front[0].str();
  // The side-by-side table comes first, one row per experiment.
  EXPECT_LT(text.find("evaluations"), text.find("Experiment 1 'evolution'"));

  std::string two_only;
  ASSERT_EQ(Report({"--text", "--experiment", "two,1"}, &two_only), 0) << two_only;
  EXPECT_LT(two_only.find("Experiment 2 'two'"), two_only.find("Experiment 1 'evolution'"));
  EXPECT_EQ(two_only.find("'empty'"), std::string::npos);
}

TEST_F(ReportTest, BadRequestsAreUsageErrorsAndWriteNothing) {
  std::string said;
  EXPECT_EQ(Report({}, &said), 2);
  EXPECT_NE(said.find("--out FILE.html"), std::string::npos) << said;
  EXPECT_EQ(Report({"--text", "--experiment", "nope"}, &said), 2);
  EXPECT_NE(said.find("no experiment 'nope'"), std::string::npos) << said;
  EXPECT_EQ(Report({"--text", "--experiment", "evolutoin"}, &said), 2);
  EXPECT_NE(said.find("; did you mean 'evolution'?"), std::string::npos) << said;
  EXPECT_EQ(Report({"--text", "--experiment", "1,"}, &said), 2);
  EXPECT_EQ(Report({"--out", dir_.string()}, &said), 2);
  EXPECT_NE(said.find("is a folder"), std::string::npos) << said;
  EXPECT_EQ(Report({"--out", (dir_ / "no" / "such" / "r.html").string()}, &said), 1);
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  // Never over a database: the one it reads (by another name too), or any other.
  const auto db_bytes = fs::file_size(db_);
  EXPECT_EQ(Report({"--out", db_}, &said), 2);
  EXPECT_NE(said.find("the file this command reads"), std::string::npos) << said;
  EXPECT_EQ(Report({"--out", (dir_ / "." / fs::path(db_).filename()).string()}, &said), 2);
  fs::copy_file(db_, dir_ / "other.sqlite", fs::copy_options::overwrite_existing);
  EXPECT_EQ(Report({"--out", (dir_ / "other.sqlite").string()}, &said), 2);
  EXPECT_NE(said.find("is an SQLite database"), std::string::npos) << said;
  EXPECT_EQ(fs::file_size(db_), db_bytes);
  EXPECT_EQ(fs::file_size(dir_ / "other.sqlite"), db_bytes);
  // Nor over a file of the user's (a config named by mistake); an earlier report is replaced.
  const fs::path config = dir_ / "config.json";
  { std::ofstream(config) << "{\"space\": {}}\n"; }
  EXPECT_EQ(Report({"--out", config.string()}, &said), 2);
  EXPECT_NE(said.find("exists and is not an earlier Sculpt report"), std::string::npos) << said;
  EXPECT_EQ(testing::ReadText(config), "{\"space\": {}}\n");
  const fs::path earlier = dir_ / "earlier.html";
  ASSERT_EQ(Report({"--out", earlier.string()}, &said), 0) << said;
  EXPECT_EQ(Report({"--out", earlier.string()}, &said), 0) << said;
  const fs::path missing = dir_ / "missing.sqlite";
  std::ostringstream out, err;
  EXPECT_EQ(CallCommand(ReportCommand, "report", {missing.string(), "--text"}, Streams{out, err}), 2);
  EXPECT_FALSE(fs::exists(missing));
}

// Opens the report in headless Chromium as a person would: the browser's DOM holds every chart,
// and a full-page screenshot (kept in the build tree for a reviewer) shows the charts' colours.
TEST_F(ReportTest, ChromiumRendersEveryChart) {
  const std::string chromium = testing::RunCommand("command -v chromium").out;
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium is not installed (scripts/test.sh installs Debian's): the report "
                    "was not opened in a browser";
  }
  const fs::path html_path = dir_ / "chromium.html";
  ASSERT_EQ(Report({"--out", html_path.string()}), 0);
  const std::string flags = "chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars "
                            "--user-data-dir=" + (dir_ / "profile").string() + " ";
  const testing::SculptResult dom =
      testing::RunCommand(flags + "--dump-dom file://" + html_path.string() + " 2>/dev/null");
  ASSERT_EQ(dom.status, 0) << dom.out;
  const std::string html = ReadFile(html_path);
  EXPECT_EQ(Count(dom.out, "<svg class=\"chart\""), Count(html, "<svg class=\"chart\""));
  EXPECT_EQ(Count(dom.out, "class=\"mark\""), Count(html, "class=\"mark\""));
  EXPECT_GT(Count(dom.out, "class=\"mark\""), 200u);

  const fs::path png = fs::path(SCULPT_BUILD_DIR) / "tests" / "report-screenshot.png";
  fs::remove(png);
  const testing::SculptResult shot = testing::RunCommand(
      flags + "--window-size=1280,5200 --screenshot=" + png.string() + " file://" + html_path.string());
  ASSERT_EQ(shot.status, 0) << shot.out;
  const testing::RgbImage image = testing::ReadPng(png.string());
  EXPECT_EQ(image.width, 1280);
  EXPECT_EQ(image.height, 5200);
  // The palette's first colour (#4e79a7: dots, bars, lines) and the chosen model's red ring.
  auto pixels_near = [&](int r, int g, int b) {
    int count = 0;
    for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3) {
      count += std::abs(image.rgb[i] - r) + std::abs(image.rgb[i + 1] - g) +
                       std::abs(image.rgb[i + 2] - b) < 30
                   ? 1
                   : 0;
    }
    return count;
  };
  EXPECT_GT(pixels_near(0x4e, 0x79, 0xa7), 2000);
  EXPECT_GT(pixels_near(0xd6, 0x27, 0x28), 30);
  std::cout << "screenshot of the report: " << png.string() << "\n";
}

// After a real `sculpt run` (supernet, search, retraining), the report has its curves.
TEST(ReportCliTest, ReportsARealRun) {
  const fs::path dir = fs::temp_directory_path() / ("sculpt_report_run_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  testing::WriteIdxDataset(dir / "data", 320, 64, 8, 4);
  std::ofstream(dir / "main.json") << testing::TinyMainJobConfig("main").dump(2);
  const testing::SculptResult run =
      testing::RunCommand("cd " + dir.string() + " && " + SCULPT_BINARY + " run main.json --quiet");
  ASSERT_EQ(run.status, 0) << run.out;
  const std::string db = (dir / "runs" / "main.sqlite").string();
  const testing::SculptResult text = testing::Sculpt("report " + db + " --text");
  ASSERT_EQ(text.status, 0) << text.out;
  EXPECT_NE(text.out.find("supernet training (run 1): 2 epochs, finished"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("retrained and exported by the final block"), std::string::npos) << text.out;
  const testing::SculptResult html =
      testing::Sculpt("report " + db + " -o " + (dir / "r.html").string());
  ASSERT_EQ(html.status, 0) << html.out;
  for (const auto& [kind, marks] : Charts(ReadFile(dir / "r.html"))) EXPECT_GT(marks, 0) << kind;
  fs::remove_all(dir);
}

TEST(SvgChartTest, ALineOfOnePointIsDrawnAsADot) {
  // A training of one epoch: a polyline of one point would draw nothing.
  report::XyChart chart;
  chart.title = "one epoch";
  chart.series.push_back({"loss", report::SeriesStyle::kLine, 0, {{1.0, 0.5}}});
  const std::string one = report::XySvg(chart);
  EXPECT_EQ(one.find("<polyline"), std::string::npos) << one;
  EXPECT_NE(one.find("<circle class=\"mark\""), std::string::npos) << one;
  chart.series[0].points.push_back({2.0, 0.4});
  const std::string two = report::XySvg(chart);
  EXPECT_NE(two.find("<polyline"), std::string::npos) << two;
}

}  // namespace
}  // namespace sculpt
