#pragma once

// Thin ownership and setup helpers over librdkafka's C API. Every handle is owned by a
// unique_ptr with its deleter; nothing here knows about stages.

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace newsflow::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct TopicPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
struct GroupMetadataDeleter {
  void operator()(rd_kafka_consumer_group_metadata_t* metadata) const {
    rd_kafka_consumer_group_metadata_destroy(metadata);
  }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};

using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using TopicPartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;
using Error = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using GroupMetadata = std::unique_ptr<rd_kafka_consumer_group_metadata_t, GroupMetadataDeleter>;
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

// A consumed message's headers as (name, value) pairs in order; a header without a value reads as
// an empty string.
std::vector<std::pair<std::string, std::string>> ReadHeaders(const rd_kafka_message_t* msg);

// A log_cb routing librdkafka's lines (from its own threads) through spdlog, so they share the
// daemon's format (text or JSON lines).
void LogToSpdlog(const rd_kafka_t* rk, int level, const char* facility, const char* buf);

// Builds a configuration from key/value pairs. On an invalid property returns nullptr and sets
// `*error` to a message naming the property (never its value: it may be a password).
Conf MakeConf(const std::map<std::string, std::string>& properties, std::string* error);

// Protocol features newsflow relies on (names as librdkafka reports them).
inline const std::vector<std::string>& RequiredBrokerFeatures() {
  static const std::vector<std::string> kFeatures = {"MsgVer2", "IdempotentProducer",
                                                     "BrokerBalancedConsumer"};
  return kFeatures;
}

// Connects to the cluster with a short-lived client and checks that librdkafka enabled
// `required` features for every broker it talked to. Returns an error message naming what is
// missing (e.g. a broker too old or too new for this librdkafka), or nullopt.
std::optional<std::string> CheckBrokerFeatures(const std::map<std::string, std::string>& properties,
                                               const std::vector<std::string>& required,
                                               int timeout_ms);

struct TopicSpec {
  std::string name;
  int partitions = 6;                          // used only when the topic is created
  int replication_factor = -1;                 // -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;  // e.g. cleanup.policy=compact
};

// Creates the topics that do not exist yet; existing ones are left as they are.
// Returns an error message or nullopt.
std::optional<std::string> EnsureTopics(const std::map<std::string, std::string>& properties,
                                        const std::vector<TopicSpec>& topics, int timeout_ms);

}  // namespace newsflow::kafka
