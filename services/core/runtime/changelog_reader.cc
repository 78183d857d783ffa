#include "services/core/runtime/changelog_reader.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace newsflow {

ChangelogReader::ChangelogReader(std::map<std::string, std::string> properties, std::string topic,
                                 Apply apply)
    : properties_(std::move(properties)), topic_(std::move(topic)), apply_(std::move(apply)) {}

std::unique_ptr<ChangelogReader> ChangelogReader::Restore(
    std::map<std::string, std::string> properties, std::string topic, Apply apply, int timeout_ms,
    std::string_view timeout_key, std::string* error) {
  auto reader =
      std::make_unique<ChangelogReader>(std::move(properties), std::move(topic), std::move(apply));
  if (auto err = reader->CatchUp(timeout_ms)) {
    *error = *err + " (key " + std::string(timeout_key) + ")";
    return nullptr;
  }
  reader->StartFollowing();
  return reader;
}

ChangelogReader::~ChangelogReader() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (consumer_) rd_kafka_consumer_close(consumer_.get());
}

std::optional<std::string> ChangelogReader::CatchUp(int timeout_ms) {
  auto props = properties_;
  // Partitions are assigned by hand and offsets never committed: the group id only satisfies
  // librdkafka and must not collide with the stage's own group.
  props["group.id"] = "newsflow-changelog-reader";
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  props["isolation.level"] = "read_committed";
  props["enable.partition.eof"] = "true";
  props["auto.offset.reset"] = "earliest";
  std::string error;
  kafka::Conf conf = kafka::MakeConf(props, &error);
  if (!conf) return "changelog " + topic_ + ": " + error;
  rd_kafka_conf_set_log_cb(conf.get(), kafka::LogToSpdlog);
  char errstr[512];
  consumer_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), errstr, sizeof(errstr)));
  if (!consumer_) return "changelog " + topic_ + ": " + errstr;

  const rd_kafka_metadata_t* metadata = nullptr;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  while (true) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(consumer_.get(), topic_.c_str(), nullptr);
    err = rd_kafka_metadata(consumer_.get(), 0, rkt, &metadata, 5000);
    rd_kafka_topic_destroy(rkt);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && metadata->topic_cnt == 1 &&
        metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
        metadata->topics[0].partition_cnt > 0) {
      break;
    }
    if (metadata) rd_kafka_metadata_destroy(metadata);
    metadata = nullptr;
    if (std::chrono::steady_clock::now() > deadline) {
      return "changelog " + topic_ + ": no metadata (" + rd_kafka_err2str(err) + ")";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  kafka::TopicPartitionList partitions(
      rd_kafka_topic_partition_list_new(metadata->topics[0].partition_cnt));
  for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
    int32_t id = metadata->topics[0].partitions[i].id;
    rd_kafka_topic_partition_list_add(partitions.get(), topic_.c_str(), id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    at_end_[id] = false;
  }
  rd_kafka_metadata_destroy(metadata);
  if (auto e = rd_kafka_assign(consumer_.get(), partitions.get())) {
    return "changelog " + topic_ + ": assign: " + rd_kafka_err2str(e);
  }
  auto all_at_end = [this] {
    for (const auto& [partition, done] : at_end_) {
      if (!done) return false;
    }
    return true;
  };
  while (!all_at_end()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return "changelog " + topic_ + ": not read to its end within " + std::to_string(timeout_ms) +
             " ms (" + std::to_string(records_applied_.load()) + " records applied)";
    }
    Poll(100);
  }
  spdlog::info("changelog {}: restored {} records", topic_, records_applied_.load());
  return std::nullopt;
}

void ChangelogReader::Poll(int timeout_ms) {
  kafka::Message message(rd_kafka_consumer_poll(consumer_.get(), timeout_ms));
  if (!message) return;
  if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    at_end_[message->partition] = true;
    return;
  }
  if (message->err) {
    spdlog::warn("changelog {}: {}", topic_, rd_kafka_message_errstr(message.get()));
    return;
  }
  rd_kafka_timestamp_type_t type;
  int64_t timestamp = rd_kafka_message_timestamp(message.get(), &type);
  apply_(std::string_view(static_cast<const char*>(message->key), message->key_len),
         std::string_view(static_cast<const char*>(message->payload), message->len), timestamp);
  records_applied_.fetch_add(1);
}

void ChangelogReader::StartFollowing() {
  thread_ = std::thread([this] {
    while (!stop_) Poll(200);
  });
}

}  // namespace newsflow
