#include "services/ingest/seen_set.h"

#include <cstdio>

#include "services/core/text/simhash.h"

namespace newsflow::ingest {

bool SeenSet::Contains(std::string_view id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ids_.count(std::string(id)) > 0;
}

bool SeenSet::Add(std::string_view id, int64_t time_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, added] = ids_.emplace(std::string(id), time_ms);
  if (!added) return false;
  order_.emplace_back(time_ms, it->first);
  newest_ms_ = std::max(newest_ms_, time_ms);
  int64_t cutoff = newest_ms_ - options_.retention_ms;
  while (!order_.empty() && (order_.front().first < cutoff || ids_.size() > options_.max_entries)) {
    ids_.erase(order_.front().second);
    order_.pop_front();
  }
  return true;
}

size_t SeenSet::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ids_.size();
}

std::string StableArticleId(std::string_view canonical_url, std::string_view source,
                            std::string_view guid, std::string_view content) {
  char buffer[24];
  if (!canonical_url.empty()) {
    std::snprintf(buffer, sizeof(buffer), "u-%016llx",
                  static_cast<unsigned long long>(text::BodyFingerprint(canonical_url)));
  } else if (!guid.empty()) {
    std::string key = std::string(source) + '\x1f' + std::string(guid);
    std::snprintf(buffer, sizeof(buffer), "g-%016llx",
                  static_cast<unsigned long long>(text::BodyFingerprint(key)));
  } else {
    std::snprintf(buffer, sizeof(buffer), "c-%016llx",
                  static_cast<unsigned long long>(text::BodyFingerprint(content)));
  }
  return buffer;
}

}  // namespace newsflow::ingest
