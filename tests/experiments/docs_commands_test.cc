// Docs that run: every command in the ```sh blocks of README.md and docs/*.md is run, from a
// scratch folder laid out as a fresh clone is after scripts/setup.sh (build/, docs/,
// experiments/*.json, and the database and export the quickstart wrote), with each config's
// budgets cut to seconds and its data replaced by a small generated data set of Fashion-MNIST's
// shape.
//
// The docs' conventions, which this test defines:
//  - Placeholders are upper-case words: DB (a database a run wrote), ID (a candidate id), RUN (a
//    training run id), STRING (an architecture's string form), ID|NAME (an experiment), CONFIG
//    (a config file), PATH, DIR, FILE, COMMAND, and the numbers N, E, K, R, S, T. They get real
//    values here. `[optional parts]` are kept (so they are run too); `a|b|c` runs each one.
//  - A command that needs what a fresh clone lacks (../shared, a long time) says so in a
//    trailing `# needs: ...` comment and is not run.
//  - Fashion-MNIST's folder (/usr/share/datasets/fashion-mnist) means the generated data, and
//    /tmp/ a folder of the scratch folder. build/ is this build tree and docs/ the source's.
//  - scripts/setup.sh and scripts/test.sh are not run here: they install packages and build, and
//    CI runs scripts/test.sh itself.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/experiments/run_sculpt.h"
#include "tests/supernet/test_data.h"

namespace sculpt {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::SculptResult;

struct DocCommand {
  std::string where;  // file:line
  std::string text;   // without its comment
  std::string needs;  // from "# needs: ..."; empty when it must run
};

std::string Trim(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Splits `line` into the command and its trailing comment (a '#' after a blank, outside quotes).
std::pair<std::string, std::string> SplitComment(const std::string& line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ')) {
      return {Trim(line.substr(0, i)), Trim(line.substr(i + 1))};
    }
  }
  return {Trim(line), ""};
}

std::vector<DocCommand> ExtractCommands(const fs::path& root, const std::string& relative) {
  std::ifstream file(root / relative);
  std::vector<DocCommand> commands;
  std::string line;
  bool in_block = false;
  for (int number = 1; std::getline(file, line); ++number) {
    if (!in_block) {
      in_block = line.rfind("```sh", 0) == 0 || line.rfind("```bash", 0) == 0;
      continue;
    }
    if (line.rfind("```", 0) == 0) {
      in_block = false;
      continue;
    }
    const int first_line = number;
    while (!line.empty() && line.back() == '\\') {  // continued on the next line
      std::string next;
      if (!std::getline(file, next)) break;
      ++number;
      line = line.substr(0, line.size() - 1) + " " + Trim(next);
    }
    auto [text, comment] = SplitComment(line);
    if (text.empty()) continue;
    DocCommand command{relative + ":" + std::to_string(first_line), text, ""};
    if (comment.rfind("needs:", 0) == 0) command.needs = Trim(comment.substr(6));
    commands.push_back(command);
  }
  return commands;
}

// What the placeholders stand for.
struct Values {
  std::string db, candidate, run, arch, experiment;
};

// Replaces placeholders and brackets outside quotes.
std::string Substitute(const std::string& command, const Values& v) {
  // A placeholder is a whole word: after a blank, '[' or '|' (or at the start), before a blank,
  // ']' or '|' (or at the end); so `cmake -S` or CMAKE_PREFIX_PATH are left alone.
  auto word = [](const std::string& name) {
    return std::regex("(^|[ \\[|])" + name + "(?=$|[ \\]|])");
  };
  const std::vector<std::pair<std::regex, std::string>> rules = {
      {word(R"(ID\|NAME)"), v.experiment},
      {word("(?:DB|PATH)"), v.db},
      {word("ID"), v.candidate},
      {word("RUN"), v.run},
      {word("STRING"), "'" + v.arch + "'"},
      {word("CONFIG"), "experiments/quickstart.json"},
      {word("COMMAND"), "run"},
      {word("DIR"), "out-dir"},
      {word("FILE"), "out-file.json"},
      {word("[NK]"), "2"},
      {word("[ERST]"), "1"},
  };
  // Each match keeps what preceded the word (group 1) and swaps the word for its value.
  auto replace = [](const std::string& text, const std::regex& pattern, const std::string& value) {
    std::string out;
    std::size_t done = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
         it != std::sregex_iterator(); ++it) {
      out += text.substr(done, it->position() - done) + (*it)[1].str() + value;
      done = it->position() + it->length();
    }
    return out + text.substr(done);
  };
  std::string out, plain;
  auto flush = [&] {
    for (const auto& [pattern, value] : rules) plain = replace(plain, pattern, value);
    out += std::regex_replace(plain, std::regex(R"([\[\]])"), "");
    plain.clear();
  };
  char quote = 0;
  for (const char c : command) {
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      flush();
      out += c;
      quote = c;
    } else {
      plain += c;
    }
  }
  flush();
  if (out.rfind("sculpt ", 0) == 0) out = "build/" + out;  // the installed name
  return out;
}

// `a|b|c` outside quotes: one command per alternative.
std::vector<std::string> Alternatives(const std::string& command) {
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= command.size(); ++i) {
    const char c = i < command.size() ? command[i] : ' ';
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ' ') {
      const std::string word = command.substr(start, i - start);
      // A word with a quoted part is an argument (an architecture string), not alternatives.
      if (word.find('|') != std::string::npos && word.find_first_of("'\"") == std::string::npos) {
        std::vector<std::string> out;
        std::stringstream choices(word);
        for (std::string choice; std::getline(choices, choice, '|');) {
          for (const std::string& rest :
               Alternatives(command.substr(0, start) + choice + command.substr(i))) {
            out.push_back(rest);
          }
        }
        return out;
      }
      start = i + 1;
    }
  }
  return {command};
}

// The configs as a user's clone has them, with budgets of seconds and the generated data.
void WriteShrunkConfigs(const fs::path& source, const fs::path& target, const fs::path& data) {
  fs::create_directories(target);
  auto shrink_dataset = [&](nlohmann::json& dataset) {
    dataset["path"] = data.string();
    dataset["validation_size"] = 64;
    dataset.erase("train_size");
  };
  for (const auto& entry : fs::directory_iterator(source)) {
    if (entry.path().extension() != ".json") continue;
    nlohmann::json config = nlohmann::json::parse(std::ifstream(entry.path()));
    nlohmann::json& evaluator = config["evaluator"];
    if (evaluator.contains("dataset")) {
      shrink_dataset(evaluator["dataset"]);
      evaluator["training"]["epochs"] = 1;
      evaluator["training"].erase("warmup_epochs");
      // Shrinking may begin no later than the last epoch.
      if (evaluator.contains("blockwise") && evaluator["blockwise"].contains("shrink")) {
        evaluator["blockwise"]["shrink"].erase("warmup_epochs");
      }
      for (const char* key : {"eval_images", "valid_images"}) {
        if (evaluator.contains(key)) evaluator[key] = 32;
      }
      if (evaluator.contains("latency_runs")) evaluator["latency_runs"] = 1;
    }
    if (evaluator.value("type", "") == "prune") {
      // Pruning strategies finish by themselves after a few cheap evaluations; and with 64
      // validation images every drop is a multiple of 1.6 points, which a max_drop of a point
      // would refuse for every mask.
      config["strategy"].erase("max_drop");
    } else {
      config["budget"] = {{"evaluations", 4}};
    }
    if (config.contains("final")) {
      config["final"]["epochs"] = 1;
      config["final"].erase("warmup_epochs");
      if (config["final"].contains("dataset")) shrink_dataset(config["final"]["dataset"]);
    }
    std::ofstream(target / entry.path().filename()) << config.dump(2);
  }
}

std::string Scalar(const fs::path& scratch, const std::string& db, const std::string& sql) {
  const SculptResult result = RunCommand("cd '" + scratch.string() + "' && build/sculpt query " +
                                         db + " -f csv --sql \"" + sql + "\"");
  EXPECT_EQ(result.status, 0) << result.out;
  std::stringstream lines(result.out);
  std::string header, value;
  std::getline(lines, header);
  std::getline(lines, value);
  return Trim(value);
}

TEST(DocsCommandsTest, EveryCommandInTheReadmeAndDocsRuns) {
  const fs::path source = SCULPT_SOURCE_DIR;
  const fs::path scratch = testing::TempDir("docs");
  fs::create_directory_symlink(SCULPT_BUILD_DIR, scratch / "build");
  fs::create_directory_symlink(source / "docs", scratch / "docs");
  testing::WriteIdxDataset(scratch / "data", 256, 64, 28, 10);
  WriteShrunkConfigs(source / "experiments", scratch / "experiments", scratch / "data");

  // What scripts/setup.sh leaves behind: the quickstart's database and export.
  const SculptResult setup =
      RunCommand("cd '" + scratch.string() + "' && build/sculpt run experiments/quickstart.json -q");
  ASSERT_EQ(setup.status, 0) << setup.out;
  Values values;
  values.db = "experiments/runs/quickstart.sqlite";
  values.experiment = "quickstart";
  values.candidate = Scalar(scratch, values.db,
                            "SELECT id FROM candidates WHERE status = 'ok' AND repeat_of_step IS "
                            "NULL ORDER BY objective DESC LIMIT 1");
  values.arch = Scalar(scratch, values.db,
                       "SELECT arch FROM candidates WHERE id = " + values.candidate);
  values.run = Scalar(scratch, values.db,
                      "SELECT id FROM training_runs WHERE kind = 'retrain' LIMIT 1");

  std::vector<std::string> files = {"README.md"};
  for (const auto& entry : fs::directory_iterator(source / "docs")) {
    if (entry.path().extension() == ".md") files.push_back("docs/" + entry.path().filename().string());
  }
  std::sort(files.begin() + 1, files.end());
  int ran = 0, skipped = 0;
  for (const std::string& file : files) {
    for (const DocCommand& command : ExtractCommands(source, file)) {
      if (command.text.rfind("scripts/", 0) == 0 || !command.needs.empty()) {
        ++skipped;
        continue;
      }
      std::string text = Substitute(command.text, values);
      // /tmp/ first: the scratch folder itself may be under /tmp.
      text = std::regex_replace(text, std::regex("/tmp/"), (scratch / "tmp").string() + "/");
      text = std::regex_replace(text, std::regex("/usr/share/datasets/fashion-mnist"),
                                (scratch / "data").string());
      for (const std::string& run : Alternatives(text)) {
        const SculptResult result = RunCommand("cd '" + scratch.string() + "' && " + run);
        EXPECT_EQ(result.status, 0) << command.where << ": " << command.text << "\nran: " << run
                                    << "\n" << result.out;
        ++ran;
      }
    }
  }
  // The README alone has more than this; a broken extraction must not pass quietly.
  EXPECT_GE(ran, 25);
  EXPECT_GE(skipped, 2);
  fs::remove_all(scratch);
}

// The conventions themselves.
TEST(DocsCommandsTest, PlaceholdersBracketsAlternativesAndComments) {
  const Values values{"x.sqlite", "7", "3", "d8|h1:f8", "quickstart"};
  EXPECT_EQ(Substitute("build/sculpt train DB --candidate ID [--epochs E]", values),
            "build/sculpt train x.sqlite --candidate 7 --epochs 1");
  EXPECT_EQ(Substitute("sculpt train DB --arch STRING [-e ID|NAME]", values),
            "build/sculpt train x.sqlite --arch 'd8|h1:f8' -e quickstart");
  EXPECT_EQ(Substitute("build/sculpt query DB --sql \"SELECT ID FROM t\"", values),
            "build/sculpt query x.sqlite --sql \"SELECT ID FROM t\"");
  EXPECT_EQ(Alternatives("list spaces|strategies --x"),
            (std::vector<std::string>{"list spaces --x", "list strategies --x"}));
  EXPECT_EQ(Alternatives("train --arch 'd8|h1:f8'"),
            (std::vector<std::string>{"train --arch 'd8|h1:f8'"}));
  EXPECT_EQ(Substitute("cmake -S docs -DCMAKE_PREFIX_PATH=/x [--runs R]", values),
            "cmake -S docs -DCMAKE_PREFIX_PATH=/x --runs 1");
  EXPECT_EQ(SplitComment("run x.json  # needs: ../shared"),
            (std::pair<std::string, std::string>{"run x.json", "needs: ../shared"}));
  EXPECT_EQ(SplitComment("query --sql \"a # b\""),
            (std::pair<std::string, std::string>{"query --sql \"a # b\"", ""}));
}

}  // namespace
}  // namespace sculpt
