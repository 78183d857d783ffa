#include "services/ingest/seen_set.h"

#include <gtest/gtest.h>

namespace newsflow::ingest {
namespace {

TEST(SeenSetTest, AddContainsAndExpiry) {
  SeenSet seen({/*retention_ms=*/1000, /*max_entries=*/100});
  EXPECT_TRUE(seen.Add("a", 0));
  EXPECT_FALSE(seen.Add("a", 10));
  EXPECT_TRUE(seen.Contains("a"));
  EXPECT_TRUE(seen.Add("b", 1500));  // "a" is now older than the retention
  EXPECT_FALSE(seen.Contains("a"));
  EXPECT_TRUE(seen.Contains("b"));
}

TEST(SeenSetTest, BoundedBySize) {
  SeenSet seen({/*retention_ms=*/int64_t{1} << 40, /*max_entries=*/10});
  for (int i = 0; i < 1000; ++i) seen.Add("id" + std::to_string(i), i);
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_TRUE(seen.Contains("id999"));
  EXPECT_FALSE(seen.Contains("id0"));
}

TEST(StableArticleIdTest, PrefersUrlThenGuidThenContent) {
  EXPECT_EQ(StableArticleId("https://e.com/a", "s", "g", "c").substr(0, 2), "u-");
  EXPECT_EQ(StableArticleId("", "s", "g", "c").substr(0, 2), "g-");
  EXPECT_EQ(StableArticleId("", "s", "", "c").substr(0, 2), "c-");
  EXPECT_EQ(StableArticleId("", "s", "", "c").size(), 18u);
  EXPECT_EQ(StableArticleId("https://e.com/a", "x", "y", "z"),
            StableArticleId("https://e.com/a", "s", "g", "c"));
  // The same guid in two feeds is two articles.
  EXPECT_NE(StableArticleId("", "feed-a", "1", ""), StableArticleId("", "feed-b", "1", ""));
}

}  // namespace
}  // namespace newsflow::ingest
