#include "services/core/runtime/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace newsflow::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, LoopProbeIsExposedWithPrometheusNames) {
  LoopProbe probe;
  DaemonMetrics metrics("normalize");
  BindLoopProbe(&metrics, &probe);
  BindBuildInfo(&metrics, "1.2.3", "abc");
  probe.consumed = 7;
  probe.produced = 5;
  probe.transactions_committed = 3;
  probe.transactions_aborted = 1;
  probe.dead_lettered.Add("invalid_protobuf", 2);
  probe.processing_seconds.Observe(0.002);
  probe.consumer_lag.Replace({{"news.raw", 3, 42}});

  std::string text = metrics.Serialize();
  EXPECT_THAT(text, HasSubstr("newsflow_messages_consumed_total{stage=\"normalize\"} 7"));
  EXPECT_THAT(text, HasSubstr("newsflow_messages_produced_total{stage=\"normalize\"} 5"));
  EXPECT_THAT(text, HasSubstr(
                        "newsflow_dead_letters_total{stage=\"normalize\",reason=\"invalid_protobuf\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("newsflow_transactions_total{stage=\"normalize\",result=\"committed\"} 3"));
  EXPECT_THAT(text,
              HasSubstr("newsflow_transactions_total{stage=\"normalize\",result=\"aborted\"} 1"));
  EXPECT_THAT(text, HasSubstr("newsflow_consumer_lag{stage=\"normalize\",topic=\"news.raw\","
                              "partition=\"3\"} 42"));
  EXPECT_THAT(text, HasSubstr("newsflow_processing_seconds_count{stage=\"normalize\"} 1"));
  EXPECT_THAT(text, HasSubstr("newsflow_processing_seconds_bucket{stage=\"normalize\",le=\"+Inf\"} 1"));
  EXPECT_THAT(text, HasSubstr("newsflow_build_info{stage=\"normalize\",version=\"1.2.3\","
                              "commit=\"abc\"} 1"));
  EXPECT_THAT(text, HasSubstr("# TYPE newsflow_processing_seconds histogram"));
  // One TYPE line per family, as the exposition format requires.
  size_t first = text.find("# TYPE newsflow_transactions_total");
  EXPECT_EQ(text.find("# TYPE newsflow_transactions_total", first + 1), std::string::npos);
}

TEST(MetricsTest, ReadersWithTheSameFamilyAreMerged) {
  DaemonMetrics metrics("x");
  metrics.probes().AddGauge("newsflow_things", "h", {{"k", "a"}}, [] { return 1.0; });
  metrics.probes().AddGauge("newsflow_things", "h", {{"k", "b"}}, [] { return 2.0; });
  auto families = metrics.probes().Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].metric.size(), 2u);
}

}  // namespace
}  // namespace newsflow::metrics
