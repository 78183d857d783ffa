#include "services/normalize/dedupe_index.h"

#include <algorithm>
#include <limits>

#include "services/core/text/simhash.h"

namespace newsflow {

DedupeIndex::DedupeIndex(DedupeOptions options)
    : options_(options),
      probe_radius_(std::clamp(options.near_duplicate_distance, 0, kMaxNearDuplicateDistance) / 4),
      buckets_(options.near_duplicate_distance > 0 ? kBands * 65536 : 0) {}

DedupeMatch DedupeIndex::Find(uint64_t body_hash, uint64_t simhash,
                              std::string_view article_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  DedupeMatch match;
  if (auto it = by_body_.find(body_hash);
      it != by_body_.end() && it->second.article_id != article_id) {
    match.kind = DedupeMatch::Kind::kExact;
    match.first_article_id = it->second.near_duplicate_of.empty() ? it->second.article_id
                                                                  : it->second.near_duplicate_of;
    return match;
  }
  if (simhash == 0 || buckets_.empty()) return match;
  const int max_distance = std::min(options_.near_duplicate_distance, kMaxNearDuplicateDistance);
  const DedupeEntry* best = nullptr;
  int best_distance = std::numeric_limits<int>::max();
  auto visit = [&](const std::vector<Slot>& bucket) {
    for (const Slot& slot : bucket) {
      int distance = text::HammingDistance(slot.simhash, simhash);
      if (distance > max_distance || distance > best_distance) continue;
      auto entry_it = by_body_.find(slot.body_hash);
      if (entry_it == by_body_.end() || entry_it->second.article_id == article_id) continue;
      const DedupeEntry& entry = entry_it->second;
      if (distance < best_distance || entry.seen_at_ms < best->seen_at_ms) {
        best = &entry;
        best_distance = distance;
      }
    }
  };
  for (int band = 0; band < kBands; ++band) {
    uint32_t value = BandValue(band, simhash);
    visit(buckets_[band * 65536 + value]);
    if (probe_radius_ >= 1) {
      for (int bit = 0; bit < 16; ++bit) visit(buckets_[band * 65536 + (value ^ (1u << bit))]);
    }
  }
  if (best) {
    match.kind = DedupeMatch::Kind::kNear;
    match.first_article_id =
        best->near_duplicate_of.empty() ? best->article_id : best->near_duplicate_of;
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
  if (entry.simhash != 0 && !buckets_.empty()) {
    for (int band = 0; band < kBands; ++band) {
      buckets_[band * 65536 + BandValue(band, entry.simhash)].push_back(
          {entry.simhash, body_hash});
    }
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
  if (it->second.simhash != 0 && !buckets_.empty()) {
    for (int band = 0; band < kBands; ++band) {
      auto& bucket = buckets_[band * 65536 + BandValue(band, it->second.simhash)];
      for (size_t i = 0; i < bucket.size(); ++i) {
        if (bucket[i].body_hash == body_hash) {
          bucket[i] = bucket.back();
          bucket.pop_back();
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
