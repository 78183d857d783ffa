#pragma once

// Consume -> transform -> produce with exactly-once semantics: a transactional producer writes
// a stage's outputs, dead letters and the input offsets in one Kafka transaction; consumers read
// with isolation.level=read_committed.
//
// Transaction errors are handled as librdkafka documents them: an abortable error aborts the
// transaction and rewinds the consumer to the group's committed offsets; a retriable error is
// retried, and if the outcome stays unknown the producer is re-created (init_transactions
// settles the old transaction) and the consumer rewound; a fatal error (e.g. fenced by a newer
// instance with the same transactional.id) ends Run() with a non-zero status so the supervisor
// restarts the daemon cleanly.
//
// With overlap_commit, a transaction's commit (send offsets, flush, EndTxn: several broker round
// trips) runs on a helper thread while the loop keeps consuming and processing: those records'
// outputs are held in memory and produced into the next transaction once the commit succeeded.
// If it failed, they are dropped with the failed transaction (Stage::Aborted(), rewind) and
// processed again, so a record's outputs still go out in exactly one committed transaction.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "services/core/runtime/kafka.h"
#include "services/core/runtime/probe.h"
#include "services/core/runtime/stage.h"

namespace newsflow {

struct LoopOptions {
  // Stage name stamped on dead letters and record headers. Required.
  std::string stage;
  // Identifies this instance; with group_id it forms the transactional.id, so a restarted
  // instance fences its predecessor's open transaction at once. Required, unique per instance.
  std::string instance_id;
  // librdkafka properties shared by consumer and producer (bootstrap.servers, security...).
  std::map<std::string, std::string> kafka_properties;
  // Consumer group. Required.
  std::string group_id;
  std::vector<std::string> input_topics;
  std::string dlq_topic = "news.dlq";
  // A transaction commits after this many input records...
  int64_t transaction_max_messages = 500;
  // ...or this long after it began, whichever comes first.
  int64_t transaction_max_ms = 100;
  // ...or, once the input has run dry, when it is at least this old: a quiet input gets its
  // records downstream after about this long plus a commit instead of waiting out
  // transaction_max_ms, while a busy input (never dry) still fills transactions up to the limits
  // above. 0 commits as soon as the input is dry.
  int64_t transaction_linger_ms = 10;
  // Process the next records while a transaction commits (see above) instead of waiting for the
  // commit's round trips; at most one transaction's worth (transaction_max_messages records,
  // transaction_max_ms of processing) is held meanwhile. Pays in a stage whose processing is
  // heavy next to its commit (entity-tag, sink); a light one fed a steady trickle gains nothing
  // (docs/benchmarks.md, session 7), so it is off unless configured.
  bool overlap_commit = false;
  // After a commit, process on into memory for this long before the next transaction's first
  // produce. The broker completes a committed transaction a few milliseconds after answering
  // EndTxn, and a partition registered before that is refused (CONCURRENT_TRANSACTIONS), which
  // librdkafka retries only after a fixed 20 ms: a sixth to a third of the transactions at
  // 1,000 articles/s (docs/benchmarks.md, session 10). 0: produce at once. Default 0.
  int64_t transaction_start_delay_ms = 0;
  // Output topics whose records all go to one partition per transaction, whatever their key
  // (the next partition for each transaction, round robin from a random start). Every partition
  // a transaction writes costs the broker a produce request, a partition verification and a
  // commit marker (docs/benchmarks.md, session 9), so a stage writing N keyed partitions pays that
  // N times per commit. Only for topics whose readers do not need one key's records in one
  // partition: not for compacted topics or a key's ordering. Default: none (key partitioning).
  std::vector<std::string> transaction_partitioned_topics;
  // Producer messages not yet delivered above which consumption pauses until half drained.
  int64_t max_in_flight_messages = 10000;
  // Broker-side transaction timeout; an instance killed mid-transaction blocks read_committed
  // readers of its output at most this long unless it is restarted sooner.
  int64_t transaction_timeout_ms = 60000;
  // Timeout for one transactional API call (commit, abort, send offsets).
  int64_t api_timeout_ms = 30000;
  // librdkafka statistics interval (producer queue depth, broker state).
  int64_t statistics_interval_ms = 5000;
  // How often consumer lag gauges are refreshed.
  int64_t lag_refresh_ms = 1000;
  // Stamped into the newsflow-version header of every output record.
  std::string newsflow_version = "dev";
};

class StageLoop {
 public:
  // `stage` and `probe` must outlive the loop.
  StageLoop(LoopOptions options, Stage* stage, LoopProbe* probe);
  ~StageLoop();
  StageLoop(const StageLoop&) = delete;
  StageLoop& operator=(const StageLoop&) = delete;

  // Creates the clients, initializes transactions and subscribes. Returns an error message on
  // failure (the daemon should exit non-zero).
  std::optional<std::string> Start();

  // Runs until `stop` becomes true (then finishes in-flight work, commits and returns 0) or a
  // fatal error (returns 1). When `reload` is set, calls Stage::Reload() between transactions
  // and clears it. Call from one thread only.
  int Run(const std::atomic<bool>& stop, std::atomic<bool>& reload);

  // Thread-safe. nullopt when ready (broker reachable and group assignment received).
  std::optional<std::string> NotReadyReason() const;

 private:
  struct PartitionKey {
    std::string topic;
    int32_t partition;
    bool operator<(const PartitionKey& o) const {
      return topic != o.topic ? topic < o.topic : partition < o.partition;
    }
  };

  static void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static int ConsumerStatsCallback(rd_kafka_t* rk, char* json, size_t len, void* opaque);
  static int ProducerStatsCallback(rd_kafka_t* rk, char* json, size_t len, void* opaque);
  static void DeliveryCallback(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  // librdkafka partitioner of transaction_partitioned_topics; rkt_opaque is the loop.
  static int32_t TransactionPartitioner(const rd_kafka_topic_t* topic, const void* key,
                                        size_t key_size, int32_t partition_count, void* rkt_opaque,
                                        void* msg_opaque);

  std::optional<std::string> CreateProducer();
  void OnAssign(rd_kafka_topic_partition_list_t* partitions);
  void OnRevoke();

  // What processing one input record gave, beside its outputs (in result_, or in `outputs`
  // once deferred).
  struct ProcessedRecord {
    PartitionKey source;
    int64_t next_offset = 0;
    std::vector<OutputRecord> outputs;  // set only for a deferred record
    std::optional<std::string> dead_letter_reason;
    std::chrono::steady_clock::time_point processed_at;
  };
  enum class CommitOutcome { kCommitted, kAbortRequired, kFatal, kUnknown };

  // Runs the stage on one consumed record, its outputs (or its dead letter) left in result_;
  // touches no producer.
  ProcessedRecord ProcessRecord(const rd_kafka_message_t* msg);
  // Produces a processed record's outputs into the open transaction and adds its offset to it;
  // on failure abandons the transaction (abort and rewind) and returns false.
  bool ProduceProcessed(const ProcessedRecord& record, const std::vector<OutputRecord>& outputs);
  // Processes one consumed record while a commit is in flight, into deferred_.
  void DeferRecord(const rd_kafka_message_t* msg);
  // Processes one consumed record inside the open transaction.
  void HandleRecord(const rd_kafka_message_t* msg);
  // Produces with retry on a full queue; false when the transaction must be abandoned.
  bool Produce(const std::string& topic, const std::string& key, const std::string& value,
               const Headers& headers);
  // The producer's handle of `topic`, created on first use; null if librdkafka refuses one.
  rd_kafka_topic_t* TopicHandle(const std::string& topic);
  bool BeginTransactionIfNeeded();
  // Commits the open transaction (offsets included) and waits. Returns false if it did not commit.
  bool CommitTransaction();
  // Prepares the open transaction (Stage::PrepareCommit) and starts its Kafka commit, on a
  // helper thread when `async`. False (transaction abandoned) if the stage could not prepare.
  bool LaunchCommit(bool async);
  // Waits for the launched commit and settles it: bookkeeping on success; on failure abort or
  // re-create the producer, rewind, and drop the deferred records. Returns true if committed.
  bool AwaitCommit();
  // The Kafka calls of a commit, safe off the loop thread: no stage, consumer seek or loop state.
  CommitOutcome CommitKafka(const std::map<PartitionKey, int64_t>& offsets, rd_kafka_t* producer,
                            rd_kafka_consumer_group_metadata_t* group);
  // Produces the records processed during a commit into a new transaction.
  void ProduceDeferred();
  // Finishes a commit in flight, if any, and produces what was processed meanwhile.
  void SettleCommitInFlight();
  // One step of the loop while a commit is in flight or its start delay runs
  // (transaction_start_delay_ms): process one more record into deferred_, or settle the commit
  // once it is done or enough is held, and produce what is held once the delay is over.
  void WorkAhead();
  // True while records are held after a commit (transaction_start_delay_ms).
  bool HoldingAfterCommit() const;
  // Produces what is held when no commit is in flight (a revocation or a stop cannot wait).
  void ProduceHeld();
  void AbortTransaction();
  void ReinitializeProducer();
  void RewindToCommitted();
  void ApplyBackpressure(const std::atomic<bool>& stop);
  void RefreshLag();
  void MaybeReload(std::atomic<bool>& reload);

  LoopOptions options_;
  Stage* stage_;
  LoopProbe* probe_;
  std::string transactional_id_;
  std::string components_header_;

  // Reused for every input (see StageResult).
  StageResult result_;

  kafka::Handle consumer_;
  kafka::Handle producer_;
  // Handles of the topics produced to, for the current producer_ (released before it is): by
  // name, librdkafka looks the topic up under its handle's write lock on every record, ~10% of a
  // produce call (the sink produces ~31 records per input).
  struct TopicDeleter {
    void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
  };
  std::vector<std::pair<std::string, std::unique_ptr<rd_kafka_topic_t, TopicDeleter>>> topics_;

  bool transaction_open_ = false;
  // A launched commit not yet settled by AwaitCommit(); its thread, result and offsets.
  bool commit_in_flight_ = false;
  std::thread commit_thread_;
  std::atomic<bool> commit_done_{false};
  CommitOutcome commit_outcome_ = CommitOutcome::kCommitted;
  double commit_seconds_ = 0;
  std::chrono::steady_clock::time_point commit_started_;
  std::chrono::steady_clock::time_point committed_at_;  // when the last commit succeeded
  std::map<PartitionKey, int64_t> committing_offsets_;
  // Records processed while the commit was in flight, produced into the next transaction.
  std::vector<ProcessedRecord> deferred_;
  std::atomic<bool> fatal_{false};
  std::chrono::steady_clock::time_point transaction_started_;
  // Advanced at each begin_transaction; read by TransactionPartitioner, which librdkafka may call
  // from its own threads when a topic's partition count is not known yet at produce time.
  std::atomic<uint32_t> transaction_sequence_{0};
  int64_t transaction_records_ = 0;
  // Next offset to commit per input partition, for the open transaction.
  std::map<PartitionKey, int64_t> pending_offsets_;
  // Last offsets known committed by this group (for lag), per assigned partition.
  std::map<PartitionKey, int64_t> committed_offsets_;
  std::chrono::steady_clock::time_point last_lag_refresh_;

  mutable std::mutex state_mu_;
  bool assignment_received_ = false;
  bool broker_up_ = false;
};

}  // namespace newsflow
