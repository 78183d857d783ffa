#include "services/ingest/publisher.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace newsflow::ingest {

std::unique_ptr<Publisher> Publisher::Create(PublisherOptions options, std::string* error) {
  std::unique_ptr<Publisher> publisher(new Publisher(std::move(options)));
  if (!publisher->Connect(error)) return nullptr;
  publisher->thread_ = std::thread([p = publisher.get()] { p->Run(); });
  return publisher;
}

Publisher::Publisher(PublisherOptions options) : options_(std::move(options)) {}

Publisher::~Publisher() { Stop(); }

bool Publisher::Connect(std::string* error) {
  auto props = options_.kafka_properties;
  props["transactional.id"] = options_.transactional_id;
  props["enable.idempotence"] = "true";
  props["acks"] = "all";
  props["transaction.timeout.ms"] = std::to_string(options_.transaction_timeout_ms);
  props["linger.ms"] = "5";
  kafka::Conf conf = kafka::MakeConf(props, error);
  if (!conf) return false;
  rd_kafka_conf_set_log_cb(conf.get(), kafka::LogToSpdlog);
  char errstr[512];
  producer_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), errstr, sizeof(errstr)));
  if (!producer_) {
    *error = errstr;
    return false;
  }
  kafka::Error init(rd_kafka_init_transactions(producer_.get(),
                                               static_cast<int>(options_.transaction_timeout_ms)));
  if (init) {
    *error = std::string("init_transactions: ") + rd_kafka_error_string(init.get());
    producer_.reset();
    return false;
  }
  return true;
}

std::variant<std::future<PublishResult>, Publisher::Refusal> Publisher::Submit(
    std::vector<OutputRecord> records) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return Refusal::kStopped;
  int64_t count = static_cast<int64_t>(records.size());
  if (queued_records_ + count > options_.max_pending_records && queued_records_ > 0) {
    return Refusal::kQueueFull;
  }
  Batch batch{std::move(records), {}};
  auto future = batch.promise.get_future();
  queue_.push_back(std::move(batch));
  queued_records_ += count;
  probe_.pending_records.store(queued_records_);
  cv_.notify_one();
  return future;
}

void Publisher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (producer_) rd_kafka_flush(producer_.get(), 10000);
}

void Publisher::Run() {
  while (true) {
    std::vector<Batch> batches;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Gather for a moment: one transaction for many small pushes is much cheaper.
      if (!stopping_ && queued_records_ < options_.max_transaction_records) {
        cv_.wait_for(lock, std::chrono::milliseconds(options_.linger_ms), [this] {
          return stopping_ || queued_records_ >= options_.max_transaction_records;
        });
      }
      int64_t taken = 0;
      while (!queue_.empty() &&
             (batches.empty() || taken + static_cast<int64_t>(queue_.front().records.size()) <=
                                     options_.max_transaction_records)) {
        taken += static_cast<int64_t>(queue_.front().records.size());
        batches.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::string error;
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      bool fatal = false;
      error = Transact(batches, &fatal);
      if (error.empty()) break;
      spdlog::warn("publish attempt {} failed: {}", attempt, error);
      if (fatal) {
        std::string reconnect_error;
        producer_.reset();
        if (!Connect(&reconnect_error)) {
          spdlog::error("producer re-creation failed: {}", reconnect_error);
          std::this_thread::sleep_for(std::chrono::seconds(1));
        }
      }
    }
    int64_t done = 0;
    for (const auto& batch : batches) done += static_cast<int64_t>(batch.records.size());
    {
      // Room is made before callers learn the outcome, so a caller that submits again right
      // after its result is not refused for its own finished batch.
      std::lock_guard<std::mutex> lock(mu_);
      queued_records_ -= done;
      probe_.pending_records.store(queued_records_);
    }
    for (auto& batch : batches) {
      if (error.empty()) {
        probe_.records_published.fetch_add(batch.records.size());
        batch.promise.set_value({true, ""});
      } else {
        probe_.batches_failed.fetch_add(1);
        batch.promise.set_value({false, error});
      }
    }
  }
}

std::string Publisher::Transact(std::vector<Batch>& batches, bool* fatal) {
  *fatal = false;
  if (!producer_) {
    *fatal = true;
    return "no producer";
  }
  auto describe = [fatal](rd_kafka_error_t* e) {
    *fatal = rd_kafka_error_is_fatal(e);
    std::string message = rd_kafka_error_string(e);
    return message;
  };
  if (kafka::Error e{rd_kafka_begin_transaction(producer_.get())}) return describe(e.get());
  for (const auto& batch : batches) {
    for (const auto& record : batch.records) {
      rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
      for (const auto& [name, value] : record.headers) {
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
      }
      rd_kafka_resp_err_t err;
      while (true) {
        err = rd_kafka_producev(
            producer_.get(), RD_KAFKA_V_TOPIC(record.topic.c_str()),
            RD_KAFKA_V_KEY(record.key.data(), record.key.size()),
            RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(producer_.get(), 50);
      }
      if (err) {
        rd_kafka_headers_destroy(headers);
        kafka::Error abort(rd_kafka_abort_transaction(producer_.get(), 30000));
        probe_.transactions_aborted.fetch_add(1);
        if (abort) *fatal = rd_kafka_error_is_fatal(abort.get());
        return std::string("produce: ") + rd_kafka_err2str(err);
      }
    }
  }
  kafka::Error commit(rd_kafka_commit_transaction(
      producer_.get(), static_cast<int>(options_.transaction_timeout_ms)));
  if (!commit) {
    probe_.transactions_committed.fetch_add(1);
    return "";
  }
  std::string message = describe(commit.get());
  if (rd_kafka_error_txn_requires_abort(commit.get())) {
    kafka::Error abort(rd_kafka_abort_transaction(producer_.get(), 30000));
    probe_.transactions_aborted.fetch_add(1);
    if (abort) *fatal = *fatal || rd_kafka_error_is_fatal(abort.get());
  } else if (rd_kafka_error_is_retriable(commit.get())) {
    // The outcome is unknown to us; committing again resolves it one way or the other.
    kafka::Error again(rd_kafka_commit_transaction(
        producer_.get(), static_cast<int>(options_.transaction_timeout_ms)));
    if (!again) {
      probe_.transactions_committed.fetch_add(1);
      return "";
    }
    *fatal = true;
  }
  return "commit: " + message;
}

}  // namespace newsflow::ingest
