#pragma once

// The contract between the runtime and a stage's pure logic. Deliberately free of librdkafka and
// prometheus-cpp so stage logic can be unit-tested, fuzzed and benchmarked alone.

#include <cstdint>
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
struct StageResult {
  std::vector<OutputRecord> records;
  std::optional<DeadLetterVerdict> dead_letter;

  void Emit(std::string topic, std::string key, std::string value, Headers headers = {}) {
    records.push_back({std::move(topic), std::move(key), std::move(value), std::move(headers)});
  }
  void Reject(std::string reason, std::string detail) {
    dead_letter = DeadLetterVerdict{std::move(reason), std::move(detail)};
  }
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
