// The order of the store hooks: the sink stage commits its stores only when the runtime is about
// to commit the Kafka transaction (Stage::PrepareCommit), forgets them when it aborts
// (Stage::Aborted), and a failing store aborts the Kafka transaction so the batch is
// re-processed. The runtime side runs on librdkafka's mock cluster.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "services/core/runtime/stage_loop.h"
#include "services/sink/sink_stage.h"
#include "tests/support/mock_kafka_cluster.h"
#include "tests/unit/sink/sink_fixtures.h"

namespace newsflow::sink {
namespace {

namespace fx = fixtures;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Logs every call into a shared journal; Commit() fails while `fail_commits` > 0.
class FakeStore : public ArticleStore {
 public:
  FakeStore(std::string name, std::vector<std::string>* journal)
      : name_(std::move(name)), journal_(journal) {}
  std::string_view Name() const override { return name_; }
  void Add(const StoredArticle& article) override {
    journal_->push_back(name_ + ".add " + article.tagged->article().article_id());
  }
  std::optional<std::string> Commit() override {
    journal_->push_back(name_ + ".commit");
    if (fail_commits > 0) {
      --fail_commits;
      return "disk full";
    }
    return std::nullopt;
  }
  void Discard() override { journal_->push_back(name_ + ".discard"); }

  int fail_commits = 0;

 private:
  std::string name_;
  std::vector<std::string>* journal_;
};

void Process(SinkStage& stage, const v1::TaggedArticle& tagged) {
  const std::string value = tagged.SerializeAsString();
  InputRecord input;
  input.value = value;
  StageResult result;
  stage.Process(input, &result);
}

TEST(SinkStoreHooksTest, StoresSeeArticlesThenCommitOnlyAtPrepareCommit) {
  std::vector<std::string> journal;
  FakeStore files("files", &journal), db("db", &journal);
  std::string error;
  auto stage = SinkStage::Create(SinkOptions{}, nullptr, &error);
  ASSERT_TRUE(stage) << error;
  stage->set_stores({&files, &db});

  Process(*stage, fx::ReadWrite());
  StageResult rejected;
  InputRecord poison;
  poison.value = "\xff not a TaggedArticle";
  stage->Process(poison, &rejected);  // a dead letter reaches no store
  Process(*stage, fx::Observer());
  EXPECT_THAT(journal, ElementsAre("files.add article-1", "db.add article-1", "files.add article-3",
                                   "db.add article-3"))
      << "no commit before PrepareCommit";
  journal.clear();
  ASSERT_FALSE(stage->PrepareCommit());
  EXPECT_THAT(journal, ElementsAre("files.commit", "db.commit"));
}

TEST(SinkStoreHooksTest, FailingStoreFailsPrepareCommitNamingIt) {
  std::vector<std::string> journal;
  FakeStore files("files", &journal), db("db", &journal);
  db.fail_commits = 1;
  std::string error;
  auto stage = SinkStage::Create(SinkOptions{}, nullptr, &error);
  ASSERT_TRUE(stage) << error;
  stage->set_stores({&files, &db});
  Process(*stage, fx::ReadWrite());
  journal.clear();

  auto failed = stage->PrepareCommit();
  ASSERT_TRUE(failed);
  EXPECT_THAT(*failed, HasSubstr("store 'db'"));
  EXPECT_THAT(*failed, HasSubstr("disk full"));
  stage->Aborted();
  EXPECT_THAT(journal, ElementsAre("files.commit", "db.commit", "files.discard", "db.discard"));
}

// The runtime side: a stage that emits one record per input and journals the hooks, with the
// number of Kafka transactions the loop had committed at each PrepareCommit. (The mock cluster
// does not report transactional offset commits to other clients, so the loop's own count is the
// evidence of order here; tests/integration/sink/sink_stores_integration_test.cc checks the
// outcome against a real broker.)
class JournalingStage : public Stage {
 public:
  struct Batch {
    std::vector<int64_t> offsets;  // processed since the last PrepareCommit/Aborted
    uint64_t commits_before;       // Kafka transactions committed when PrepareCommit ran
    bool prepared;                 // PrepareCommit succeeded
  };

  explicit JournalingStage(int fail_prepares) : fail_prepares_(fail_prepares) {}
  void set_probe(const LoopProbe* probe) { probe_ = probe; }

  std::string_view Name() const override { return "hooks"; }
  void Process(const InputRecord& input, StageResult* result) override {
    current_.push_back(input.offset);
    result->Emit("out", std::string(input.key), std::string(input.value));
  }
  std::optional<std::string> PrepareCommit() override {
    const bool fail = fail_prepares_ > 0;
    if (!fail) prepared_records += current_.size();
    batches.push_back({std::move(current_), probe_->transactions_committed.load(), !fail});
    current_.clear();
    journal.push_back("prepare");
    if (fail) {
      --fail_prepares_;
      return "fsync failed";
    }
    return std::nullopt;
  }
  void Aborted() override {
    journal.push_back("aborted");
    current_.clear();
  }

  std::atomic<size_t> prepared_records{0};
  std::vector<Batch> batches;
  std::vector<std::string> journal;

 private:
  int fail_prepares_;
  const LoopProbe* probe_ = nullptr;
  std::vector<int64_t> current_;
};

TEST(StageLoopStoreHooksTest, PrepareCommitRunsBeforeTheKafkaCommitAndItsFailureAborts) {
  constexpr int kRecords = 120;
  std::string error;
  auto mock = newsflow::testing::MockKafkaCluster::Create({"in", "out", "dlq"}, &error);
  ASSERT_TRUE(mock) << error;
  const std::string bootstrap = mock->bootstrap();
  std::vector<std::string> values;
  for (int i = 0; i < kRecords; ++i) values.push_back("v" + std::to_string(i));
  ASSERT_TRUE(mock->Produce("in", values, &error)) << error;

  {
    JournalingStage stage(/*fail_prepares=*/1);
    LoopOptions options;
    options.stage = "hooks";
    options.instance_id = "hooks-test";
    options.kafka_properties = {{"bootstrap.servers", bootstrap}, {"log_level", "3"}};
    options.group_id = "hooks-group";
    options.input_topics = {"in"};
    options.dlq_topic = "dlq";
    options.transaction_max_messages = 40;
    options.api_timeout_ms = 5000;
    options.lag_refresh_ms = 100000;
    LoopProbe probe;
    stage.set_probe(&probe);
    StageLoop loop(options, &stage, &probe);
    ASSERT_FALSE(loop.Start());
    std::atomic<bool> stop{false}, reload{false};
    int status = -1;
    std::thread runner([&] { status = loop.Run(stop, reload); });
    // Until every input was prepared (or a generous bound on a loaded machine).
    for (int i = 0; i < 1200 && stage.prepared_records < static_cast<size_t>(kRecords); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop = true;
    runner.join();
    ASSERT_EQ(status, 0);
    EXPECT_GE(probe.transactions_aborted.load(), 1u);

    ASSERT_GE(stage.journal.size(), 3u);
    EXPECT_EQ(stage.journal[0], "prepare");
    EXPECT_EQ(stage.journal[1], "aborted") << "a failed PrepareCommit aborts the transaction";
    ASSERT_GE(stage.batches.size(), 2u);
    EXPECT_FALSE(stage.batches[0].prepared);
    EXPECT_EQ(stage.batches[1].offsets.front(), stage.batches[0].offsets.front())
        << "re-processed from the committed offset";

    // Every offset is in exactly one successfully prepared batch, and each PrepareCommit ran
    // after the previous batches' Kafka commits and before its own: the stores commit first.
    std::map<int64_t, int> prepared_times;
    uint64_t successes = 0;
    for (const auto& batch : stage.batches) {
      EXPECT_EQ(batch.commits_before, successes);
      if (!batch.prepared) continue;
      ++successes;
      for (int64_t offset : batch.offsets) ++prepared_times[offset];
    }
    EXPECT_EQ(probe.transactions_committed.load(), successes)
        << "every prepared batch was committed, none without PrepareCommit";
    ASSERT_EQ(prepared_times.size(), static_cast<size_t>(kRecords));
    for (const auto& [offset, times] : prepared_times) EXPECT_EQ(times, 1) << offset;
  }
}

}  // namespace
}  // namespace newsflow::sink
