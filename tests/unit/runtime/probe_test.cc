#include "services/core/runtime/probe.h"

#include <gtest/gtest.h>

#include <thread>

namespace newsflow {
namespace {

TEST(ConsumerLagTest, NeverNegative) {
  EXPECT_EQ(ConsumerLag(100, 40), 60);
  EXPECT_EQ(ConsumerLag(100, 100), 0);
  EXPECT_EQ(ConsumerLag(90, 100), 0) << "stale high watermark must not give negative lag";
  EXPECT_EQ(ConsumerLag(-1, 10), 0) << "unknown high watermark";
  EXPECT_EQ(ConsumerLag(50, -1001), 50) << "nothing committed: all outstanding";
}

TEST(HistogramProbeTest, CumulativeBucketsAndSum) {
  HistogramProbe h({1, 5, 10});
  for (double v : {0.5, 1.0, 3.0, 7.0, 100.0}) h.Observe(v);
  auto s = h.Read();
  ASSERT_EQ(s.cumulative_counts.size(), 4u);
  EXPECT_EQ(s.cumulative_counts[0], 2u);  // <= 1 (le is inclusive)
  EXPECT_EQ(s.cumulative_counts[1], 3u);
  EXPECT_EQ(s.cumulative_counts[2], 4u);
  EXPECT_EQ(s.cumulative_counts[3], 5u);  // +Inf
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.sum, 111.5);
}

TEST(HistogramProbeTest, ConcurrentObserversLoseNothing) {
  HistogramProbe h({1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.Observe(0.5);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.Read().count, 40000u);
  EXPECT_DOUBLE_EQ(h.Read().sum, 20000.0);
}

TEST(LabeledCounterProbeTest, CountsPerLabel) {
  LabeledCounterProbe c;
  c.Add("invalid_protobuf");
  c.Add("invalid_protobuf");
  c.Add("too_large", 3);
  auto counts = c.Read();
  EXPECT_EQ(counts["invalid_protobuf"], 2u);
  EXPECT_EQ(counts["too_large"], 3u);
}

}  // namespace
}  // namespace newsflow
