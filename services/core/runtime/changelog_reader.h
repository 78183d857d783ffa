#pragma once

// Reads a (compacted) changelog topic in full, on every instance, from the beginning and then
// continuously: the way a stage restores state it wrote in its own transactions and sees what
// other instances write. Only committed records are delivered (read_committed).

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "services/core/runtime/kafka.h"

namespace newsflow {

class ChangelogReader {
 public:
  // Called from the reader's thread (and from the caller's during CatchUp) for each record;
  // `value` is empty for a tombstone.
  using Apply =
      std::function<void(std::string_view key, std::string_view value, int64_t timestamp_ms)>;

  // Creates a reader, reads `topic` to its end and starts following it: what a daemon does in
  // StageDefinition::before_loop. Returns nullptr with `*error` (naming `timeout_key`, the config
  // key of `timeout_ms`) when the topic cannot be read in time.
  static std::unique_ptr<ChangelogReader> Restore(std::map<std::string, std::string> properties,
                                                  std::string topic, Apply apply, int timeout_ms,
                                                  std::string_view timeout_key, std::string* error);

  // `properties`: the daemon's librdkafka properties (bootstrap, security).
  ChangelogReader(std::map<std::string, std::string> properties, std::string topic, Apply apply);
  ~ChangelogReader();  // stops the thread and closes the consumer

  ChangelogReader(const ChangelogReader&) = delete;
  ChangelogReader& operator=(const ChangelogReader&) = delete;

  // Assigns every partition from the beginning and applies records until each partition reached
  // its end as of this call. Returns an error when the topic cannot be read within `timeout_ms`.
  std::optional<std::string> CatchUp(int timeout_ms);

  // After CatchUp: keeps applying new records on a background thread until destruction.
  void StartFollowing();

  uint64_t records_applied() const { return records_applied_.load(); }

 private:
  void Poll(int timeout_ms);

  std::map<std::string, std::string> properties_;
  std::string topic_;
  Apply apply_;
  kafka::Handle consumer_;
  std::map<int32_t, bool> at_end_;  // partition -> reached end during CatchUp
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> records_applied_{0};
  std::thread thread_;
};

}  // namespace newsflow
