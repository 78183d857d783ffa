#include "services/normalize/dedupe_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
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
    index.Insert(
        {"id" + std::to_string(i), i, i * 0x9E3779B97F4A7C15ull, static_cast<int64_t>(i), ""});
  }
  EXPECT_EQ(index.size(), 1000u);
  EXPECT_EQ(index.expired(), 99'000u);
  EXPECT_EQ(index.Find(100'000, 0, "x").kind, DedupeMatch::Kind::kExact);
  EXPECT_EQ(index.Find(1, 0, "x").kind, DedupeMatch::Kind::kNone);
}

TEST(DedupeIndexTest, APowerOfTwoCapFillsTheRingWithoutDoublingIt) {
  // At the cap the oldest entry goes before the new one comes in, so a full ring of exactly
  // max_entries never grows for an entry that would be evicted at once.
  DedupeOptions options;
  options.max_entries = 4096;
  DedupeIndex index{options};
  for (uint64_t i = 1; i <= 3 * 4096; ++i) {
    ASSERT_TRUE(index.Insert(
        {"id" + std::to_string(i), i, i * 0x9E3779B97F4A7C15ull, static_cast<int64_t>(i), ""}));
  }
  EXPECT_EQ(index.size(), 4096u);
  EXPECT_EQ(index.capacity(), 4096u);
  EXPECT_EQ(index.expired(), 2u * 4096u);
  EXPECT_EQ(index.Find(3 * 4096, 0, "x").kind, DedupeMatch::Kind::kExact);
  EXPECT_EQ(index.Find(2 * 4096, 0, "x").kind, DedupeMatch::Kind::kNone);
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

// The index against a brute-force model of the same contract (first seen stays, window and cap
// evict oldest first, same id never matches, closest then earliest near match, chains point at
// the root), through enough inserts to wrap the entry ring, grow it, compact the id arena and
// shift entries back in the body-hash table.
TEST(DedupeIndexTest, MatchesABruteForceModelThroughEvictions) {
  struct ModelEntry {
    std::string id;
    uint64_t body_hash, simhash;
    int64_t seen_at_ms;
    std::string near;
  };
  DedupeOptions options;
  options.window_ms = 5'000;
  options.max_entries = 700;
  options.near_duplicate_distance = 6;
  DedupeIndex index{options};
  std::deque<ModelEntry> model;
  int64_t newest = 0;
  std::mt19937_64 random(42);
  // Few distinct body hashes (repeats are refused) and signatures clustered around a handful of
  // bases, so near matches, ties and collisions happen.
  const uint64_t bases[] = {0x0123456789ABCDEFull, 0xFEDCBA9876543210ull, 0x5555AAAA5555AAAAull};
  auto random_simhash = [&] {
    uint64_t s = bases[random() % 3];
    for (int flips = static_cast<int>(random() % 9); flips > 0; --flips) {
      s ^= 1ull << (random() % 64);
    }
    return s;
  };
  auto model_find = [&](uint64_t body_hash, uint64_t simhash, const std::string& id) {
    DedupeMatch match;
    for (const auto& e : model) {
      if (e.body_hash == body_hash && e.id != id) {
        match.kind = DedupeMatch::Kind::kExact;
        match.first_article_id = e.near.empty() ? e.id : e.near;
        return match;
      }
    }
    const ModelEntry* best = nullptr;
    int best_distance = 0;
    for (const auto& e : model) {
      int distance = __builtin_popcountll(e.simhash ^ simhash);
      if (simhash == 0 || e.simhash == 0 || distance > 6 || e.id == id) continue;
      if (!best || distance < best_distance ||
          (distance == best_distance && e.seen_at_ms < best->seen_at_ms)) {
        best = &e;
        best_distance = distance;
      }
    }
    if (best) {
      match.kind = DedupeMatch::Kind::kNear;
      match.first_article_id = best->near.empty() ? best->id : best->near;
      match.distance = best_distance;
    }
    return match;
  };
  int near_matches = 0, exact_matches = 0;
  for (int i = 0; i < 20'000; ++i) {
    ModelEntry e{"article-" + std::to_string(i), random() % 5'000, random_simhash(),
                 i + static_cast<int64_t>(random() % 50),
                 i % 7 == 0 ? "root-" + std::to_string(i) : ""};
    if (i % 50 == 0) e.simhash = 0;  // no signature: exact matching only
    bool known = std::any_of(model.begin(), model.end(),
                             [&](const ModelEntry& m) { return m.body_hash == e.body_hash; });
    bool expected = !known && newest - e.seen_at_ms <= options.window_ms;
    ASSERT_EQ(index.Insert({e.id, e.body_hash, e.simhash, e.seen_at_ms, e.near}), expected) << i;
    if (expected) {
      newest = std::max(newest, e.seen_at_ms);
      model.push_back(e);
      while (!model.empty() && (model.size() > options.max_entries ||
                                model.front().seen_at_ms < newest - options.window_ms)) {
        model.pop_front();
      }
    }
    ASSERT_EQ(index.size(), model.size()) << i;
    if (i % 10 == 0) {
      uint64_t body_hash = random() % 5'000, simhash = random_simhash();
      std::string id = model.empty() || random() % 4 ? "query" : model[random() % model.size()].id;
      DedupeMatch want = model_find(body_hash, simhash, id);
      DedupeMatch got = index.Find(body_hash, simhash, id);
      ASSERT_EQ(got.kind, want.kind) << i;
      near_matches += got.kind == DedupeMatch::Kind::kNear;
      exact_matches += got.kind == DedupeMatch::Kind::kExact;
      // Among equally close and equally early candidates either may win; ties are rare here.
      EXPECT_EQ(got.distance, want.distance) << i;
      if (got.kind == DedupeMatch::Kind::kExact) {
        EXPECT_EQ(got.first_article_id, want.first_article_id) << i;
      }
    }
  }
  EXPECT_GT(index.expired(), 0u);
  EXPECT_GT(near_matches, 100);
  EXPECT_GT(exact_matches, 100);
}

TEST(DedupeIndexTest, LongIdsSurviveArenaCompaction) {
  DedupeOptions options;
  options.max_entries = 10;
  DedupeIndex index{options};
  for (uint64_t i = 1; i <= 1'000; ++i) {
    std::string id(100 + i % 37, static_cast<char>('a' + i % 26));
    id += std::to_string(i);
    index.Insert({id, i, i * 0x9E3779B97F4A7C15ull, static_cast<int64_t>(i), "root" + id});
  }
  for (uint64_t i = 991; i <= 1'000; ++i) {
    std::string id(100 + i % 37, static_cast<char>('a' + i % 26));
    id += std::to_string(i);
    auto match = index.Find(i, 0, "x");
    ASSERT_EQ(match.kind, DedupeMatch::Kind::kExact) << i;
    EXPECT_EQ(match.first_article_id, "root" + id);
    EXPECT_EQ(index.Find(i, 0, id).kind, DedupeMatch::Kind::kNone);  // its own id
  }
}

TEST(DedupeIndexTest, EmptiedIndexStartsAfresh) {
  DedupeOptions options;
  options.window_ms = 10;
  DedupeIndex index{options};
  EXPECT_TRUE(index.Insert({"a", 1, 0xFF, 0, ""}));
  EXPECT_TRUE(index.Insert({"b", 2, 0xFF00, 100, ""}));    // "a" expires
  EXPECT_TRUE(index.Insert({"c", 3, 0xFF0000, 200, ""}));  // "b" expires
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.Find(1, 0xFF, "x").kind, DedupeMatch::Kind::kNone);
  EXPECT_EQ(index.Find(3, 0, "x").first_article_id, "c");
  EXPECT_TRUE(index.Insert({"a", 1, 0xFF, 200, ""}));  // the same body again, after expiry
}

}  // namespace
}  // namespace newsflow
