#pragma once

// Plain counters the stage loop bumps; a binding (metrics.h) turns them into Prometheus
// families at scrape time. No Prometheus types here, so hot paths stay cheap and testable.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace newsflow {

// A fixed-bucket histogram safe to update from one thread and read from another.
class HistogramProbe {
 public:
  explicit HistogramProbe(std::vector<double> upper_bounds);

  void Observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<uint64_t> cumulative_counts;  // one per bound, then +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  std::vector<double> upper_bounds_;
  std::vector<std::atomic<uint64_t>> buckets_;  // bounds.size() + 1 (+Inf)
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Counters keyed by one label value (e.g. dead letters by reason).
class LabeledCounterProbe {
 public:
  void Add(const std::string& label, uint64_t amount = 1);
  std::map<std::string, uint64_t> Read() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> counts_;
};

// Per-partition gauges (consumer lag), replaced wholesale on each update.
class PartitionGaugeProbe {
 public:
  struct Entry {
    std::string topic;
    int32_t partition;
    int64_t value;
  };
  void Replace(std::vector<Entry> entries);
  std::vector<Entry> Read() const;

 private:
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

// Everything the stage loop counts.
struct LoopProbe {
  std::atomic<uint64_t> consumed{0};
  std::atomic<uint64_t> consumed_bytes{0};
  std::atomic<uint64_t> produced{0};
  std::atomic<uint64_t> transactions_committed{0};
  std::atomic<uint64_t> transactions_aborted{0};
  std::atomic<uint64_t> producer_reinitialized{0};
  std::atomic<uint64_t> rebalances{0};
  std::atomic<uint64_t> backpressure_pauses{0};
  std::atomic<uint64_t> processed_during_commit{0};  // records worked ahead of a commit
  std::atomic<uint64_t> reloads{0};
  std::atomic<uint64_t> reload_failures{0};
  std::atomic<int64_t> producer_queue_messages{0};
  std::atomic<int64_t> producer_queue_bytes{0};
  std::atomic<int64_t> assigned_partitions{0};
  LabeledCounterProbe dead_lettered;  // by reason
  HistogramProbe processing_seconds{
      {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1}};
  HistogramProbe batch_size{{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000}};
  HistogramProbe commit_seconds{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5}};
  PartitionGaugeProbe consumer_lag;
};

// Lag of one partition: records not yet committed by the group. Never negative: the high
// watermark can lag behind the committed offset in librdkafka's cache, and -1 means unknown.
int64_t ConsumerLag(int64_t high_watermark, int64_t committed_offset);

}  // namespace newsflow
