// Robustness tier: the stage loop's transaction error handling, driven by librdkafka's mock
// cluster with injected broker errors. The mock cluster does not model read_committed (aborted
// records show through), so these tests assert on the loop's decisions and on the group's
// committed offsets, never on output exactness; exactly-once itself is proven against the real
// broker in tests/integration/runtime.

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "newsflow/v1/raw_article.pb.h"
#include "services/core/runtime/stage_loop.h"
#include "services/passthrough/passthrough_stage.h"
#include "tests/support/mock_kafka_cluster.h"

namespace newsflow {
namespace {

constexpr int kRecords = 200;
// Kafka protocol ApiKeys (librdkafka keeps its constants in a private header).
constexpr int16_t kApiProduce = 0;
constexpr int16_t kApiEndTxn = 26;

class StageLoopFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    mock_ = testing::MockKafkaCluster::Create({"in", "out", "dlq"}, &error);
    ASSERT_TRUE(mock_) << error;
    cluster_ = mock_->cluster();
    bootstrap_ = mock_->bootstrap();
    std::vector<std::string> values;
    for (int i = 0; i < kRecords; ++i) {
      v1::RawArticle article;
      article.set_article_id("a" + std::to_string(i));
      values.push_back(article.SerializeAsString());
    }
    ASSERT_TRUE(mock_->Produce("in", values, &error)) << error;
  }

  LoopOptions Options() {
    LoopOptions o;
    o.stage = "passthrough";
    o.instance_id = "fault-test";
    o.kafka_properties = {{"bootstrap.servers", bootstrap_}, {"log_level", "3"}};
    o.group_id = "fault-group";
    o.input_topics = {"in"};
    o.dlq_topic = "dlq";
    o.transaction_max_messages = 50;
    o.api_timeout_ms = 5000;
    o.lag_refresh_ms = 100000;
    return o;
  }

  // overlap_commit with 40 ms transactions, and every broker request made to take 40 ms: commits
  // last long enough for the loop to process records during them.
  LoopOptions SlowBrokerOverlapOptions() {
    rd_kafka_mock_broker_set_rtt(cluster_, -1, 40);
    LoopOptions o = Options();
    o.transaction_max_ms = 40;
    o.overlap_commit = true;
    return o;
  }

  // Runs the loop until `done(probe)` holds (or `timeout_ms`), then stops it gracefully.
  // Returns Run's status.
  template <typename Done>
  int RunUntil(StageLoop& loop, const LoopProbe& probe, Done done, int timeout_ms) {
    std::atomic<bool> stop{false}, reload{false};
    int status = -1;
    std::thread runner([&] { status = loop.Run(stop, reload); });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline && !done(probe)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop = true;
    runner.join();
    return status;
  }

  std::unique_ptr<testing::MockKafkaCluster> mock_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

TEST_F(StageLoopFaultTest, AbortableProduceErrorAbortsRewindsAndReprocesses) {
  // A permanent produce error inside a transaction makes the transaction abortable.
  rd_kafka_mock_push_request_errors(cluster_, kApiProduce, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  PassthroughStage stage({"out"});
  LoopProbe probe;
  StageLoop loop(Options(), &stage, &probe);
  ASSERT_FALSE(loop.Start());
  int status = RunUntil(
      loop, probe,
      [](const LoopProbe& p) {
        return p.transactions_aborted >= 1 && p.transactions_committed >= 1 &&
               p.consumed > static_cast<uint64_t>(kRecords);
      },
      30000);
  EXPECT_EQ(status, 0) << "an abortable error must not stop the stage";
  EXPECT_GE(probe.transactions_aborted.load(), 1u);
  EXPECT_GE(probe.transactions_committed.load(), 1u) << "the loop went on after the abort";
  // The aborted transaction's inputs were consumed again after the rewind.
  EXPECT_GT(probe.consumed.load(), static_cast<uint64_t>(kRecords));
}

TEST_F(StageLoopFaultTest, RetriableCommitErrorIsRetriedWithoutAbort) {
  rd_kafka_mock_push_request_errors(cluster_, kApiEndTxn, 2,
                                    RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
                                    RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS);
  PassthroughStage stage({"out"});
  LoopProbe probe;
  StageLoop loop(Options(), &stage, &probe);
  ASSERT_FALSE(loop.Start());
  int status = RunUntil(
      loop, probe, [](const LoopProbe& p) { return p.produced >= static_cast<uint64_t>(kRecords); },
      30000);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(probe.transactions_aborted.load(), 0u);
  EXPECT_EQ(probe.consumed.load(), static_cast<uint64_t>(kRecords)) << "nothing reprocessed";
  EXPECT_GE(probe.transactions_committed.load(), 4u) << "200 records, 50 per transaction";
}

// A stage slower than the transaction deadline: with a backlog the input never runs dry, and the
// loop must still commit every transaction_max_ms rather than every transaction_max_messages.
class SlowStage : public Stage {
 public:
  std::string_view Name() const override { return "slow"; }
  void Process(const InputRecord& input, StageResult* result) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    inner_.Process(input, result);
  }

 private:
  PassthroughStage inner_{{"out"}};
};

TEST_F(StageLoopFaultTest, BacklogCommitsWhenTheTransactionIsDueNotOnlyWhenFull) {
  SlowStage stage;
  LoopProbe probe;
  LoopOptions options = Options();
  options.transaction_max_messages = 500;  // more than the whole input
  options.transaction_max_ms = 40;         // ~20 records of 2 ms each
  StageLoop loop(options, &stage, &probe);
  ASSERT_FALSE(loop.Start());
  int status = RunUntil(
      loop, probe, [](const LoopProbe& p) { return p.produced >= static_cast<uint64_t>(kRecords); },
      30000);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(probe.produced.load(), static_cast<uint64_t>(kRecords));
  // 200 records x 2 ms = 400 ms of processing: about ten 40 ms transactions, never one of 200.
  EXPECT_GE(probe.transactions_committed.load(), 5u);
}

// overlap_commit: with a slow broker, records keep being processed while a transaction commits;
// they are produced into the next transaction, once each.
TEST_F(StageLoopFaultTest, RecordsProcessedDuringACommitGoIntoTheNextTransactionOnce) {
  SlowStage stage;
  LoopProbe probe;
  StageLoop loop(SlowBrokerOverlapOptions(), &stage, &probe);
  ASSERT_FALSE(loop.Start());
  int status = RunUntil(
      loop, probe, [](const LoopProbe& p) { return p.produced >= static_cast<uint64_t>(kRecords); },
      60000);
  EXPECT_EQ(status, 0);
  EXPECT_GT(probe.processed_during_commit.load(), 0u) << "the loop waited out every commit";
  EXPECT_EQ(probe.transactions_aborted.load(), 0u);
  EXPECT_EQ(probe.consumed.load(), static_cast<uint64_t>(kRecords)) << "nothing reprocessed";
  EXPECT_EQ(probe.produced.load(), static_cast<uint64_t>(kRecords)) << "each record produced once";
}

// A commit that fails while the next records were processed ahead of it: those are dropped with
// the failed transaction and processed again after the rewind. (The mock cluster does not keep
// transactional offset commits, so what reaches the output exactly once is asserted against the
// real broker: tests/integration/runtime.)
TEST_F(StageLoopFaultTest, RecordsProcessedDuringAFailedCommitAreDroppedAndReprocessed) {
  // A permanent produce error inside a transaction makes its commit fail with an abortable error.
  rd_kafka_mock_push_request_errors(cluster_, kApiProduce, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  SlowStage stage;
  LoopProbe probe;
  StageLoop loop(SlowBrokerOverlapOptions(), &stage, &probe);
  ASSERT_FALSE(loop.Start());
  int status = RunUntil(
      loop, probe,
      [](const LoopProbe& p) {
        return p.transactions_aborted >= 1 && p.consumed > static_cast<uint64_t>(kRecords) &&
               p.produced >= static_cast<uint64_t>(kRecords);
      },
      60000);
  EXPECT_EQ(status, 0) << "an abortable error must not stop the stage";
  EXPECT_GE(probe.transactions_aborted.load(), 1u);
  EXPECT_GT(probe.processed_during_commit.load(), 0u);
  EXPECT_GT(probe.consumed.load(), static_cast<uint64_t>(kRecords)) << "the aborted part re-read";
  EXPECT_GE(probe.transactions_committed.load(), 1u) << "the loop went on after the abort";
}

TEST_F(StageLoopFaultTest, FencedProducerStopsTheLoopWithNonZeroStatus) {
  rd_kafka_mock_push_request_errors(cluster_, kApiEndTxn, 1, RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
  PassthroughStage stage({"out"});
  LoopProbe probe;
  StageLoop loop(Options(), &stage, &probe);
  ASSERT_FALSE(loop.Start());
  std::atomic<bool> stop{false}, reload{false};
  int status = -1;
  std::thread runner([&] { status = loop.Run(stop, reload); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline && !loop.NotReadyReason().has_value()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // A fenced instance must not go on: Run returns by itself, without a stop request.
  runner.join();
  EXPECT_EQ(status, 1);
  EXPECT_EQ(loop.NotReadyReason().value_or(""), "fatal Kafka error");
}

}  // namespace
}  // namespace newsflow
