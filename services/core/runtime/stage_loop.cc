#include "services/core/runtime/stage_loop.h"

#include <google/protobuf/timestamp.pb.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <thread>

#include "newsflow/v1/dead_letter.pb.h"

namespace newsflow {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "name=version,..." of the stage's components, for the newsflow-components header.
std::string ComponentsHeader(const Stage& stage) {
  std::string header;
  for (const auto& c : stage.Components()) {
    if (!header.empty()) header += ",";
    header += c.name + "=" + c.version;
  }
  return header;
}

}  // namespace

StageLoop::StageLoop(LoopOptions options, Stage* stage, LoopProbe* probe)
    : options_(std::move(options)), stage_(stage), probe_(probe) {
  transactional_id_ = options_.group_id + "-" + options_.instance_id;
  // Instances start at different partitions, so their transactions spread from the first.
  transaction_sequence_ = std::random_device{}();
  components_header_ = ComponentsHeader(*stage_);
}

StageLoop::~StageLoop() {
  if (commit_thread_.joinable()) commit_thread_.join();
}

std::optional<std::string> StageLoop::Start() {
  auto props = options_.kafka_properties;
  props["group.id"] = options_.group_id;
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  props["isolation.level"] = "read_committed";
  props.try_emplace("auto.offset.reset", "earliest");
  props["statistics.interval.ms"] = std::to_string(options_.statistics_interval_ms);
  // Bound the consumer's prefetch so a slow stage cannot grow the heap through it.
  props.try_emplace("queued.max.messages.kbytes", "16384");
  props.try_emplace("client.id", "newsflow-" + options_.stage + "-" + options_.instance_id);
  std::string error;
  kafka::Conf conf = kafka::MakeConf(props, &error);
  if (!conf) return error;
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &StageLoop::RebalanceCallback);
  rd_kafka_conf_set_log_cb(conf.get(), kafka::LogToSpdlog);
  rd_kafka_conf_set_stats_cb(conf.get(), &StageLoop::ConsumerStatsCallback);
  rd_kafka_conf_set_error_cb(conf.get(), &StageLoop::ErrorCallback);
  char errstr[512];
  consumer_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), errstr, sizeof(errstr)));
  if (!consumer_) return std::string("cannot create consumer: ") + errstr;
  rd_kafka_poll_set_consumer(consumer_.get());

  if (auto err = CreateProducer()) return err;

  kafka::TopicPartitionList topics(
      rd_kafka_topic_partition_list_new(static_cast<int>(options_.input_topics.size())));
  for (const auto& t : options_.input_topics) {
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), topics.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::string("cannot subscribe: ") + rd_kafka_err2str(err);
  }
  spdlog::info("stage loop started: group={} transactional.id={} inputs={}", options_.group_id,
               transactional_id_, fmt::join(options_.input_topics, ","));
  return std::nullopt;
}

std::optional<std::string> StageLoop::CreateProducer() {
  auto props = options_.kafka_properties;
  props["transactional.id"] = transactional_id_;
  props["enable.idempotence"] = "true";
  props["transaction.timeout.ms"] = std::to_string(options_.transaction_timeout_ms);
  props["statistics.interval.ms"] = std::to_string(options_.statistics_interval_ms);
  props.try_emplace("linger.ms", "5");
  props.try_emplace("compression.type", "lz4");
  // DeliveryCallback only acts on failures, and the sink sends ~30 records per article: do not
  // queue a report for every success.
  props.try_emplace("delivery.report.only.error", "true");
  props.try_emplace("client.id", "newsflow-" + options_.stage + "-" + options_.instance_id);
  std::string error;
  kafka::Conf conf = kafka::MakeConf(props, &error);
  if (!conf) return error;
  topics_.clear();  // handles of an earlier producer
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &StageLoop::DeliveryCallback);
  rd_kafka_conf_set_log_cb(conf.get(), kafka::LogToSpdlog);
  rd_kafka_conf_set_stats_cb(conf.get(), &StageLoop::ProducerStatsCallback);
  rd_kafka_conf_set_error_cb(conf.get(), &StageLoop::ErrorCallback);
  char errstr[512];
  producer_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), errstr, sizeof(errstr)));
  if (!producer_) return std::string("cannot create producer: ") + errstr;
  // init_transactions fences any earlier producer with this transactional.id and settles its
  // open transaction, which is what makes a restart after kill -9 safe.
  for (int attempt = 1;; ++attempt) {
    kafka::Error e(rd_kafka_init_transactions(producer_.get(), options_.api_timeout_ms));
    if (!e) break;
    if (rd_kafka_error_is_retriable(e.get()) && attempt < 5) {
      spdlog::warn("init_transactions attempt {} failed: {}; retrying", attempt,
                   rd_kafka_error_string(e.get()));
      continue;
    }
    return std::string("cannot initialize transactions: ") + rd_kafka_error_string(e.get());
  }
  return std::nullopt;
}

void StageLoop::RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<StageLoop*>(opaque);
  self->probe_->rebalances.fetch_add(1);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->OnAssign(partitions);
  } else {
    self->OnRevoke();
    rd_kafka_assign(rk, nullptr);
  }
}

void StageLoop::OnAssign(rd_kafka_topic_partition_list_t* partitions) {
  spdlog::info("assigned {} partition(s)", partitions->cnt);
  rd_kafka_assign(consumer_.get(), partitions);
  committed_offsets_.clear();
  kafka::TopicPartitionList copy(rd_kafka_topic_partition_list_copy(partitions));
  if (rd_kafka_committed(consumer_.get(), copy.get(), 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < copy->cnt; ++i) {
      const auto& p = copy->elems[i];
      committed_offsets_[{p.topic, p.partition}] = p.offset;
    }
  } else {
    for (int i = 0; i < partitions->cnt; ++i) {
      committed_offsets_[{partitions->elems[i].topic, partitions->elems[i].partition}] = -1;
    }
  }
  probe_->assigned_partitions.store(partitions->cnt);
  std::lock_guard lock(state_mu_);
  assignment_received_ = true;
  // An assignment came from the group coordinator, so a broker answered just now; statistics
  // (every statistics_interval_ms) keep this current from here on.
  broker_up_ = true;
}

void StageLoop::OnRevoke() {
  spdlog::info("partitions revoked");
  // Finish what was processed for the departing partitions while the group generation is still
  // ours; if the commit fails the new owner reprocesses from the committed offsets. A fatal
  // producer can do neither: its open transaction is settled by the broker or the next instance.
  if (!fatal_) {
    SettleCommitInFlight();
    ProduceHeld();
  }
  if (fatal_) {
    transaction_open_ = false;
  } else if (transaction_open_ && !CommitTransaction() && transaction_open_) {
    AbortTransaction();
  }
  committed_offsets_.clear();
  pending_offsets_.clear();
  probe_->assigned_partitions.store(0);
  probe_->consumer_lag.Replace({});
}

int StageLoop::ConsumerStatsCallback(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* self = static_cast<StageLoop*>(opaque);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json, len).get(doc) != simdjson::SUCCESS) return 0;
  bool up = false;
  simdjson::dom::object brokers;
  if (doc["brokers"].get(brokers) == simdjson::SUCCESS) {
    for (auto [name, broker] : brokers) {
      std::string_view state;
      int64_t nodeid = -1;
      if (broker["state"].get(state) == simdjson::SUCCESS &&
          broker["nodeid"].get(nodeid) == simdjson::SUCCESS && nodeid >= 0 && state == "UP") {
        up = true;
      }
    }
  }
  std::lock_guard lock(self->state_mu_);
  self->broker_up_ = up;
  return 0;
}

int StageLoop::ProducerStatsCallback(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* self = static_cast<StageLoop*>(opaque);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json, len).get(doc) != simdjson::SUCCESS) return 0;
  int64_t count = 0, size = 0;
  if (doc["msg_cnt"].get(count) == simdjson::SUCCESS) {
    self->probe_->producer_queue_messages.store(count);
  }
  if (doc["msg_size"].get(size) == simdjson::SUCCESS) {
    self->probe_->producer_queue_bytes.store(size);
  }
  return 0;
}

void StageLoop::DeliveryCallback(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  // In a transaction a failed delivery also fails the commit, which aborts and rewinds.
  if (msg->err) {
    spdlog::warn("delivery to {} failed: {}", rd_kafka_topic_name(msg->rkt),
                 rd_kafka_err2str(msg->err));
  }
}

void StageLoop::ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<StageLoop*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    std::lock_guard lock(self->state_mu_);
    self->broker_up_ = false;
  }
  spdlog::warn("kafka: {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
}

std::optional<std::string> StageLoop::NotReadyReason() const {
  if (fatal_) return "fatal Kafka error";
  std::lock_guard lock(state_mu_);
  if (!assignment_received_) return "waiting for consumer group assignment";
  if (!broker_up_) return "no broker connection up";
  return std::nullopt;
}

bool StageLoop::BeginTransactionIfNeeded() {
  if (transaction_open_) return true;
  kafka::Error e(rd_kafka_begin_transaction(producer_.get()));
  if (e) {
    spdlog::error("begin_transaction failed: {}", rd_kafka_error_string(e.get()));
    if (rd_kafka_error_is_fatal(e.get())) {
      fatal_ = true;
    } else {
      ReinitializeProducer();
      RewindToCommitted();
    }
    return false;
  }
  transaction_open_ = true;
  transaction_sequence_.fetch_add(1, std::memory_order_relaxed);
  transaction_started_ = Clock::now();
  transaction_records_ = 0;
  return true;
}

rd_kafka_topic_t* StageLoop::TopicHandle(const std::string& topic) {
  // A handful of topics: a linear search beats hashing the name.
  for (const auto& [name, handle] : topics_) {
    if (name == topic) return handle.get();
  }
  rd_kafka_topic_conf_t* conf = nullptr;
  const auto& spread = options_.transaction_partitioned_topics;
  if (std::find(spread.begin(), spread.end(), topic) != spread.end()) {
    conf = rd_kafka_topic_conf_new();
    rd_kafka_topic_conf_set_opaque(conf, this);
    rd_kafka_topic_conf_set_partitioner_cb(conf, &StageLoop::TransactionPartitioner);
  }
  // rd_kafka_topic_new owns conf from here, on failure too.
  rd_kafka_topic_t* handle = rd_kafka_topic_new(producer_.get(), topic.c_str(), conf);
  if (handle) topics_.emplace_back(topic, handle);
  return handle;
}

int32_t StageLoop::TransactionPartitioner(const rd_kafka_topic_t* /*topic*/, const void* /*key*/,
                                          size_t /*key_size*/, int32_t partition_count,
                                          void* rkt_opaque, void* /*msg_opaque*/) {
  const auto* self = static_cast<const StageLoop*>(rkt_opaque);
  return static_cast<int32_t>(self->transaction_sequence_.load(std::memory_order_relaxed) %
                              static_cast<uint32_t>(partition_count));
}

bool StageLoop::Produce(const std::string& topic, const std::string& key, const std::string& value,
                        const Headers& headers) {
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size() + 3);
  for (const auto& [name, v] : headers) {
    rd_kafka_header_add(hdrs, name.data(), name.size(), v.data(), v.size());
  }
  rd_kafka_header_add(hdrs, "newsflow-version", -1, options_.newsflow_version.data(),
                      options_.newsflow_version.size());
  rd_kafka_header_add(hdrs, "newsflow-stage", -1, options_.stage.data(), options_.stage.size());
  if (!components_header_.empty()) {
    rd_kafka_header_add(hdrs, "newsflow-components", -1, components_header_.data(),
                        components_header_.size());
  }
  rd_kafka_topic_t* handle = TopicHandle(topic);
  while (true) {
    rd_kafka_resp_err_t err =
        handle ? rd_kafka_producev(producer_.get(), RD_KAFKA_V_RKT(handle),
                                   RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                                   RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END)
               : rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                   RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                                   RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;  // headers now owned by the message
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_.get(), 10);
      continue;
    }
    rd_kafka_headers_destroy(hdrs);
    spdlog::error("produce to {} failed: {}", topic, rd_kafka_err2str(err));
    return false;
  }
}

StageLoop::ProcessedRecord StageLoop::ProcessRecord(const rd_kafka_message_t* msg) {
  InputRecord input;
  input.topic = rd_kafka_topic_name(msg->rkt);
  input.partition = msg->partition;
  input.offset = msg->offset;
  input.key = std::string_view(static_cast<const char*>(msg->key), msg->key ? msg->key_len : 0);
  input.value =
      std::string_view(static_cast<const char*>(msg->payload), msg->payload ? msg->len : 0);
  input.headers = kafka::ReadHeaders(msg);
  input.timestamp_ms = rd_kafka_message_timestamp(msg, nullptr);
  probe_->consumed.fetch_add(1, std::memory_order_relaxed);
  probe_->consumed_bytes.fetch_add(msg->len, std::memory_order_relaxed);

  // One result for every input: Clear() keeps the records' buffers for the stage's Add().
  StageResult& result = result_;
  result.Clear();
  auto started = Clock::now();
  stage_->Process(input, &result);
  auto processed_at = Clock::now();
  probe_->processing_seconds.Observe(std::chrono::duration<double>(processed_at - started).count());

  ProcessedRecord processed;
  processed.source = {std::string(input.topic), input.partition};
  processed.next_offset = input.offset + 1;
  processed.processed_at = processed_at;
  if (!result.dead_letter) return processed;
  v1::DeadLetter letter;
  letter.set_stage(options_.stage);
  letter.set_reason(result.dead_letter->reason);
  letter.set_detail(result.dead_letter->detail);
  letter.set_original_key(std::string(input.key));
  letter.set_original_value(std::string(input.value));
  for (const auto& [name, value] : input.headers) {
    (*letter.mutable_original_headers())[name] = value;
  }
  letter.set_source_topic(std::string(input.topic));
  letter.set_source_partition(input.partition);
  letter.set_source_offset(input.offset);
  int64_t now_ms = NowUnixMs();
  letter.mutable_dead_lettered_at()->set_seconds(now_ms / 1000);
  letter.mutable_dead_lettered_at()->set_nanos(static_cast<int32_t>(now_ms % 1000) * 1000000);
  auto* provenance = letter.mutable_provenance();
  provenance->set_newsflow_version(options_.newsflow_version);
  provenance->set_stage(options_.stage);
  provenance->set_instance_id(options_.instance_id);
  processed.dead_letter_reason = std::move(result.dead_letter->reason);
  // A dead letter replaces whatever the stage emitted.
  result.Clear();
  result.Emit(options_.dlq_topic, std::string(input.key), letter.SerializeAsString(),
              {{"newsflow-dlq-reason", *processed.dead_letter_reason}});
  return processed;
}

bool StageLoop::ProduceProcessed(const ProcessedRecord& record,
                                 const std::vector<OutputRecord>& outputs) {
  bool ok = true;
  for (const auto& output : outputs) {
    ok = ok && Produce(output.topic, output.key, output.value, output.headers);
  }
  if (!ok) {
    // Could not enqueue the outputs: give the whole transaction up and reprocess it.
    AbortTransaction();
    return false;
  }
  if (record.dead_letter_reason) {
    probe_->dead_lettered.Add(*record.dead_letter_reason);
  } else {
    probe_->produced.fetch_add(outputs.size(), std::memory_order_relaxed);
  }
  pending_offsets_[record.source] = record.next_offset;
  ++transaction_records_;
  return true;
}

void StageLoop::HandleRecord(const rd_kafka_message_t* msg) {
  ProcessedRecord processed = ProcessRecord(msg);
  ProduceProcessed(processed, result_.records);
}

void StageLoop::DeferRecord(const rd_kafka_message_t* msg) {
  ProcessedRecord processed = ProcessRecord(msg);
  // Held past the next input: the outputs leave the reused result (which keeps no buffers then).
  processed.outputs = std::move(result_.records);
  result_.records.clear();
  deferred_.push_back(std::move(processed));
  probe_->processed_during_commit.fetch_add(1, std::memory_order_relaxed);
}

bool StageLoop::CommitTransaction() {
  if (!transaction_open_) return true;
  if (!LaunchCommit(/*async=*/false)) return false;
  return AwaitCommit();
}

bool StageLoop::LaunchCommit(bool async) {
  commit_started_ = Clock::now();
  if (auto error = stage_->PrepareCommit()) {
    spdlog::error("stage could not prepare the commit, aborting the transaction: {}", *error);
    AbortTransaction();
    return false;
  }
  committing_offsets_ = std::move(pending_offsets_);
  pending_offsets_.clear();
  transaction_open_ = false;
  commit_in_flight_ = true;
  commit_done_ = false;
  rd_kafka_consumer_group_metadata_t* group =
      committing_offsets_.empty() ? nullptr : rd_kafka_consumer_group_metadata(consumer_.get());
  auto run = [this, group] {
    commit_outcome_ = CommitKafka(committing_offsets_, producer_.get(), group);
    if (group) rd_kafka_consumer_group_metadata_destroy(group);
    commit_seconds_ = std::chrono::duration<double>(Clock::now() - commit_started_).count();
    commit_done_ = true;
  };
  if (async) {
    commit_thread_ = std::thread(run);
  } else {
    run();
  }
  return true;
}

StageLoop::CommitOutcome StageLoop::CommitKafka(const std::map<PartitionKey, int64_t>& offsets,
                                                rd_kafka_t* producer,
                                                rd_kafka_consumer_group_metadata_t* group) {
  // As librdkafka documents the errors: fatal (e.g. fenced) ends the daemon; abortable aborts;
  // retriable is retried; an outcome still unknown after that is settled by a new producer.
  auto classify = [](rd_kafka_error_t* error, const char* what,
                     int attempt) -> std::optional<CommitOutcome> {
    spdlog::warn("{} failed: {} (retriable={}, abortable={}, fatal={})", what,
                 rd_kafka_error_string(error), rd_kafka_error_is_retriable(error),
                 rd_kafka_error_txn_requires_abort(error), rd_kafka_error_is_fatal(error));
    if (rd_kafka_error_is_fatal(error)) {
      spdlog::critical("fatal transactional error in {}: {}; exiting for a clean restart", what,
                       rd_kafka_error_string(error));
      return CommitOutcome::kFatal;
    }
    if (rd_kafka_error_txn_requires_abort(error)) return CommitOutcome::kAbortRequired;
    if (rd_kafka_error_is_retriable(error) && attempt < 3) return std::nullopt;
    return CommitOutcome::kUnknown;
  };
  if (!offsets.empty()) {
    kafka::TopicPartitionList list(
        rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [tp, offset] : offsets) {
      rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
          offset;
    }
    for (int attempt = 1;; ++attempt) {
      kafka::Error e(rd_kafka_send_offsets_to_transaction(producer, list.get(), group,
                                                          options_.api_timeout_ms));
      if (!e) break;
      if (auto outcome = classify(e.get(), "send_offsets_to_transaction", attempt)) {
        return *outcome;
      }
    }
  }
  for (int attempt = 1;; ++attempt) {
    kafka::Error e(rd_kafka_commit_transaction(producer, options_.api_timeout_ms));
    if (!e) break;
    if (auto outcome = classify(e.get(), "commit_transaction", attempt)) return *outcome;
  }
  return CommitOutcome::kCommitted;
}

bool StageLoop::AwaitCommit() {
  if (!commit_in_flight_) return true;
  if (commit_thread_.joinable()) commit_thread_.join();
  commit_in_flight_ = false;
  switch (commit_outcome_) {
    case CommitOutcome::kCommitted:
      committed_at_ = Clock::now();
      for (const auto& [tp, offset] : committing_offsets_) committed_offsets_[tp] = offset;
      committing_offsets_.clear();
      probe_->transactions_committed.fetch_add(1);
      probe_->commit_seconds.Observe(commit_seconds_);
      return true;
    case CommitOutcome::kAbortRequired:
      // AbortTransaction() settles the open transaction: here, the one that failed to commit.
      transaction_open_ = true;
      AbortTransaction();
      break;
    case CommitOutcome::kFatal:
      fatal_ = true;
      break;
    case CommitOutcome::kUnknown:
      // A new producer with the same transactional.id settles the old transaction either way,
      // and the group's committed offsets then say what to reprocess.
      ReinitializeProducer();
      RewindToCommitted();
      break;
  }
  committing_offsets_.clear();
  deferred_.clear();
  return false;
}

void StageLoop::ProduceDeferred() {
  if (deferred_.empty()) return;
  std::vector<ProcessedRecord> records = std::move(deferred_);
  deferred_.clear();
  if (!BeginTransactionIfNeeded()) return;  // rewound: the records are read again
  // The transaction's deadlines count from now, as if the held records had waited in the
  // consumer's queue: counting from the first of them made a light stage commit back to back.
  for (const auto& record : records) {
    if (!ProduceProcessed(record, record.outputs)) return;  // aborted and rewound
  }
}

void StageLoop::WorkAhead() {
  // Short polls: the loop must notice the commit's end soon, and consumer_poll cannot be woken.
  constexpr int kPollMs = 1;
  // Hold no more than one transaction's worth: as many records, or as long, as a transaction.
  const bool room =
      static_cast<int64_t>(deferred_.size()) < options_.transaction_max_messages &&
      (deferred_.empty() || Clock::now() - deferred_.front().processed_at <
                                std::chrono::milliseconds(options_.transaction_max_ms));
  if (room) {
    kafka::Message msg(rd_kafka_consumer_poll(consumer_.get(), kPollMs));
    if (msg && msg->err) {
      if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        spdlog::warn("consumer: {}", rd_kafka_message_errstr(msg.get()));
      }
    } else if (msg && (commit_in_flight_ || HoldingAfterCommit())) {
      DeferRecord(msg.get());
    } else if (msg) {  // the hold ended, or a revocation inside the poll settled the commit
      const bool held = !deferred_.empty();
      ProduceHeld();
      // A failed produce aborted and rewound: this record is read again from the committed offsets.
      if (held && !transaction_open_) return;
      if (BeginTransactionIfNeeded()) HandleRecord(msg.get());
      return;
    }
    if (msg && (commit_in_flight_ ? !commit_done_ : HoldingAfterCommit())) return;
  }
  // Enough held, or the input is quiet: wait for the commit, then produce what was processed
  // (unless the start delay still runs and there is room: the next steps hold on).
  if (commit_in_flight_ && !AwaitCommit()) return;
  if (!room || !HoldingAfterCommit()) ProduceHeld();
}

bool StageLoop::HoldingAfterCommit() const {
  return options_.transaction_start_delay_ms > 0 && !transaction_open_ && !commit_in_flight_ &&
         Clock::now() - committed_at_ <
             std::chrono::milliseconds(options_.transaction_start_delay_ms);
}

void StageLoop::ProduceHeld() {
  if (!commit_in_flight_ && !transaction_open_ && !deferred_.empty()) ProduceDeferred();
}

void StageLoop::SettleCommitInFlight() {
  if (commit_in_flight_ && AwaitCommit()) ProduceDeferred();
}

void StageLoop::AbortTransaction() {
  if (!transaction_open_) return;
  transaction_open_ = false;
  pending_offsets_.clear();
  deferred_.clear();
  stage_->Aborted();
  probe_->transactions_aborted.fetch_add(1);
  kafka::Error e(rd_kafka_abort_transaction(producer_.get(), options_.api_timeout_ms));
  if (e) {
    spdlog::warn("abort_transaction failed: {}", rd_kafka_error_string(e.get()));
    if (rd_kafka_error_is_fatal(e.get())) {
      fatal_ = true;
      return;
    }
    ReinitializeProducer();
  }
  RewindToCommitted();
}

void StageLoop::ReinitializeProducer() {
  spdlog::warn("re-creating the transactional producer {}", transactional_id_);
  transaction_open_ = false;
  pending_offsets_.clear();
  deferred_.clear();
  stage_->Aborted();
  probe_->producer_reinitialized.fetch_add(1);
  if (producer_)
    rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  topics_.clear();
  producer_.reset();
  if (auto err = CreateProducer()) {
    spdlog::critical("cannot re-create producer: {}", *err);
    fatal_ = true;
  }
}

void StageLoop::RewindToCommitted() {
  kafka::TopicPartitionList assignment;
  {
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    assignment.reset(raw);
  }
  if (assignment->cnt == 0) return;
  rd_kafka_resp_err_t err = rd_kafka_committed(consumer_.get(), assignment.get(),
                                               static_cast<int>(options_.api_timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::critical("cannot read committed offsets to rewind: {}", rd_kafka_err2str(err));
    fatal_ = true;
    return;
  }
  for (int i = 0; i < assignment->cnt; ++i) {
    auto& p = assignment->elems[i];
    committed_offsets_[{p.topic, p.partition}] = p.offset;
    if (p.offset < 0) p.offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  kafka::Error e(rd_kafka_seek_partitions(consumer_.get(), assignment.get(),
                                          static_cast<int>(options_.api_timeout_ms)));
  if (e) {
    spdlog::critical("cannot rewind consumer: {}", rd_kafka_error_string(e.get()));
    fatal_ = true;
    return;
  }
  spdlog::info("rewound {} partition(s) to the committed offsets", assignment->cnt);
}

void StageLoop::ApplyBackpressure(const std::atomic<bool>& stop) {
  if (rd_kafka_outq_len(producer_.get()) < options_.max_in_flight_messages) return;
  probe_->backpressure_pauses.fetch_add(1);
  rd_kafka_topic_partition_list_t* raw = nullptr;
  rd_kafka_assignment(consumer_.get(), &raw);
  kafka::TopicPartitionList assignment(raw);
  rd_kafka_pause_partitions(consumer_.get(), assignment.get());
  // Waiting on the producer is bounded by its message timeout (below max.poll.interval.ms).
  while (!stop && rd_kafka_outq_len(producer_.get()) > options_.max_in_flight_messages / 2) {
    rd_kafka_poll(producer_.get(), 50);
  }
  rd_kafka_resume_partitions(consumer_.get(), assignment.get());
}

void StageLoop::RefreshLag() {
  auto now = Clock::now();
  if (now - last_lag_refresh_ < std::chrono::milliseconds(options_.lag_refresh_ms)) return;
  last_lag_refresh_ = now;
  std::vector<PartitionGaugeProbe::Entry> entries;
  for (const auto& [tp, committed] : committed_offsets_) {
    int64_t low = -1, high = -1;
    if (rd_kafka_get_watermark_offsets(consumer_.get(), tp.topic.c_str(), tp.partition, &low,
                                       &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      // Not fetched from yet: ask the broker once.
      if (rd_kafka_query_watermark_offsets(consumer_.get(), tp.topic.c_str(), tp.partition, &low,
                                           &high, 1000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        continue;
      }
    }
    entries.push_back({tp.topic, tp.partition, ConsumerLag(high, committed)});
  }
  probe_->consumer_lag.Replace(std::move(entries));
}

void StageLoop::MaybeReload(std::atomic<bool>& reload) {
  if (!reload.exchange(false)) return;
  if (auto err = stage_->Reload()) {
    probe_->reload_failures.fetch_add(1);
    spdlog::error("reload failed, keeping the previous state: {}", *err);
    return;
  }
  probe_->reloads.fetch_add(1);
  components_header_ = ComponentsHeader(*stage_);
  spdlog::info("reloaded: components {}", components_header_);
}

int StageLoop::Run(const std::atomic<bool>& stop, std::atomic<bool>& reload) {
  while (!stop && !fatal_) {
    if (commit_in_flight_ || HoldingAfterCommit()) {
      WorkAhead();
      RefreshLag();
      continue;
    }
    ProduceHeld();
    if (!transaction_open_) MaybeReload(reload);
    int64_t batch = 0;
    int timeout_ms = 100;
    if (transaction_open_) {
      // Wait for more input at most until the open transaction is due: the input was dry when
      // this loop last looked, so that is the linger deadline (never later than the maximum).
      auto due = std::chrono::milliseconds(
          std::min(options_.transaction_linger_ms, options_.transaction_max_ms));
      auto left = due - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                              transaction_started_);
      timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    bool input_dry = false;
    // Records held over a commit may have filled the open transaction already.
    while (batch < options_.transaction_max_messages && !stop && !fatal_ &&
           !(transaction_open_ && transaction_records_ >= options_.transaction_max_messages)) {
      kafka::Message msg(rd_kafka_consumer_poll(consumer_.get(), batch == 0 ? timeout_ms : 0));
      if (!msg) {
        input_dry = true;
        break;
      }
      if (msg->err) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          spdlog::warn("consumer: {}", rd_kafka_message_errstr(msg.get()));
        }
        continue;
      }
      if (!BeginTransactionIfNeeded()) break;
      HandleRecord(msg.get());
      ++batch;
      if (transaction_open_ && transaction_records_ >= options_.transaction_max_messages) break;
      // With a backlog the input never runs dry, so the age must be checked per record too, or a
      // slow stage would hold a transaction (and the latency of everything in it) for the whole
      // transaction_max_messages.
      if (transaction_open_ && Clock::now() - transaction_started_ >=
                                   std::chrono::milliseconds(options_.transaction_max_ms)) {
        break;
      }
      ApplyBackpressure(stop);
    }
    if (batch > 0) probe_->batch_size.Observe(static_cast<double>(batch));
    rd_kafka_poll(producer_.get(), 0);
    if (transaction_open_) {
      auto age = Clock::now() - transaction_started_;
      if (transaction_records_ >= options_.transaction_max_messages ||
          age >= std::chrono::milliseconds(options_.transaction_max_ms) ||
          (input_dry && age >= std::chrono::milliseconds(options_.transaction_linger_ms))) {
        if (options_.overlap_commit && !stop) {
          LaunchCommit(/*async=*/true);
        } else {
          CommitTransaction();
        }
      }
    }
    RefreshLag();
  }
  // Whatever happens next needs the commit thread's result and its producer to itself.
  if (commit_thread_.joinable()) commit_thread_.join();
  if (fatal_) {
    // Leave the group at once so the partitions move on; commit nothing.
    rd_kafka_consumer_close(consumer_.get());
    consumer_.reset();
    topics_.clear();
    producer_.reset();
    return 1;
  }
  // Graceful stop: commit what was processed, then leave the group.
  spdlog::info("stopping: committing in-flight work");
  SettleCommitInFlight();
  ProduceHeld();
  if (transaction_open_ && !CommitTransaction() && transaction_open_) AbortTransaction();
  rd_kafka_consumer_close(consumer_.get());
  consumer_.reset();
  topics_.clear();
  producer_.reset();
  spdlog::info("stopped cleanly");
  return fatal_ ? 1 : 0;
}

}  // namespace newsflow
