#pragma once

// normalize's duplicate index: exact duplicates by body fingerprint, near-duplicates by SimHash
// within a Hamming distance. Bounded: entries expire after a window of event time and the index
// never holds more than `max_entries`.
//
// The index is a cache of the compacted changelog topic every normalize instance writes in the
// same transaction as its Articles, and every instance reads in full: so it survives restarts and
// is shared by all instances. Pure logic: no Kafka here.

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace newsflow {

inline constexpr int kMaxNearDuplicateDistance = 7;

struct DedupeOptions {
  int64_t window_ms = int64_t{7} * 24 * 3600 * 1000;  // entries older than this expire
  size_t max_entries = 1'000'000;                     // oldest entries go first beyond this
  // SimHash bits two near-duplicates may differ in, 0..kMaxNearDuplicateDistance (see
  // text::SimHash for measured distances).
  int near_duplicate_distance = 6;
};

struct DedupeEntry {
  std::string article_id;
  uint64_t body_hash = 0;
  uint64_t simhash = 0;
  int64_t seen_at_ms = 0;
  std::string near_duplicate_of;  // the first article this one re-syndicates, if any
};

struct DedupeMatch {
  enum class Kind { kNone, kExact, kNear };
  Kind kind = Kind::kNone;
  std::string first_article_id;  // the article this one duplicates
  int distance = 0;              // SimHash bits that differ (0 for kExact)
};

// Thread-safe: the stage thread looks up and inserts while the changelog reader inserts.
class DedupeIndex {
 public:
  explicit DedupeIndex(DedupeOptions options);

  // What `article_id` with these fingerprints duplicates. An entry of the same article id never
  // matches: a record reprocessed after an aborted transaction is not a duplicate of itself.
  // Among near matches the closest wins, then the earliest seen.
  DedupeMatch Find(uint64_t body_hash, uint64_t simhash, std::string_view article_id) const;

  // Adds `entry` unless one with the same body hash exists (the first seen stays). Expires entries
  // older than the newest seen_at_ms minus the window. Returns true when added.
  bool Insert(DedupeEntry entry);

  size_t size() const;
  uint64_t expired() const;  // entries dropped by age or by the size cap, ever

 private:
  // Multi-index hashing: the signature is cut into 4 bands of 16 bits. Two signatures within
  // d bits differ in at most d/4 bits in at least one band (pigeonhole), so a lookup visits, in
  // each band, the bucket of the query's value and of every value within d/4 bits of it: 4
  // buckets for d <= 3, 68 for d <= 7.
  static constexpr int kBands = 4;
  struct Slot {
    uint64_t simhash;
    uint64_t body_hash;
  };
  static uint32_t BandValue(int band, uint64_t simhash) {
    return static_cast<uint32_t>((simhash >> (16 * band)) & 0xFFFF);
  }
  void EvictLocked();
  void RemoveLocked(uint64_t body_hash);

  const DedupeOptions options_;
  int probe_radius_;  // bits flipped per band when probing: near_duplicate_distance / 4
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, DedupeEntry> by_body_;
  std::vector<std::vector<Slot>> buckets_;  // [band * 65536 + band value]
  std::deque<uint64_t> insertion_order_;  // body hashes, roughly in event-time order
  int64_t newest_ms_ = 0;
  uint64_t expired_ = 0;
};

}  // namespace newsflow
