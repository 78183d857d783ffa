#include "services/core/runtime/kafka.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

namespace newsflow::kafka {

// librdkafka logs from its own threads; spdlog's default logger is thread-safe, so its lines
// share the daemon's format (text or JSON lines) instead of librdkafka's stderr format.
std::vector<std::pair<std::string, std::string>> ReadHeaders(const rd_kafka_message_t* msg) {
  std::vector<std::pair<std::string, std::string>> out;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(msg, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0;
       rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    out.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : "");
  }
  return out;
}

void LogToSpdlog(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  auto spd_level = level <= 2   ? spdlog::level::critical
                   : level == 3 ? spdlog::level::err
                   : level == 4 ? spdlog::level::warn
                   : level <= 6 ? spdlog::level::info
                                : spdlog::level::debug;
  spdlog::log(spd_level, "librdkafka {} {}: {}", rd_kafka_name(rk), facility, buf);
}

Conf MakeConf(const std::map<std::string, std::string>& properties, std::string* error) {
  Conf conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [key, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      *error = "Kafka property '" + key + "': " + errstr;
      return nullptr;
    }
  }
  return conf;
}

namespace {

// Collects the protocol features librdkafka enables per broker after the ApiVersion exchange,
// from its "feature" debug lines ("<broker>: Enabling feature MsgVer2").
struct FeatureLog {
  std::mutex mu;
  std::map<std::string, std::set<std::string>> enabled_by_broker;
};

void FeatureLogCallback(const rd_kafka_t* rk, int /*level*/, const char* /*fac*/, const char* buf) {
  auto* log = static_cast<FeatureLog*>(rd_kafka_opaque(rk));
  std::string_view line(buf);
  static constexpr std::string_view kMarker = ": Enabling feature ";
  size_t marker = line.find(kMarker);
  if (marker == std::string_view::npos) return;
  std::string broker(line.substr(0, marker));
  // "[thrd:127.0.0.1:9092/bootstrap]: 127.0.0.1:9092/bootstrap" -> last part names the broker.
  if (size_t colon = broker.rfind("]: "); colon != std::string::npos) {
    broker = broker.substr(colon + 3);
  }
  std::string feature(line.substr(marker + kMarker.size()));
  std::lock_guard lock(log->mu);
  log->enabled_by_broker[broker].insert(feature);
}

}  // namespace

std::optional<std::string> CheckBrokerFeatures(const std::map<std::string, std::string>& properties,
                                               const std::vector<std::string>& required,
                                               int timeout_ms) {
  auto props = properties;
  props["debug"] = "feature";
  std::string error;
  Conf conf = MakeConf(props, &error);
  if (!conf) return error;
  FeatureLog log;
  rd_kafka_conf_set_opaque(conf.get(), &log);
  rd_kafka_conf_set_log_cb(conf.get(), FeatureLogCallback);
  char errstr[512];
  Handle handle(rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), errstr, sizeof(errstr)));
  if (!handle) return std::string("cannot create Kafka client: ") + errstr;

  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle.get(), 0, nullptr, &metadata, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::string("cannot reach Kafka at bootstrap.servers: ") + rd_kafka_err2str(err);
  }
  rd_kafka_metadata_destroy(metadata);

  // Features are logged by the broker thread right after the ApiVersion reply, before it sends
  // the metadata request we just got answered, so a short grace period is enough.
  std::string missing_report;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2000);
  while (true) {
    missing_report.clear();
    {
      std::lock_guard lock(log.mu);
      if (log.enabled_by_broker.empty()) missing_report = "no broker reported its features; ";
      for (const auto& [broker, enabled] : log.enabled_by_broker) {
        for (const auto& feature : required) {
          if (!enabled.count(feature)) {
            std::string list;
            for (const auto& f : enabled) list += (list.empty() ? "" : ",") + f;
            missing_report +=
                "broker " + broker + " lacks " + feature + " (enabled: " + list + "); ";
          }
        }
      }
    }
    if (missing_report.empty() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!missing_report.empty()) {
    return "librdkafka " + std::string(rd_kafka_version_str()) +
           " did not enable the protocol features newsflow needs: " + missing_report +
           "use Apache Kafka 4.1 or newer (4.0.0 removed protocol versions this client needs)";
  }
  return std::nullopt;
}

std::optional<std::string> EnsureTopics(const std::map<std::string, std::string>& properties,
                                        const std::vector<TopicSpec>& topics, int timeout_ms) {
  std::string error;
  Conf conf = MakeConf(properties, &error);
  if (!conf) return error;
  char errstr[512];
  Handle admin(rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), errstr, sizeof(errstr)));
  if (!admin) return std::string("cannot create Kafka admin client: ") + errstr;

  std::vector<rd_kafka_NewTopic_t*> new_topics;
  for (const auto& spec : topics) {
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(
        spec.name.c_str(), spec.partitions, spec.replication_factor, errstr, sizeof(errstr));
    if (topic == nullptr) {
      for (auto* t : new_topics) rd_kafka_NewTopic_destroy(t);
      return "topic '" + spec.name + "': " + errstr;
    }
    for (const auto& [key, value] : spec.configs) {
      rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
    }
    new_topics.push_back(topic);
  }
  Queue queue(rd_kafka_queue_new(admin.get()));
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(admin.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, errstr, sizeof(errstr));
  rd_kafka_CreateTopics(admin.get(), new_topics.data(), new_topics.size(), options, queue.get());
  rd_kafka_AdminOptions_destroy(options);
  for (auto* t : new_topics) rd_kafka_NewTopic_destroy(t);

  rd_kafka_event_t* event = rd_kafka_queue_poll(queue.get(), timeout_ms + 5000);
  if (event == nullptr) return "timed out creating topics";
  std::optional<std::string> result;
  if (rd_kafka_event_error(event)) {
    result = std::string("creating topics failed: ") + rd_kafka_event_error_string(event);
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(event);
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &count);
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* msg = rd_kafka_topic_result_error_string(results[i]);
        result = "creating topic '" + std::string(rd_kafka_topic_result_name(results[i])) +
                 "' failed: " + (msg ? msg : rd_kafka_err2str(err));
        break;
      }
    }
  }
  rd_kafka_event_destroy(event);
  return result;
}

}  // namespace newsflow::kafka
