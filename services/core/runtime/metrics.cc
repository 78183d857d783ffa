#include "services/core/runtime/metrics.h"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string_view>

namespace newsflow::metrics {
namespace {

prometheus::ClientMetric MetricWithLabels(const Labels& labels) {
  prometheus::ClientMetric metric;
  for (const auto& [name, value] : labels) metric.label.push_back({name, value});
  return metric;
}

prometheus::MetricFamily Family(const std::string& name, const std::string& help,
                                prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  return family;
}

}  // namespace

void ProbeCollectable::AddReader(Reader reader) {
  std::lock_guard lock(mu_);
  readers_.push_back(std::move(reader));
}

void ProbeCollectable::AddCounter(std::string name, std::string help, Labels labels,
                                  std::function<double()> value) {
  AddReader([=](std::vector<prometheus::MetricFamily>* out) {
    auto family = Family(name, help, prometheus::MetricType::Counter);
    auto metric = MetricWithLabels(labels);
    metric.counter.value = value();
    family.metric.push_back(std::move(metric));
    out->push_back(std::move(family));
  });
}

void ProbeCollectable::AddGauge(std::string name, std::string help, Labels labels,
                                std::function<double()> value) {
  AddReader([=](std::vector<prometheus::MetricFamily>* out) {
    auto family = Family(name, help, prometheus::MetricType::Gauge);
    auto metric = MetricWithLabels(labels);
    metric.gauge.value = value();
    family.metric.push_back(std::move(metric));
    out->push_back(std::move(family));
  });
}

void ProbeCollectable::AddHistogram(std::string name, std::string help, Labels labels,
                                    const HistogramProbe* probe) {
  AddReader([=](std::vector<prometheus::MetricFamily>* out) {
    auto family = Family(name, help, prometheus::MetricType::Histogram);
    auto metric = MetricWithLabels(labels);
    auto snapshot = probe->Read();
    metric.histogram.sample_count = snapshot.count;
    metric.histogram.sample_sum = snapshot.sum;
    for (size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
      metric.histogram.bucket.push_back({snapshot.cumulative_counts[i], snapshot.upper_bounds[i]});
    }
    metric.histogram.bucket.push_back({snapshot.count, std::numeric_limits<double>::infinity()});
    family.metric.push_back(std::move(metric));
    out->push_back(std::move(family));
  });
}

void ProbeCollectable::AddLabeledCounter(std::string name, std::string help, Labels labels,
                                         std::string label_name, const LabeledCounterProbe* probe) {
  AddReader([=](std::vector<prometheus::MetricFamily>* out) {
    auto family = Family(name, help, prometheus::MetricType::Counter);
    for (const auto& [label, count] : probe->Read()) {
      auto metric = MetricWithLabels(labels);
      metric.label.push_back({label_name, label});
      metric.counter.value = static_cast<double>(count);
      family.metric.push_back(std::move(metric));
    }
    out->push_back(std::move(family));
  });
}

std::vector<prometheus::MetricFamily> ProbeCollectable::Collect() const {
  std::vector<Reader> readers;
  {
    std::lock_guard lock(mu_);
    readers = readers_;
  }
  std::vector<prometheus::MetricFamily> families;
  for (const auto& reader : readers) reader(&families);
  // Readers may contribute to the same family name; exposition needs one family per name.
  std::vector<prometheus::MetricFamily> merged;
  for (auto& family : families) {
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const auto& m) { return m.name == family.name; });
    if (it == merged.end()) {
      merged.push_back(std::move(family));
    } else {
      for (auto& metric : family.metric) it->metric.push_back(std::move(metric));
    }
  }
  return merged;
}

DaemonMetrics::DaemonMetrics(std::string stage)
    : stage_(std::move(stage)),
      probes_(std::make_shared<ProbeCollectable>()),
      registry_(std::make_shared<prometheus::Registry>()) {}

std::string DaemonMetrics::Serialize() const {
  auto families = probes_->Collect();
  auto more = registry_->Collect();
  families.insert(families.end(), std::make_move_iterator(more.begin()),
                  std::make_move_iterator(more.end()));
  return prometheus::TextSerializer().Serialize(families);
}

void BindLoopProbe(DaemonMetrics* metrics, const LoopProbe* p) {
  Labels stage = {{"stage", metrics->stage()}};
  auto& c = metrics->probes();
  auto load = [](const auto& atomic) {
    return [&atomic] { return static_cast<double>(atomic.load(std::memory_order_relaxed)); };
  };
  c.AddCounter("newsflow_messages_consumed_total", "Records consumed from the input topic.", stage,
               load(p->consumed));
  c.AddCounter("newsflow_consumed_bytes_total", "Bytes of record values consumed.", stage,
               load(p->consumed_bytes));
  c.AddCounter("newsflow_messages_produced_total",
               "Records produced downstream (excluding dead letters).", stage, load(p->produced));
  c.AddLabeledCounter("newsflow_dead_letters_total", "Records sent to the dead-letter topic.",
                      stage, "reason", &p->dead_lettered);
  c.AddHistogram("newsflow_processing_seconds", "Stage logic time per record.", stage,
                 &p->processing_seconds);
  c.AddHistogram("newsflow_batch_size", "Records per consumed batch.", stage, &p->batch_size);
  c.AddHistogram("newsflow_transaction_commit_seconds", "Time to commit one transaction.", stage,
                 &p->commit_seconds);
  c.AddReader([stage, p](std::vector<prometheus::MetricFamily>* out) {
    prometheus::MetricFamily family;
    family.name = "newsflow_transactions_total";
    family.help = "Kafka transactions by outcome.";
    family.type = prometheus::MetricType::Counter;
    for (auto [result, value] : {std::pair{"committed", p->transactions_committed.load()},
                                 std::pair{"aborted", p->transactions_aborted.load()}}) {
      auto metric = MetricWithLabels(stage);
      metric.label.push_back({"result", result});
      metric.counter.value = static_cast<double>(value);
      family.metric.push_back(std::move(metric));
    }
    out->push_back(std::move(family));
  });
  c.AddCounter("newsflow_producer_reinitializations_total",
               "Transactional producer re-created after an unknown transaction outcome.", stage,
               load(p->producer_reinitialized));
  c.AddCounter("newsflow_rebalances_total", "Consumer group rebalances seen.", stage,
               load(p->rebalances));
  c.AddCounter("newsflow_backpressure_pauses_total",
               "Times consumption was paused because in-flight work hit its cap.", stage,
               load(p->backpressure_pauses));
  c.AddCounter("newsflow_processed_during_commit_total",
               "Records processed while the previous transaction committed (overlap_commit).",
               stage, load(p->processed_during_commit));
  c.AddCounter("newsflow_config_reloads_total", "Successful SIGHUP reloads.", stage,
               load(p->reloads));
  c.AddCounter("newsflow_config_reload_failures_total", "Failed SIGHUP reloads.", stage,
               load(p->reload_failures));
  c.AddGauge("newsflow_producer_queue_messages",
             "Messages in the producer queue (librdkafka statistics msg_cnt).", stage,
             load(p->producer_queue_messages));
  c.AddGauge("newsflow_producer_queue_bytes",
             "Bytes in the producer queue (librdkafka statistics msg_size).", stage,
             load(p->producer_queue_bytes));
  c.AddGauge("newsflow_assigned_partitions", "Input partitions assigned to this instance.", stage,
             load(p->assigned_partitions));
  c.AddReader([stage, p](std::vector<prometheus::MetricFamily>* out) {
    prometheus::MetricFamily family;
    family.name = "newsflow_consumer_lag";
    family.help = "Records in the input partition not yet committed by this stage's group.";
    family.type = prometheus::MetricType::Gauge;
    for (const auto& entry : p->consumer_lag.Read()) {
      auto metric = MetricWithLabels(stage);
      metric.label.push_back({"topic", entry.topic});
      metric.label.push_back({"partition", std::to_string(entry.partition)});
      metric.gauge.value = static_cast<double>(entry.value);
      family.metric.push_back(std::move(metric));
    }
    out->push_back(std::move(family));
  });
}

void BindBuildInfo(DaemonMetrics* metrics, std::string version, std::string commit) {
  metrics->probes().AddGauge(
      "newsflow_build_info", "Build of the running daemon (always 1).",
      {{"stage", metrics->stage()}, {"version", version}, {"commit", commit}}, [] { return 1.0; });
}

namespace {

std::string ReadWholeFile(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Value of "Key:   123 kB" in /proc/.../status, in bytes when a unit is given.
bool StatusField(const std::string& text, const std::string& key, double* out) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      std::istringstream in(std::string(line.substr(key.size() + 1)));
      double value = 0;
      std::string unit;
      if (!(in >> value)) return false;
      in >> unit;
      *out = unit == "kB" ? value * 1024 : value;
      return true;
    }
    pos = end + 1;
  }
  return false;
}

double BootTime() {
  std::istringstream in(ReadWholeFile("/proc/stat"));
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double value = 0;
      in >> value;
      return value;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

bool ParseProcStat(const std::string& stat, double ticks_per_second, double boot_time,
                   ProcessSample* out) {
  // "pid (comm) state ppid ..." -- comm may contain ") ", so split at the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos || ticks_per_second <= 0) return false;
  std::istringstream in(stat.substr(close + 1));
  std::vector<std::string> fields{std::istream_iterator<std::string>(in),
                                  std::istream_iterator<std::string>()};
  // fields[0] is field 3 (state): field N is fields[N - 3].
  if (fields.size() < 22) return false;
  char* end = nullptr;
  double utime = std::strtod(fields[14 - 3].c_str(), &end);
  double stime = std::strtod(fields[15 - 3].c_str(), &end);
  double threads = std::strtod(fields[20 - 3].c_str(), &end);
  double start_ticks = std::strtod(fields[22 - 3].c_str(), &end);
  out->cpu_seconds = (utime + stime) / ticks_per_second;
  out->threads = threads;
  out->start_time_seconds = boot_time + start_ticks / ticks_per_second;
  return true;
}

bool ParseProcStatus(const std::string& status, ProcessSample* out) {
  if (!StatusField(status, "VmRSS", &out->resident_memory_bytes)) return false;
  StatusField(status, "VmSize", &out->virtual_memory_bytes);
  StatusField(status, "Threads", &out->threads);
  return true;
}

ProcessSample SampleProcess() {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double boot_time = BootTime();
  ProcessSample sample;
  ParseProcStat(ReadWholeFile("/proc/self/stat"), ticks, boot_time, &sample);
  ParseProcStatus(ReadWholeFile("/proc/self/status"), &sample);
  std::error_code ec;
  size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  sample.open_fds = static_cast<double>(fds);
  return sample;
}

void BindProcessMetrics(DaemonMetrics* metrics) {
  Labels stage = {{"stage", metrics->stage()}};
  metrics->probes().AddReader([stage](std::vector<prometheus::MetricFamily>* out) {
    ProcessSample sample = SampleProcess();
    auto add = [&](const char* name, const char* help, prometheus::MetricType type, double value) {
      auto family = Family(name, help, type);
      auto metric = MetricWithLabels(stage);
      if (type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
      } else {
        metric.gauge.value = value;
      }
      family.metric.push_back(std::move(metric));
      out->push_back(std::move(family));
    };
    using T = prometheus::MetricType;
    add("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", T::Counter,
        sample.cpu_seconds);
    add("process_resident_memory_bytes", "Resident memory size in bytes.", T::Gauge,
        sample.resident_memory_bytes);
    add("process_virtual_memory_bytes", "Virtual memory size in bytes.", T::Gauge,
        sample.virtual_memory_bytes);
    add("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        T::Gauge, sample.start_time_seconds);
    add("process_open_fds", "Number of open file descriptors.", T::Gauge, sample.open_fds);
    add("process_threads", "Number of OS threads in the process.", T::Gauge, sample.threads);
  });
}

}  // namespace newsflow::metrics
