#pragma once

// The one place probes become Prometheus metric families. Families are built at scrape time
// from the probes' current values, so stage code never touches prometheus-cpp.

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/core/runtime/probe.h"

namespace newsflow::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Collects families from registered readers at scrape time. Thread-safe: readers may be added
// while a scrape runs; each reader must itself be safe to call from the HTTP thread.
class ProbeCollectable : public prometheus::Collectable {
 public:
  using Reader = std::function<void(std::vector<prometheus::MetricFamily>* out)>;

  void AddReader(Reader reader);

  // Convenience readers for scalar probes. `value` is read on every scrape.
  void AddCounter(std::string name, std::string help, Labels labels, std::function<double()> value);
  void AddGauge(std::string name, std::string help, Labels labels, std::function<double()> value);
  void AddHistogram(std::string name, std::string help, Labels labels, const HistogramProbe* probe);
  void AddLabeledCounter(std::string name, std::string help, Labels labels, std::string label_name,
                         const LabeledCounterProbe* probe);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mu_;
  std::vector<Reader> readers_;
};

// Metrics of one daemon: probe bindings plus a plain prometheus-cpp registry for anything a
// daemon prefers to register directly.
class DaemonMetrics {
 public:
  explicit DaemonMetrics(std::string stage);

  ProbeCollectable& probes() { return *probes_; }
  prometheus::Registry& registry() { return *registry_; }
  const std::string& stage() const { return stage_; }

  // Exposition text (format 0.0.4) of everything registered.
  std::string Serialize() const;

 private:
  std::string stage_;
  std::shared_ptr<ProbeCollectable> probes_;
  std::shared_ptr<prometheus::Registry> registry_;
};

// Binds the stage loop's probe: newsflow_messages_consumed_total, ..._produced_total,
// newsflow_dead_letters_total{reason}, newsflow_processing_seconds, newsflow_batch_size,
// newsflow_transactions_total{result}, newsflow_consumer_lag{topic,partition},
// newsflow_producer_queue_messages, newsflow_rebalances_total, ... all labelled stage=<stage>.
void BindLoopProbe(DaemonMetrics* metrics, const LoopProbe* probe);

// newsflow_build_info{version,commit,stage} 1, plus one newsflow_component_info per component.
void BindBuildInfo(DaemonMetrics* metrics, std::string version, std::string commit);

// What the process metrics are made of, read from /proc/self at scrape time.
struct ProcessSample {
  double cpu_seconds = 0;            // utime + stime
  double resident_memory_bytes = 0;  // VmRSS
  double virtual_memory_bytes = 0;   // VmSize
  double start_time_seconds = 0;     // Unix time the process started
  double open_fds = 0;
  double threads = 0;
};
// Parses /proc/<pid>/stat text (fields after the parenthesised command name, which may itself
// contain spaces and parentheses). `ticks_per_second` is sysconf(_SC_CLK_TCK), `boot_time` the
// btime of /proc/stat. False if the text is not a stat line.
bool ParseProcStat(const std::string& stat, double ticks_per_second, double boot_time,
                   ProcessSample* out);
// Parses VmRSS / VmSize / Threads of /proc/<pid>/status text. False if VmRSS is missing.
bool ParseProcStatus(const std::string& status, ProcessSample* out);
// Samples the running process (fields that cannot be read stay 0).
ProcessSample SampleProcess();

// The Prometheus client conventions' process metrics, labelled stage=<stage>:
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_start_time_seconds, process_open_fds, process_threads. prometheus-cpp has no process
// collector, so the runtime reads /proc/self itself.
void BindProcessMetrics(DaemonMetrics* metrics);

}  // namespace newsflow::metrics
