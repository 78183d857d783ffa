#include "services/normalize/dedupe_index.h"

#include <algorithm>
#include <limits>

#include "services/core/text/simhash.h"

namespace newsflow {

DedupeIndex::DedupeIndex(DedupeOptions options)
    : options_(options),
      bands_count_(std::clamp(options.near_duplicate_distance, 0, kMaxNearDuplicateDistance) + 1) {}

uint32_t DedupeIndex::BandKey(int band, uint64_t simhash) const {
  int width = 64 / bands_count_;
  int shift = band * width;
  // The last band takes the bits left over by the integer division.
  int bits = band == bands_count_ - 1 ? 64 - shift : width;
  uint64_t mask = bits >= 64 ? ~uint64_t{0} : ((uint64_t{1} << bits) - 1);
  uint64_t value = (simhash >> shift) & mask;
  // Bands are at most 64 bits wide only when there is a single band (distance 0), which never
  // looks up near matches; otherwise they fit in 32 bits.
  return (static_cast<uint32_t>(band) << 28) ^ static_cast<uint32_t>(value) ^
         static_cast<uint32_t>(value >> 32);
}

DedupeMatch DedupeIndex::Find(uint64_t body_hash, uint64_t simhash,
                              std::string_view article_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  DedupeMatch match;
  if (auto it = by_body_.find(body_hash); it != by_body_.end() && it->second.article_id != article_id) {
    match.kind = DedupeMatch::Kind::kExact;
    match.first_article_id = it->second.near_duplicate_of.empty() ? it->second.article_id
                                                                  : it->second.near_duplicate_of;
    return match;
  }
  if (simhash == 0 || bands_count_ <= 1) return match;
  const DedupeEntry* best = nullptr;
  int best_distance = std::numeric_limits<int>::max();
  for (int band = 0; band < bands_count_; ++band) {
    auto [begin, end] = bands_.equal_range(BandKey(band, simhash));
    for (auto it = begin; it != end; ++it) {
      auto entry_it = by_body_.find(it->second);
      if (entry_it == by_body_.end()) continue;
      const DedupeEntry& entry = entry_it->second;
      if (entry.article_id == article_id) continue;
      int distance = text::HammingDistance(entry.simhash, simhash);
      if (distance > bands_count_ - 1) continue;
      if (distance < best_distance ||
          (distance == best_distance && entry.seen_at_ms < best->seen_at_ms)) {
        best = &entry;
        best_distance = distance;
      }
    }
  }
  if (best) {
    match.kind = DedupeMatch::Kind::kNear;
    match.first_article_id = best->near_duplicate_of.empty() ? best->article_id
                                                             : best->near_duplicate_of;
    match.distance = best_distance;
  }
  return match;
}

bool DedupeIndex::Insert(DedupeEntry entry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (by_body_.count(entry.body_hash)) return false;
  // An entry already past the window would be evicted at once.
  if (newest_ms_ - entry.seen_at_ms > options_.window_ms) return false;
  uint64_t body_hash = entry.body_hash;
  if (entry.simhash != 0) {
    for (int band = 0; band < bands_count_; ++band) bands_.emplace(BandKey(band, entry.simhash), body_hash);
  }
  newest_ms_ = std::max(newest_ms_, entry.seen_at_ms);
  by_body_.emplace(body_hash, std::move(entry));
  insertion_order_.push_back(body_hash);
  EvictLocked();
  return true;
}

void DedupeIndex::EvictLocked() {
  int64_t cutoff = newest_ms_ - options_.window_ms;
  while (!insertion_order_.empty()) {
    uint64_t oldest = insertion_order_.front();
    auto it = by_body_.find(oldest);
    bool too_many = by_body_.size() > options_.max_entries;
    bool too_old = it != by_body_.end() && it->second.seen_at_ms < cutoff;
    if (it != by_body_.end() && !too_many && !too_old) break;
    insertion_order_.pop_front();
    if (it != by_body_.end()) {
      RemoveLocked(oldest);
      ++expired_;
    }
  }
}

void DedupeIndex::RemoveLocked(uint64_t body_hash) {
  auto it = by_body_.find(body_hash);
  if (it == by_body_.end()) return;
  if (it->second.simhash != 0) {
    for (int band = 0; band < bands_count_; ++band) {
      auto [begin, end] = bands_.equal_range(BandKey(band, it->second.simhash));
      for (auto b = begin; b != end; ++b) {
        if (b->second == body_hash) {
          bands_.erase(b);
          break;
        }
      }
    }
  }
  by_body_.erase(it);
}

size_t DedupeIndex::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_body_.size();
}

uint64_t DedupeIndex::expired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expired_;
}

}  // namespace newsflow
