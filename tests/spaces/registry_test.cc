// Registry: lookups and the message for an unknown name.

#include "spaces/registry.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "spaces/errors.h"

namespace sculpt {
namespace {

using Factory = std::function<int()>;

Registry<Factory> MakeRegistry() {
  Registry<Factory> registry("strategy");
  registry.Add("random", "uniform sampling", [] { return 1; });
  registry.Add("regularized_evolution", "aging evolution", [] { return 2; });
  return registry;
}

TEST(RegistryTest, FindsRegisteredFactories) {
  const Registry<Factory> registry = MakeRegistry();
  EXPECT_EQ(registry.Get("regularized_evolution")(), 2);
  EXPECT_EQ(registry.Find("nope"), nullptr);
  EXPECT_EQ(registry.Names(), std::vector<std::string>({"random", "regularized_evolution"}));
}

TEST(RegistryTest, UnknownNameListsAllNames) {
  const Registry<Factory> registry = MakeRegistry();
  try {
    registry.Get("rando");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown strategy 'rando'; did you mean 'random'? (registered: random, "
                 "regularized_evolution)");
  }
  try {
    registry.Get("bayesian_optimisation");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown strategy 'bayesian_optimisation' (registered: random, "
                 "regularized_evolution)");
  }
}

TEST(RegistryTest, RegisteringTwiceIsABug) {
  Registry<Factory> registry = MakeRegistry();
  EXPECT_THROW(registry.Add("random", "again", [] { return 3; }), InternalError);
}

}  // namespace
}  // namespace sculpt
