#include "services/normalize/dedupe_index.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "services/core/text/simhash.h"

namespace newsflow {
namespace {

// Home slot of a body hash in a table of `mask + 1` slots. Body hashes are well mixed already
// (text::BodyFingerprint); the multiply spreads small test values too.
inline size_t HomeSlot(uint64_t body_hash, size_t mask) {
  return static_cast<size_t>((body_hash * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

constexpr size_t kMinRing = 16;
// A bucket holds at most kMaxBucketSize slots (its size field's range); BlockCapacity(49) is
// beyond that.
constexpr uint32_t kMaxBucketSize = (1u << 24) - 1;
constexpr uint32_t kBlockClasses = 50;
constexpr uint64_t kMaxArenaBytes = std::numeric_limits<uint32_t>::max();  // 32-bit offsets

// Grows `v` to hold `size` elements by a quarter at a time rather than doubling: the pool and
// the id arena are most of the index, and doubling would leave up to half of them unused.
template <typename Container>
void GrowGently(Container* v, size_t size) {
  if (size > v->capacity()) v->reserve(std::max(size, v->capacity() + v->capacity() / 4));
}

// Ring positions and id offsets are 32-bit, with one value reserved as "none": a cap far
// below 2^32 keeps them from wrapping whoever constructs the index (the daemon's flag stops at
// 100,000,000).
DedupeOptions ClampedOptions(DedupeOptions options) {
  options.max_entries = std::min<size_t>(options.max_entries, size_t{1} << 28);
  return options;
}

}  // namespace

DedupeIndex::DedupeIndex(DedupeOptions options)
    : options_(ClampedOptions(options)),
      probe_radius_(std::clamp(options.near_duplicate_distance, 0, kMaxNearDuplicateDistance) / 4),
      buckets_(options.near_duplicate_distance > 0 ? kBands * 65536 : 0),
      free_blocks_(kBlockClasses) {}

uint32_t DedupeIndex::FindLocked(uint64_t body_hash) const {
  if (table_.empty()) return kNoEntry;
  const size_t mask = table_.size() - 1;
  for (size_t i = HomeSlot(body_hash, mask);; i = (i + 1) & mask) {
    const uint32_t value = table_[i];
    if (value == 0) return kNoEntry;
    if (ring_[value - 1].body_hash == body_hash) return value - 1;
  }
}

DedupeMatch DedupeIndex::Find(uint64_t body_hash, uint64_t simhash,
                              std::string_view article_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  DedupeMatch match;
  if (uint32_t position = FindLocked(body_hash);
      position != kNoEntry && IdOf(ring_[position]) != article_id) {
    match.kind = DedupeMatch::Kind::kExact;
    match.first_article_id = std::string(FirstIdOf(ring_[position]));
    return match;
  }
  if (simhash == 0 || buckets_.empty()) return match;
  const int max_distance = std::min(options_.near_duplicate_distance, kMaxNearDuplicateDistance);
  uint32_t best = kNoEntry;
  int best_distance = std::numeric_limits<int>::max();
  for (int band = 0; band < kBands; ++band) {
    const uint32_t value = BandValue(band, simhash);
    const uint32_t other_bits = OtherBits(band, simhash);
    // `band_distance` bits of the band differ; with those of `other_bits` that is a lower bound
    // of the distance, which rules out nearly every slot before its entry is read.
    auto visit = [&](uint32_t bucket_value, int band_distance) {
      const Bucket& bucket = buckets_[band * 65536 + bucket_value];
      const Slot* slots = pool_.data() + bucket.offset;
      for (uint32_t k = 0; k < bucket.size; ++k) {
        const Slot& slot = slots[k];
        if (band_distance + __builtin_popcount(slot.other_bits ^ other_bits) > max_distance) {
          continue;
        }
        const Entry& entry = ring_[slot.position];
        const int distance = text::HammingDistance(entry.simhash, simhash);
        if (distance > max_distance || distance > best_distance) continue;
        if (IdOf(entry) == article_id) continue;
        if (distance < best_distance || entry.seen_at_ms < ring_[best].seen_at_ms) {
          best = slot.position;
          best_distance = distance;
        }
      }
    };
    visit(value, 0);
    if (probe_radius_ >= 1) {
      for (int bit = 0; bit < 16; ++bit) visit(value ^ (1u << bit), 1);
    }
  }
  if (best != kNoEntry) {
    match.kind = DedupeMatch::Kind::kNear;
    match.first_article_id = std::string(FirstIdOf(ring_[best]));
    match.distance = best_distance;
  }
  return match;
}

bool DedupeIndex::Insert(DedupeEntry entry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (FindLocked(entry.body_hash) != kNoEntry) return false;
  // An entry already past the window would be evicted at once.
  if (newest_ms_ - entry.seen_at_ms > options_.window_ms) return false;

  // The arena holds the ids of the live entries after the dead ones evicted before them (in the
  // same order: eviction is first in, first out). The dead prefix goes once it outweighs the
  // live part, so the arena stays under twice the live ids and the copy costs O(1) amortized.
  const uint32_t live_start =
      count_ == 0 ? static_cast<uint32_t>(ids_.size()) : ring_[head_].ids_offset;
  if (live_start > 0 && live_start >= ids_.size() - live_start) {
    ids_.erase(ids_.begin(), ids_.begin() + live_start);
    for (uint32_t k = 0; k < count_; ++k) {
      ring_[(head_ + k) & (ring_.size() - 1)].ids_offset -= live_start;
    }
  }
  constexpr size_t kMaxIdBytes = std::numeric_limits<uint16_t>::max();
  if (entry.article_id.size() > kMaxIdBytes || entry.near_duplicate_of.size() > kMaxIdBytes) {
    return false;
  }
  const uint64_t needed = uint64_t{entry.article_id.size()} + entry.near_duplicate_of.size();
  if (ids_.size() + needed > kMaxArenaBytes) return false;

  // Make room before growing: with a full ring and a full index, growing for the one entry
  // that EvictLocked would drop right after doubles the ring (exactly what a max_entries that
  // is a power of two does).
  while (count_ > 0 && count_ >= options_.max_entries) {
    RemoveOldestLocked();
    ++expired_;
  }
  if (count_ == ring_.size()) GrowRingLocked();
  const uint32_t position = static_cast<uint32_t>((head_ + count_) & (ring_.size() - 1));
  ring_[position] = Entry{entry.body_hash,
                          entry.simhash,
                          entry.seen_at_ms,
                          static_cast<uint32_t>(ids_.size()),
                          static_cast<uint16_t>(entry.article_id.size()),
                          static_cast<uint16_t>(entry.near_duplicate_of.size())};
  GrowGently(&ids_, ids_.size() + needed);
  ids_.insert(ids_.end(), entry.article_id.begin(), entry.article_id.end());
  ids_.insert(ids_.end(), entry.near_duplicate_of.begin(), entry.near_duplicate_of.end());
  ++count_;
  TableInsertLocked(position);
  if (entry.simhash != 0 && !buckets_.empty()) {
    for (int band = 0; band < kBands; ++band) {
      BucketAddLocked(&buckets_[band * 65536 + BandValue(band, entry.simhash)],
                      {position, OtherBits(band, entry.simhash)});
    }
  }
  newest_ms_ = std::max(newest_ms_, entry.seen_at_ms);
  EvictLocked();
  return true;
}

void DedupeIndex::TableInsertLocked(uint32_t position) {
  // At most half full, so probes stay short and a miss always meets an empty slot.
  if (table_.size() < 2 * size_t{count_}) {
    TableRebuildLocked(std::max<size_t>(kMinRing, table_.size() * 2));
    return;  // the rebuild placed every live entry, this one included
  }
  const size_t mask = table_.size() - 1;
  size_t i = HomeSlot(ring_[position].body_hash, mask);
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = position + 1;
}

void DedupeIndex::TableEraseLocked(uint64_t body_hash) {
  const size_t mask = table_.size() - 1;
  size_t i = HomeSlot(body_hash, mask);
  while (table_[i] != 0 && ring_[table_[i] - 1].body_hash != body_hash) i = (i + 1) & mask;
  if (table_[i] == 0) return;
  // Backward-shift deletion: pull later entries of the probe run into the hole unless their
  // home slot lies after it, so lookups never need tombstones.
  for (size_t j = (i + 1) & mask; table_[j] != 0; j = (j + 1) & mask) {
    const size_t home = HomeSlot(ring_[table_[j] - 1].body_hash, mask);
    if (((j - home) & mask) >= ((j - i) & mask)) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i] = 0;
}

void DedupeIndex::TableRebuildLocked(size_t capacity) {
  table_.assign(capacity, 0);
  const size_t mask = capacity - 1;
  for (uint32_t k = 0; k < count_; ++k) {
    const uint32_t position = static_cast<uint32_t>((head_ + k) & (ring_.size() - 1));
    size_t i = HomeSlot(ring_[position].body_hash, mask);
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = position + 1;
  }
}

void DedupeIndex::GrowRingLocked() {
  const size_t old_size = ring_.size();
  std::vector<Entry> grown(std::max(kMinRing, old_size * 2));
  for (uint32_t k = 0; k < count_; ++k) grown[k] = ring_[(head_ + k) & (old_size - 1)];
  // Every entry moves to its age rank: renumber the buckets' slots (unless the ring had not
  // wrapped: then ranks are positions already) and the table.
  if (head_ != 0) {
    for (const Bucket& bucket : buckets_) {
      for (uint32_t k = 0; k < bucket.size; ++k) {
        Slot& slot = pool_[bucket.offset + k];
        slot.position = static_cast<uint32_t>((slot.position - head_) & (old_size - 1));
      }
    }
  }
  ring_ = std::move(grown);
  head_ = 0;
  const size_t table_size = std::max<size_t>({kMinRing, table_.size(), 2 * size_t{count_}});
  TableRebuildLocked(std::bit_ceil(table_size));  // a power of two: slots are hash & mask
}

uint32_t DedupeIndex::AllocateBlockLocked(uint32_t block_class) {
  std::vector<uint32_t>& free = free_blocks_[block_class];
  if (!free.empty()) {
    const uint32_t offset = free.back();
    free.pop_back();
    free_slots_ -= BlockCapacity(block_class);
    return offset;
  }
  const uint32_t offset = static_cast<uint32_t>(pool_.size());
  GrowGently(&pool_, pool_.size() + BlockCapacity(block_class));
  pool_.resize(pool_.size() + BlockCapacity(block_class));
  return offset;
}

void DedupeIndex::BucketAddLocked(Bucket* bucket, Slot slot) {
  // 16M signatures sharing 16 bits is no longer text; such entries still match exactly.
  if (bucket->size == kMaxBucketSize) return;
  if (bucket->size == BlockCapacity(bucket->block_class)) {
    const uint32_t block_class = bucket->block_class + 1;
    const uint32_t offset = AllocateBlockLocked(block_class);
    std::copy_n(pool_.begin() + bucket->offset, bucket->size, pool_.begin() + offset);
    if (bucket->block_class != 0) {
      free_blocks_[bucket->block_class].push_back(bucket->offset);
      free_slots_ += BlockCapacity(bucket->block_class);
    }
    bucket->offset = offset;
    bucket->block_class = block_class;
  }
  pool_[bucket->offset + bucket->size] = slot;
  bucket->size = bucket->size + 1;
  // While the index fills, buckets outgrow their blocks faster than others take the freed ones
  // up; once free blocks hold a quarter of the pool, copy the live blocks into a new pool.
  if (free_slots_ > pool_.size() / 4) CompactPoolLocked();
}

void DedupeIndex::CompactPoolLocked() {
  std::vector<Slot> compact;
  compact.reserve(pool_.size() - free_slots_);
  for (Bucket& bucket : buckets_) {
    if (bucket.block_class == 0) continue;
    const uint32_t offset = static_cast<uint32_t>(compact.size());
    compact.insert(compact.end(), pool_.begin() + bucket.offset,
                   pool_.begin() + bucket.offset + BlockCapacity(bucket.block_class));
    bucket.offset = offset;
  }
  pool_.swap(compact);
  for (auto& free : free_blocks_) free = {};
  free_slots_ = 0;
}

void DedupeIndex::BucketRemoveLocked(Bucket* bucket, uint32_t position) {
  Slot* slots = pool_.data() + bucket->offset;
  for (uint32_t k = 0; k < bucket->size; ++k) {
    if (slots[k].position == position) {
      slots[k] = slots[bucket->size - 1];
      bucket->size = bucket->size - 1;
      return;
    }
  }
}

void DedupeIndex::EvictLocked() {
  const int64_t cutoff = newest_ms_ - options_.window_ms;
  while (count_ > 0) {
    const bool too_many = count_ > options_.max_entries;
    const bool too_old = ring_[head_].seen_at_ms < cutoff;
    if (!too_many && !too_old) break;
    RemoveOldestLocked();
    ++expired_;
  }
}

void DedupeIndex::RemoveOldestLocked() {
  const Entry& oldest = ring_[head_];
  TableEraseLocked(oldest.body_hash);
  if (oldest.simhash != 0 && !buckets_.empty()) {
    for (int band = 0; band < kBands; ++band) {
      BucketRemoveLocked(&buckets_[band * 65536 + BandValue(band, oldest.simhash)], head_);
    }
  }
  head_ = static_cast<uint32_t>((head_ + 1) & (ring_.size() - 1));
  if (--count_ == 0) {
    head_ = 0;
    ids_.clear();
  }
}

size_t DedupeIndex::capacity() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ring_.size();
}

size_t DedupeIndex::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

uint64_t DedupeIndex::expired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expired_;
}

}  // namespace newsflow
