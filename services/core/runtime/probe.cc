#include "services/core/runtime/probe.h"

#include <algorithm>

namespace newsflow {

HistogramProbe::HistogramProbe(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), buckets_(upper_bounds_.size() + 1) {}

void HistogramProbe::Observe(double value) {
  size_t i =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {
  }
}

HistogramProbe::Snapshot HistogramProbe::Read() const {
  Snapshot s;
  s.upper_bounds = upper_bounds_;
  uint64_t running = 0;
  for (const auto& b : buckets_) {
    running += b.load(std::memory_order_relaxed);
    s.cumulative_counts.push_back(running);
  }
  // Count is the +Inf bucket so the exposition stays self-consistent under concurrent updates.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

void LabeledCounterProbe::Add(const std::string& label, uint64_t amount) {
  std::lock_guard lock(mu_);
  counts_[label] += amount;
}

std::map<std::string, uint64_t> LabeledCounterProbe::Read() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void PartitionGaugeProbe::Replace(std::vector<Entry> entries) {
  std::lock_guard lock(mu_);
  entries_ = std::move(entries);
}

std::vector<PartitionGaugeProbe::Entry> PartitionGaugeProbe::Read() const {
  std::lock_guard lock(mu_);
  return entries_;
}

int64_t ConsumerLag(int64_t high_watermark, int64_t committed_offset) {
  if (high_watermark < 0) return 0;
  // No committed offset yet: everything up to the high watermark is outstanding (the group
  // starts from the earliest offset). Log-start truncation is ignored: an overestimate at worst.
  if (committed_offset < 0) return high_watermark;
  return std::max<int64_t>(0, high_watermark - committed_offset);
}

}  // namespace newsflow
