#include "services/normalize/dedupe_index.h"

#include <gtest/gtest.h>

#include <thread>

namespace newsflow {
namespace {

constexpr int64_t kHour = 3600 * 1000;

TEST(DedupeIndexTest, ExactMatchNamesTheFirstArticle) {
  DedupeIndex index{DedupeOptions{}};
  EXPECT_TRUE(index.Insert({"a", 1, 0xF0F0, 10, ""}));
  EXPECT_FALSE(index.Insert({"b", 1, 0xF0F0, 20, ""}));  // the first one stays
  auto match = index.Find(1, 0xF0F0, "b");
  EXPECT_EQ(match.kind, DedupeMatch::Kind::kExact);
  EXPECT_EQ(match.first_article_id, "a");
  EXPECT_EQ(index.Find(1, 0xF0F0, "a").kind, DedupeMatch::Kind::kNone);  // itself
}

TEST(DedupeIndexTest, NearMatchWithinDistanceAcrossEveryBand) {
  DedupeOptions options;
  options.near_duplicate_distance = 3;
  DedupeIndex index{options};
  uint64_t base = 0x0123456789ABCDEFull;
  index.Insert({"a", 1, base, 0, ""});
  // Three bits flipped, one in each of three bands: still shares the fourth band.
  uint64_t near = base ^ (1ull << 1) ^ (1ull << 17) ^ (1ull << 33);
  auto match = index.Find(2, near, "b");
  EXPECT_EQ(match.kind, DedupeMatch::Kind::kNear);
  EXPECT_EQ(match.first_article_id, "a");
  EXPECT_EQ(match.distance, 3);
  // Four bits: beyond the distance.
  EXPECT_EQ(index.Find(2, near ^ (1ull << 49), "b").kind, DedupeMatch::Kind::kNone);
}

TEST(DedupeIndexTest, EveryDistanceUpToTheLimitIsFound) {
  for (int distance = 1; distance <= kMaxNearDuplicateDistance; ++distance) {
    DedupeOptions options;
    options.near_duplicate_distance = distance;
    DedupeIndex index{options};
    uint64_t base = 0x5DEECE66DULL * 0x9E3779B97F4A7C15ULL;
    index.Insert({"a", 1, base, 0, ""});
    // Flip `distance` bits spread over the word (one per band at worst), then one more.
    uint64_t flipped = base;
    for (int i = 0; i < distance; ++i) flipped ^= uint64_t{1} << (i * 64 / (distance + 1));
    EXPECT_EQ(index.Find(2, flipped, "b").kind, DedupeMatch::Kind::kNear) << distance;
    EXPECT_EQ(index.Find(2, flipped ^ (uint64_t{1} << 63), "b").kind, DedupeMatch::Kind::kNone)
        << distance;
  }
}

TEST(DedupeIndexTest, ClosestThenEarliestWinsAndChainsPointAtTheRoot) {
  DedupeIndex index{DedupeOptions{}};
  uint64_t base = 0xAAAAAAAAAAAAAAAAull;
  index.Insert({"far", 1, base ^ 0b111, 5, ""});
  index.Insert({"close-late", 2, base ^ 0b1, 9, "root"});
  index.Insert({"close-early", 3, base ^ 0b10, 7, ""});
  auto match = index.Find(4, base, "x");
  EXPECT_EQ(match.distance, 1);
  EXPECT_EQ(match.first_article_id, "close-early");
  EXPECT_EQ(index.Find(5, base ^ 0b1, "y").first_article_id, "root");
}

TEST(DedupeIndexTest, DistanceZeroDisablesNearMatches) {
  DedupeOptions options;
  options.near_duplicate_distance = 0;
  DedupeIndex index{options};
  index.Insert({"a", 1, 0xFF, 0, ""});
  EXPECT_EQ(index.Find(2, 0xFF, "b").kind, DedupeMatch::Kind::kNone);
  EXPECT_EQ(index.Find(1, 0, "b").kind, DedupeMatch::Kind::kExact);
}

TEST(DedupeIndexTest, EntriesExpireAfterTheWindow) {
  DedupeOptions options;
  options.window_ms = 24 * kHour;
  DedupeIndex index{options};
  constexpr uint64_t kOld = 0x0F0F0F0F0F0F0F0Full, kMid = 0xF0F0F0F0F0F0F0F0ull;
  index.Insert({"old", 1, kOld, 0, ""});
  index.Insert({"mid", 2, kMid, 20 * kHour, ""});
  EXPECT_EQ(index.size(), 2u);
  index.Insert({"new", 3, 0x3C3C3C3C3C3C3C3Cull, 25 * kHour, ""});  // "old" is now 25 h behind
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.expired(), 1u);
  EXPECT_EQ(index.Find(1, kOld, "x").kind, DedupeMatch::Kind::kNone);
  EXPECT_EQ(index.Find(2, kMid, "x").kind, DedupeMatch::Kind::kExact);
  // A late entry already past the window is not kept.
  EXPECT_FALSE(index.Insert({"late", 4, 0x4444, 0, ""}));
}

TEST(DedupeIndexTest, SizeCapBoundsMemory) {
  DedupeOptions options;
  options.max_entries = 1000;
  DedupeIndex index{options};
  for (uint64_t i = 1; i <= 100'000; ++i) {
    index.Insert({"id" + std::to_string(i), i, i * 0x9E3779B97F4A7C15ull, static_cast<int64_t>(i), ""});
  }
  EXPECT_EQ(index.size(), 1000u);
  EXPECT_EQ(index.expired(), 99'000u);
  EXPECT_EQ(index.Find(100'000, 0, "x").kind, DedupeMatch::Kind::kExact);
  EXPECT_EQ(index.Find(1, 0, "x").kind, DedupeMatch::Kind::kNone);
}

TEST(DedupeIndexTest, ConcurrentInsertAndFind) {
  DedupeIndex index{DedupeOptions{}};
  std::thread writer([&] {
    for (uint64_t i = 1; i <= 20'000; ++i) index.Insert({"w", i, i * 7919, 0, ""});
  });
  uint64_t found = 0;
  for (uint64_t i = 1; i <= 20'000; ++i) {
    found += index.Find(i, 0, "r").kind == DedupeMatch::Kind::kExact;
  }
  writer.join();
  EXPECT_EQ(index.size(), 20'000u);
  EXPECT_LE(found, 20'000u);
}

}  // namespace
}  // namespace newsflow
