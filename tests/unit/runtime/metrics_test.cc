#include "services/core/runtime/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>

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
  EXPECT_THAT(
      text,
      HasSubstr("newsflow_dead_letters_total{stage=\"normalize\",reason=\"invalid_protobuf\"} 2"));
  EXPECT_THAT(text,
              HasSubstr("newsflow_transactions_total{stage=\"normalize\",result=\"committed\"} 3"));
  EXPECT_THAT(text,
              HasSubstr("newsflow_transactions_total{stage=\"normalize\",result=\"aborted\"} 1"));
  EXPECT_THAT(text, HasSubstr("newsflow_consumer_lag{stage=\"normalize\",topic=\"news.raw\","
                              "partition=\"3\"} 42"));
  EXPECT_THAT(text, HasSubstr("newsflow_processing_seconds_count{stage=\"normalize\"} 1"));
  EXPECT_THAT(text,
              HasSubstr("newsflow_processing_seconds_bucket{stage=\"normalize\",le=\"+Inf\"} 1"));
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

TEST(ProcessMetricsTest, ParsesProcStatWithSpacesAndParensInTheCommandName) {
  // Fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  //         utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss
  std::string stat =
      "4242 (news (flow) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 7 20 0 9 0 1000 "
      "123456789 2048 18446744073709551615\n";
  ProcessSample sample;
  ASSERT_TRUE(ParseProcStat(stat, 100.0, 1700000000.0, &sample));
  EXPECT_DOUBLE_EQ(sample.cpu_seconds, 3.0);  // (250 + 50) / 100; children's time excluded
  EXPECT_DOUBLE_EQ(sample.threads, 9.0);
  EXPECT_DOUBLE_EQ(sample.start_time_seconds, 1700000010.0);
  EXPECT_FALSE(ParseProcStat("garbage", 100.0, 0, &sample));
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2 3", 100.0, 0, &sample));
}

TEST(ProcessMetricsTest, ParsesProcStatusMemoryInBytes) {
  std::string status =
      "Name:\tnewsflow\nVmPeak:\t  999 kB\nVmSize:\t  2000 kB\nVmRSSX:\t1 kB\n"
      "VmRSS:\t  1500 kB\nThreads:\t5\n";
  ProcessSample sample;
  ASSERT_TRUE(ParseProcStatus(status, &sample));
  EXPECT_DOUBLE_EQ(sample.resident_memory_bytes, 1500.0 * 1024);
  EXPECT_DOUBLE_EQ(sample.virtual_memory_bytes, 2000.0 * 1024);
  EXPECT_DOUBLE_EQ(sample.threads, 5.0);
  EXPECT_FALSE(ParseProcStatus("Name:\tx\n", &sample));
}

TEST(ProcessMetricsTest, ExposesTheRunningProcessWithTheStageLabel) {
  // Burn a little CPU so the counter is visibly above zero.
  volatile double x = 0;
  for (int i = 0; i < 20000000; ++i) x = x + i * 0.5;
  ProcessSample sample = SampleProcess();
  EXPECT_GT(sample.cpu_seconds, 0.0);
  EXPECT_GT(sample.resident_memory_bytes, 1024.0 * 1024);
  EXPECT_GE(sample.virtual_memory_bytes, sample.resident_memory_bytes);
  EXPECT_GT(sample.open_fds, 2.0);
  EXPECT_GE(sample.threads, 1.0);
  EXPECT_GT(sample.start_time_seconds, 1.5e9);
  EXPECT_LE(sample.start_time_seconds, static_cast<double>(time(nullptr)) + 1);

  DaemonMetrics metrics("normalize");
  BindProcessMetrics(&metrics);
  std::string text = metrics.Serialize();
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter"));
  EXPECT_THAT(text, HasSubstr("process_cpu_seconds_total{stage=\"normalize\"} "));
  EXPECT_THAT(text, HasSubstr("# TYPE process_resident_memory_bytes gauge"));
  EXPECT_THAT(text, HasSubstr("process_resident_memory_bytes{stage=\"normalize\"} "));
  EXPECT_THAT(text, HasSubstr("process_open_fds{stage=\"normalize\"} "));
  EXPECT_THAT(text, HasSubstr("process_start_time_seconds{stage=\"normalize\"} "));
}

}  // namespace
}  // namespace newsflow::metrics
