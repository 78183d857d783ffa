#pragma once

// ingest's way into Kafka: batches of records (an article and its seen-marker) written in Kafka
// transactions, so a batch is visible downstream all or nothing, and a caller learns its records
// are on the broker before it acknowledges anything to its own client.
//
// Thread-safe: any thread may Submit; one background thread owns the transactional producer.
// Memory is bounded: Submit refuses work beyond `max_pending_records` instead of queueing it.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "services/core/runtime/kafka.h"
#include "services/core/runtime/stage.h"

namespace newsflow::ingest {

struct PublisherOptions {
  std::map<std::string, std::string> kafka_properties;  // bootstrap, security
  std::string transactional_id;                         // unique per ingest instance
  int64_t max_pending_records = 20000;                  // Submit fails with kQueueFull beyond this
  int64_t max_transaction_records = 1000;               // records per transaction at most
  int64_t linger_ms = 20;                               // wait this long to gather more batches
  int64_t transaction_timeout_ms = 60000;
  int max_attempts = 3;  // transaction attempts per batch before its callers get an error
};

struct PublishResult {
  bool ok = false;
  std::string error;  // when !ok
};

struct PublisherProbe {
  std::atomic<uint64_t> transactions_committed{0};
  std::atomic<uint64_t> transactions_aborted{0};
  std::atomic<uint64_t> records_published{0};
  std::atomic<uint64_t> batches_failed{0};
  std::atomic<int64_t> pending_records{0};
};

class Publisher {
 public:
  // Connects and initializes transactions (fencing a previous instance with the same id).
  // Returns nullptr and sets `*error` on failure.
  static std::unique_ptr<Publisher> Create(PublisherOptions options, std::string* error);
  ~Publisher();  // Stop()

  enum class Refusal { kQueueFull, kStopped };

  // Queues `records` to be written together in one transaction. The future resolves once the
  // transaction committed (ok) or failed for good. Returns the refusal instead when the queue is
  // full or the publisher stopped; nothing is queued then.
  std::variant<std::future<PublishResult>, Refusal> Submit(std::vector<OutputRecord> records);

  // Publishes what is queued, then stops the thread. Idempotent.
  void Stop();

  const PublisherProbe& probe() const { return probe_; }

 private:
  struct Batch {
    std::vector<OutputRecord> records;
    std::promise<PublishResult> promise;
  };

  explicit Publisher(PublisherOptions options);
  bool Connect(std::string* error);
  void Run();
  // One transaction over `batches`; returns an empty string on commit, else the error.
  std::string Transact(std::vector<Batch>& batches, bool* fatal);

  PublisherOptions options_;
  kafka::Handle producer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  int64_t queued_records_ = 0;
  bool stopping_ = false;
  std::thread thread_;
  PublisherProbe probe_;
};

}  // namespace newsflow::ingest
