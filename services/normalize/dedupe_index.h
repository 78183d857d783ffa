#pragma once

// normalize's duplicate index: exact duplicates by body fingerprint, near-duplicates by SimHash
// within a Hamming distance. Bounded: entries expire after a window of event time and the index
// never holds more than `max_entries`.
//
// The index is a cache of the compacted changelog topic every normalize instance writes in the
// same transaction as its Articles, and every instance reads in full: so it survives restarts and
// is shared by all instances. Pure logic: no Kafka here.

#include <bit>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow {

inline constexpr int kMaxNearDuplicateDistance = 7;

struct DedupeOptions {
  int64_t window_ms = int64_t{7} * 24 * 3600 * 1000;  // entries older than this expire
  size_t max_entries = 1'000'000;  // oldest entries go first beyond this; at most 2^28
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
//
// Memory: about 113 bytes an entry with 1,000,000 entries of 18-byte ids, 140 with 100,000
// (BM_DedupeMemory; the fixed 2 MB of bucket headers weighs more there). Entries sit in a ring in
// insertion order (eviction is first in, first out), their ids in one byte arena, and they are
// found through 32-bit ring positions: by body hash in an open-addressing table, by SimHash band
// in buckets carved out of one slot pool.
class DedupeIndex {
 public:
  explicit DedupeIndex(DedupeOptions options);

  // What `article_id` with these fingerprints duplicates. An entry of the same article id never
  // matches: a record reprocessed after an aborted transaction is not a duplicate of itself.
  // Among near matches the closest wins, then the earliest seen.
  DedupeMatch Find(uint64_t body_hash, uint64_t simhash, std::string_view article_id) const;

  // Adds `entry` unless one with the same body hash exists (the first seen stays). Expires entries
  // older than the newest seen_at_ms minus the window. Returns true when added; false also when
  // an id is longer than 65,535 bytes or the ids would take the id arena past 4 GiB (ids are
  // Kafka keys such as "u-" and 16 hex digits).
  bool Insert(DedupeEntry entry);

  size_t size() const;
  // Entries the ring holds before it must grow: what the entries' memory is sized by.
  size_t capacity() const;
  uint64_t expired() const;  // entries dropped by age or by the size cap, ever

 private:
  // Multi-index hashing: the signature is cut into 4 bands of 16 bits. Two signatures within
  // d bits differ in at most d/4 bits in at least one band (pigeonhole), so a lookup visits, in
  // each band, the bucket of the query's value and of every value within d/4 bits of it: 4
  // buckets for d <= 3, 68 for d <= 7.
  static constexpr int kBands = 4;
  static constexpr uint32_t kNoEntry = 0xFFFFFFFF;

  struct Entry {
    uint64_t body_hash;
    uint64_t simhash;
    int64_t seen_at_ms;
    uint32_t ids_offset;  // into ids_: the article id, then near_duplicate_of
    uint16_t id_size;
    uint16_t near_size;
  };
  static_assert(sizeof(Entry) == 32);
  // One entry in one band's bucket. `other_bits` is 32 bits of the signature outside the band,
  // enough to rule out almost every candidate without touching its entry.
  struct Slot {
    uint32_t position;  // in ring_
    uint32_t other_bits;
  };
  struct Bucket {
    uint32_t offset = 0;           // of its block in pool_
    uint32_t size : 24 = 0;        // up to 16M entries share a band value
    uint32_t block_class : 8 = 0;  // capacity BlockCapacity(block_class); 0: no block
  };
  // Block capacities grow by about 1.4 (2, 3, 4, 6, 8, 12, ...): less slack than doubling.
  static uint32_t BlockCapacity(uint32_t block_class) {
    if (block_class == 0) return 0;
    const uint32_t k = block_class - 1;
    return (k % 2 == 0 ? 2u : 3u) << (k / 2);
  }

  static uint32_t BandValue(int band, uint64_t simhash) {
    return static_cast<uint32_t>((simhash >> (16 * band)) & 0xFFFF);
  }
  // The two bands after `band`, cyclically.
  static uint32_t OtherBits(int band, uint64_t simhash) {
    return static_cast<uint32_t>(std::rotr(simhash, 16 * (band + 1)));
  }

  std::string_view IdOf(const Entry& e) const { return {ids_.data() + e.ids_offset, e.id_size}; }
  // The article `e` duplicates at the root of its chain: itself unless it re-syndicates one.
  std::string_view FirstIdOf(const Entry& e) const {
    if (e.near_size == 0) return IdOf(e);
    return {ids_.data() + e.ids_offset + e.id_size, e.near_size};
  }
  uint32_t FindLocked(uint64_t body_hash) const;  // ring position, or kNoEntry
  void TableInsertLocked(uint32_t position);
  void TableEraseLocked(uint64_t body_hash);
  void TableRebuildLocked(size_t capacity);
  uint32_t AllocateBlockLocked(uint32_t block_class);  // offset in pool_
  void BucketAddLocked(Bucket* bucket, Slot slot);
  void BucketRemoveLocked(Bucket* bucket, uint32_t position);
  void CompactPoolLocked();
  void GrowRingLocked();
  void EvictLocked();
  void RemoveOldestLocked();

  const DedupeOptions options_;
  int probe_radius_;  // bits flipped per band when probing: near_duplicate_distance / 4
  mutable std::mutex mu_;
  std::vector<Entry> ring_;  // power-of-two capacity; entries head_ .. head_ + count_ - 1
  uint32_t head_ = 0;
  uint32_t count_ = 0;
  std::vector<char> ids_;        // live ids from the oldest entry's on, after a dead prefix
  std::vector<uint32_t> table_;  // body hash -> ring position + 1 (0: empty); linear probing
  std::vector<Bucket> buckets_;  // [band * 65536 + band value]; empty without near matching
  std::vector<Slot> pool_;       // buckets' blocks
  std::vector<std::vector<uint32_t>> free_blocks_;  // by block class: offsets of free blocks
  size_t free_slots_ = 0;                           // in free blocks
  int64_t newest_ms_ = 0;
  uint64_t expired_ = 0;
};

}  // namespace newsflow
