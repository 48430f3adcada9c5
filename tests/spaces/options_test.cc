// Options: validation messages, unknown keys, the canonical config and nested paths.

#include "spaces/options.h"

#include <gtest/gtest.h>

#include "spaces/did_you_mean.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sculpt {
namespace {

using nlohmann::json;

TEST(OptionsTest, IntRangeErrorsNameThePathAndTheRange) {
  const json block = json::parse(R"({"population": -3, "sample": 500, "budget": 1e6,
                                     "steps": 2.5})");
  ConfigErrors errors;
  Options options(block, "strategy", errors, nullptr);
  EXPECT_EQ(options.Int("population", 10, 2), 10);  // the fallback after an error
  EXPECT_EQ(options.Int("sample", 5, 2, 100), 5);
  EXPECT_EQ(options.Int("budget", 1, 1), 1000000);  // floats with an integer value are fine
  EXPECT_EQ(options.OptionalInt("steps"), std::nullopt);
  EXPECT_EQ(options.Int("absent", 7, 0, 9), 7);
  EXPECT_EQ(errors.Messages(),
            std::vector<std::string>({"strategy.population: expected an integer >= 2, got -3",
                                      "strategy.sample: expected an integer in [2, 100], got 500",
                                      "strategy.steps: expected an integer, got 2.5"}));
}

TEST(OptionsTest, IntListsCheckEveryElement) {
  const json block = json::parse(R"({"dims": [64, 96], "heads": [0, -1, 2], "ffn": 128,
                                     "mixed": [1, 2.5], "huge": [18446744073709551615],
                                     "empty": []})");
  ConfigErrors errors;
  json canonical;
  Options options(block, "space", errors, &canonical);
  EXPECT_EQ(options.Ints("dims", {1}, 1), std::vector<std::int64_t>({64, 96}));
  EXPECT_EQ(options.Ints("heads", {0, 4}, 0, 16), std::vector<std::int64_t>({0, 4}));
  EXPECT_EQ(options.Ints("ffn", {7}), std::vector<std::int64_t>({7}));
  EXPECT_EQ(options.Ints("mixed", {3}), std::vector<std::int64_t>({3}));
  EXPECT_EQ(options.Ints("huge", {5}), std::vector<std::int64_t>({5}));
  EXPECT_EQ(options.Ints("empty", {5}), std::vector<std::int64_t>());
  EXPECT_EQ(options.Ints("absent", {1, 2}), std::vector<std::int64_t>({1, 2}));
  options.Finish();
  EXPECT_EQ(errors.Messages(),
            std::vector<std::string>(
                {"space.heads[1]: expected an integer in [0, 16], got -1",
                 "space.ffn: expected a list of integers, got 128",
                 "space.mixed[1]: expected an integer, got 2.5",
                 "space.huge[0]: expected an integer, got 18446744073709551615"}));
  // Lists read and defaults are in the canonical config; rejected ones are not.
  EXPECT_EQ(canonical["dims"], json::parse("[64, 96]"));
  EXPECT_EQ(canonical["absent"], json::parse("[1, 2]"));
  EXPECT_EQ(canonical["empty"], json::array());
  EXPECT_FALSE(canonical.contains("heads"));
}

TEST(OptionsTest, UnknownKeysGetADidYouMean) {
  const json block = json::parse(R"({"populaton": 5, "type": "random", "zzz": 1})");
  ConfigErrors errors;
  Options options(block, "strategy", errors, nullptr);
  options.Int("population", 10, 2);
  options.String("type", "random");
  options.Finish();
  EXPECT_EQ(errors.Messages(),
            std::vector<std::string>(
                {"strategy.populaton: unknown key; did you mean 'population'? (allowed: "
                 "population, type)",
                 "strategy.zzz: unknown key (allowed: population, type)"}));
  try {
    errors.ThrowIfAny();
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("2 errors in the config:\n  strategy.populaton", 0), 0u)
        << e.what();
    EXPECT_EQ(e.Messages().size(), 2u);
  }
}

TEST(OptionsTest, StringChoicesAndTypes) {
  const json block = json::parse(R"({"mode": "maximise", "flag": 1, "names": ["a", 2]})");
  ConfigErrors errors;
  Options options(block, "", errors, nullptr);
  EXPECT_EQ(options.String("mode", "max", {"max", "min"}), "max");
  EXPECT_TRUE(options.Bool("flag", true));
  EXPECT_EQ(options.Strings("names", {"x"}), std::vector<std::string>({"x"}));
  EXPECT_EQ(options.RequiredString("metric"), "");
  ASSERT_EQ(errors.Messages().size(), 4u);
  EXPECT_EQ(errors.Messages()[0], "mode: expected one of 'max', 'min', got 'maximise'");
  EXPECT_EQ(errors.Messages()[1], "flag: expected true or false, got 1");
  EXPECT_EQ(errors.Messages()[2],
            "names: expected a string or a list of strings, got a list [\"a\",2]");
  EXPECT_EQ(errors.Messages()[3], "metric: missing");
}

TEST(OptionsTest, NumbersTakeOneNumberOrAListAndNameTheBadElement) {
  const json block = json::parse(
      R"({"one": 0.5, "some": [0.25, 1], "bad": [0.5, "x"], "high": [0.5, 3], "none": []})");
  ConfigErrors errors;
  json canonical;
  Options options(block, "", errors, &canonical);
  EXPECT_EQ(options.Numbers("one", {1.0}), std::vector<double>({0.5}));
  EXPECT_EQ(options.Numbers("some", {1.0}), std::vector<double>({0.25, 1.0}));
  EXPECT_EQ(options.Numbers("bad", {1.0}), std::vector<double>({1.0}));
  EXPECT_EQ(options.Numbers("high", {1.0}, 0, 1), std::vector<double>({1.0}));
  EXPECT_EQ(options.Numbers("none", {1.0}), std::vector<double>({1.0}));
  EXPECT_EQ(options.Numbers("absent", {0.5}), std::vector<double>({0.5}));
  ASSERT_EQ(errors.Messages().size(), 3u);
  EXPECT_EQ(errors.Messages()[0], "bad[1]: expected a number, got the string \"x\"");
  EXPECT_EQ(errors.Messages()[1], "high[1]: expected a number in [0, 1], got 3");
  EXPECT_EQ(errors.Messages()[2],
            "none: expected a number or a non-empty list of numbers, got a list []");
  // A single default is written as the number, as Number writes it.
  EXPECT_EQ(canonical["absent"], json(0.5));
  EXPECT_EQ(canonical["some"], json::parse("[0.25, 1]"));
}

TEST(OptionsTest, RecordedFactsGoToTheCanonicalFormAndAreAcceptedBack) {
  const json stored = json::parse(R"({"model": "m", "trained_model": {"weights": "old"}})");
  ConfigErrors errors;
  json canonical;
  Options options(stored, "", errors, &canonical);
  options.String("model", "");
  options.Record("trained_model", {{"weights", "new"}});
  options.Finish();
  EXPECT_TRUE(errors.Empty());
  EXPECT_EQ(canonical["trained_model"]["weights"], "new");
}

TEST(OptionsTest, CanonicalConfigHasEveryValueWithDefaultsFilled) {
  const json root = json::parse(R"({"seed": 3, "space": {"type": "nb201"},
                                    "constraints": [{"metric": "params"}]})");
  ConfigErrors errors;
  json canonical;
  Options options(root, "", errors, &canonical);
  options.Int("seed", 0);
  options.Int("budget", 100, 1);
  Options space = options.Child("space");
  space.String("type", "");
  space.Int("channels", 16, 1);
  for (Options& constraint : options.Children("constraints")) {
    constraint.String("metric", "");
    constraint.Number("max", 1e6);
  }
  options.Child("strategy").String("type", "random");
  options.Finish();
  EXPECT_TRUE(errors.Empty());
  EXPECT_EQ(canonical, json::parse(R"({"seed": 3, "budget": 100,
      "space": {"type": "nb201", "channels": 16},
      "constraints": [{"metric": "params", "max": 1000000.0}],
      "strategy": {"type": "random"}})"));
}

TEST(OptionsTest, ChildrenPathsIndexTheList) {
  const json root = json::parse(R"({"constraints": [{"max": 1}, {"max": -5}], "space": 3,
                                    "list": {"a": 1}})");
  ConfigErrors errors;
  Options options(root, "", errors, nullptr);
  std::vector<Options> constraints = options.Children("constraints");
  ASSERT_EQ(constraints.size(), 2u);
  EXPECT_EQ(constraints[1].Path(), "constraints[1]");
  EXPECT_EQ(constraints[1].PathOf("max"), "constraints[1].max");
  for (Options& c : constraints) c.Int("max", 0, 0);
  options.Child("space");
  EXPECT_TRUE(options.Children("list").empty());
  EXPECT_EQ(errors.Messages(), std::vector<std::string>(
                                   {"constraints[1].max: expected an integer >= 0, got -5",
                                    "space: expected an object, got 3",
                                    "list: expected a list of objects, got an object {\"a\":1}"}));
}

TEST(OptionsTest, AliasesAndPluralsGetASuggestion) {
  const json block = json::parse(R"({"lr": 0.1, "goal": "min", "wd": 1e-4, "Epoch": 3})");
  ConfigErrors errors;
  Options options(block, "training", errors, nullptr);
  options.Number("learning_rate", 0.05);
  options.Number("weight_decay", 5e-4);
  options.Int("epochs", 10);
  options.String("goal", "maximize", {"maximize", "minimize"});
  options.Finish();
  EXPECT_EQ(errors.Messages(),
            std::vector<std::string>(
                {"training.goal: expected one of 'maximize', 'minimize', got 'min'; did you "
                 "mean 'minimize'?",
                 "training.Epoch: unknown key; did you mean 'epochs'? (allowed: epochs, goal, "
                 "learning_rate, weight_decay)",
                 "training.lr: unknown key; did you mean 'learning_rate'? (allowed: epochs, "
                 "goal, learning_rate, weight_decay)",
                 "training.wd: unknown key; did you mean 'weight_decay'? (allowed: epochs, goal, "
                 "learning_rate, weight_decay)"}));
  // An alias is suggested only where its target is allowed.
  EXPECT_EQ(DidYouMean("lr", {"seed", "steps"}), "");
  EXPECT_EQ(DidYouMean("MAX", {"maximize", "minimize"}), "maximize");
  EXPECT_EQ(DidYouMean("space", {"spaces", "strategies"}), "spaces");
  EXPECT_EQ(DidYouMean("strategy", {"spaces", "strategies"}), "strategies");
  EXPECT_EQ(DidYouMean("quer", {"run", "query", "export"}), "query");
}

TEST(OptionsTest, MessagesAreEscapedAndCut) {
  ConfigErrors errors;
  const std::string binary = std::string("head\0\x01\xff", 7) + "caf\xc3\xa9" + "\n" +
                             std::string(2000, 'x');
  errors.Add("evaluator.path", "no column 'arch' in " + binary);
  ASSERT_EQ(errors.Messages().size(), 1u);
  const std::string& message = errors.Messages()[0];
  EXPECT_EQ(message.rfind("evaluator.path: no column 'arch' in head\\x00\\x01\\xffcaf\xc3\xa9\\x0a",
                          0),
            0u)
      << message;  // valid UTF-8 is kept, everything else escaped
  EXPECT_LT(message.size(), 560u);
  EXPECT_NE(message.find("... ("), std::string::npos);
  EXPECT_NE(message.find(" more bytes)"), std::string::npos);
  ConfigErrors short_errors;
  short_errors.Add("", "plain message");
  EXPECT_EQ(short_errors.Messages()[0], "plain message");
}


// Documentation mode: every getter notes its key, kind, default and bounds; Describe adds the
// meaning, before or after the read; children note their keys under the parent's.
TEST(OptionsCatalogTest, NotesEveryKeyReadWithItsKindDefaultAndMeaning) {
  const nlohmann::json node = {{"population", 20}};
  ConfigErrors errors;
  nlohmann::json canonical;
  Options options(node, "", errors, &canonical);
  OptionCatalog catalog;
  options.Document(&catalog);
  options.Describe("rate", "how fast");
  EXPECT_EQ(options.Int("population", 10, 2, 100), 20);
  options.Describe("population", "how many");
  options.Number("rate", 0.5, 0.0, 1.0);
  options.OptionalNumber("limit");
  options.String("mode", "fast", {"fast", "slow"});
  Options child = options.Child("inner");
  child.Bool("flag", true);
  child.Describe("flag", "a switch");
  options.Int("population", 99);  // read again: the first note stays

  const std::vector<OptionDoc>& docs = catalog.Entries();
  ASSERT_EQ(docs.size(), 6u);
  EXPECT_EQ(docs[0].key, "rate");
  EXPECT_EQ(docs[0].kind, "a number");
  EXPECT_EQ(docs[0].allowed, "in [0, 1]");
  EXPECT_EQ(docs[0].fallback, 0.5);
  EXPECT_EQ(docs[0].meaning, "how fast");
  EXPECT_EQ(docs[1].key, "population");
  EXPECT_EQ(docs[1].kind, "an integer");
  EXPECT_EQ(docs[1].allowed, "in [2, 100]");
  EXPECT_EQ(docs[1].fallback, 10);
  EXPECT_EQ(docs[1].meaning, "how many");
  EXPECT_EQ(docs[2].key, "limit");
  EXPECT_TRUE(docs[2].fallback.is_null());
  EXPECT_EQ(docs[2].allowed, "");
  EXPECT_EQ(docs[3].allowed, "'fast', 'slow'");
  EXPECT_EQ(docs[4].key, "inner");
  EXPECT_EQ(docs[5].key, "inner.flag");
  EXPECT_EQ(docs[5].kind, "true or false");
  EXPECT_EQ(docs[5].meaning, "a switch");
  EXPECT_TRUE(errors.Empty());
}

// Without a catalog nothing is noted and Describe is harmless.
TEST(OptionsCatalogTest, DescribeWithoutACatalogDoesNothing) {
  const nlohmann::json node = nlohmann::json::object();
  ConfigErrors errors;
  Options options(node, "strategy", errors, nullptr);
  options.Describe("population", "how many");
  EXPECT_EQ(options.Int("population", 10), 10);
  options.Finish();
  EXPECT_TRUE(errors.Empty());
}
}  // namespace
}  // namespace sculpt
