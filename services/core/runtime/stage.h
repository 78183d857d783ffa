#pragma once

// The contract between the runtime and a stage's pure logic. Deliberately free of librdkafka and
// prometheus-cpp so stage logic can be unit-tested, fuzzed and benchmarked alone.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace newsflow {

using Headers = std::vector<std::pair<std::string, std::string>>;

// One consumed record. Views are valid only during Stage::Process.
struct InputRecord {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string_view key;
  std::string_view value;
  Headers headers;
  int64_t timestamp_ms = 0;  // the record's Kafka timestamp
};

struct OutputRecord {
  std::string topic;
  std::string key;
  std::string value;
  Headers headers;
};

// Why a record goes to the dead-letter topic instead of downstream.
struct DeadLetterVerdict {
  std::string reason;  // short stable code used as a metric label, e.g. "invalid_protobuf"
  std::string detail;  // human-readable, for whoever replays the record
};

// What a stage made of one input: zero or more records, or a dead letter. A dead letter discards
// `records`. Everything produced for one input is written in the same Kafka transaction as the
// input's offset.
//
// The stage loop reuses one StageResult for every input (Clear() between them), so a stage that
// emits many records per input can build them with Add(), which hands out records recycled from
// the previous inputs: their strings and header lists keep their capacity, and a warm stage
// allocates nothing per record. Emit() works on a cleared result as on a new one.
struct StageResult {
  std::vector<OutputRecord> records;
  std::optional<DeadLetterVerdict> dead_letter;

  void Emit(std::string topic, std::string key, std::string value, Headers headers = {}) {
    records.push_back({std::move(topic), std::move(key), std::move(value), std::move(headers)});
  }
  void Reject(std::string reason, std::string detail) {
    dead_letter = DeadLetterVerdict{std::move(reason), std::move(detail)};
  }

  // Appends a record with `topic`, `key` and exactly `headers`, and an empty value for the caller
  // to fill (its capacity kept). Valid until the next Add or Emit.
  OutputRecord& Add(
      std::string_view topic, std::string_view key,
      std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {}) {
    if (spare_.empty()) {
      records.emplace_back();
    } else {
      records.push_back(std::move(spare_.back()));
      spare_.pop_back();
    }
    OutputRecord& record = records.back();
    record.topic.assign(topic);
    record.key.assign(key);
    record.value.clear();
    record.headers.resize(headers.size());
    size_t i = 0;
    for (const auto& [name, value] : headers) {
      record.headers[i].first.assign(name);
      record.headers[i].second.assign(value);
      ++i;
    }
    return record;
  }

  // Empties the result for the next input: no records, no dead letter. The records' buffers are
  // kept for Add, except outsized ones (one huge article must not pin its memory for good).
  void Clear() {
    // In reverse, so that Add hands them out in the order they were used: the next input's
    // records tend to have the same sizes in the same order.
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      if (spare_.size() < kMaxSpareRecords && it->value.capacity() <= kMaxSpareValueBytes) {
        spare_.push_back(std::move(*it));
      }
    }
    records.clear();
    dead_letter.reset();
  }

 private:
  static constexpr size_t kMaxSpareRecords = 4096;
  static constexpr size_t kMaxSpareValueBytes = size_t{1} << 20;
  std::vector<OutputRecord> spare_;  // cleared records' buffers, next one to hand out last
};

// A versioned part of a stage (rules, model, knowledge base) stamped on every output.
struct Component {
  std::string name;
  std::string version;
};

// A stage's logic. Called from one thread (the stage loop); need not be thread-safe.
// Must not throw on bad input: bad input is a dead-letter verdict.
class Stage {
 public:
  virtual ~Stage() = default;

  // Short name, e.g. "normalize"; used in metrics, dead letters and provenance.
  virtual std::string_view Name() const = 0;

  virtual void Process(const InputRecord& input, StageResult* result) = 0;

  // Versions of the stage's reloadable parts.
  virtual std::vector<Component> Components() const { return {}; }

  // Re-reads reloadable parts (SIGHUP). Returns an error message and keeps the old state on
  // failure.
  virtual std::optional<std::string> Reload() { return std::nullopt; }

  // Called once the open transaction's records were all processed, right before the runtime
  // commits it: the moment to make side effects outside Kafka durable (fsync a file, COMMIT an
  // SQL transaction). An error makes the runtime abort the Kafka transaction and re-process the
  // batch, so side effects must be idempotent: a batch made durable here can still be re-processed
  // if the Kafka commit then fails.
  virtual std::optional<std::string> PrepareCommit() { return std::nullopt; }

  // Called when the open transaction was abandoned (aborted, or its producer re-created): state
  // gathered since the last PrepareCommit() is to be discarded; the batch will be re-processed.
  virtual void Aborted() {}
};

}  // namespace newsflow
