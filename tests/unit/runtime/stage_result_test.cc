#include <gtest/gtest.h>

#include "services/core/runtime/stage.h"

namespace newsflow {
namespace {

// The stage loop reuses one StageResult for every input: nothing of one input may show in the
// next, whichever way its records were made.
TEST(StageResultTest, ClearForgetsRecordsAndDeadLetter) {
  StageResult result;
  result.Emit("t", "k", "v", {{"h", "x"}});
  result.Add("t2", "k2", {{"content-type", "application/json"}}).value = "{}";
  result.Reject("bad", "detail");
  result.Clear();
  EXPECT_TRUE(result.records.empty());
  EXPECT_FALSE(result.dead_letter);
}

TEST(StageResultTest, RecycledRecordsCarryOnlyWhatAddGives) {
  StageResult result;
  // Long strings (beyond the small-string buffer) and more headers than the next input uses.
  const std::string long_value(5000, 'v');
  auto& first = result.Add("news.entity-mentions-long-topic", "entity-key-longer-than-sso",
                           {{"content-type", "application/json"}, {"extra", "header-value"}});
  first.value = long_value;
  result.Emit("emitted-topic", "emitted-key", long_value, {{"a", "b"}, {"c", "d"}, {"e", "f"}});
  result.Add("third", "k3").value = "x";
  result.Clear();

  auto& a = result.Add("t", "k", {{"content-type", "application/json"}});
  EXPECT_EQ(a.topic, "t");
  EXPECT_EQ(a.key, "k");
  EXPECT_TRUE(a.value.empty());
  ASSERT_EQ(a.headers.size(), 1u);
  EXPECT_EQ(a.headers[0],
            (std::pair<std::string, std::string>{"content-type", "application/json"}));
  a.value = "1";
  auto& b = result.Add("u", "");
  EXPECT_EQ(b.topic, "u");
  EXPECT_TRUE(b.key.empty());
  EXPECT_TRUE(b.value.empty());
  EXPECT_TRUE(b.headers.empty());
  auto& c = result.Add("w", "kw", {{"x", "1"}, {"y", "2"}, {"z", "3"}, {"w", "4"}});
  EXPECT_TRUE(c.value.empty());
  ASSERT_EQ(c.headers.size(), 4u);
  EXPECT_EQ(c.headers[3].first, "w");
  EXPECT_EQ(c.headers[3].second, "4");
  result.Emit("e", "ke", "ve");
  ASSERT_EQ(result.records.size(), 4u);
  EXPECT_EQ(result.records[0].value, "1");
  EXPECT_EQ(result.records[3].topic, "e");
  EXPECT_TRUE(result.records[3].headers.empty());
  EXPECT_FALSE(result.dead_letter);
}

// Add hands recycled buffers out in the order they were used, so the next input's records find
// the capacity they needed last time.
TEST(StageResultTest, AddReusesTheBuffersInTheOrderTheyWereUsed) {
  StageResult result;
  result.Add("t", "k").value.assign(100000, 'a');
  result.Add("t", "k").value.assign(10, 'b');
  result.Clear();
  EXPECT_GE(result.Add("t", "k").value.capacity(), 100000u);
}

}  // namespace
}  // namespace newsflow
