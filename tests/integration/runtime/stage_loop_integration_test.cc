// The stage runtime against a real Kafka broker, through the passthrough daemon run as a child
// process exactly as it runs in production.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "newsflow/v1/dead_letter.pb.h"
#include "newsflow/v1/raw_article.pb.h"
#include "tests/support/kafka_test_client.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kPartitions = 3;

std::string Article(int i) {
  v1::RawArticle article;
  article.set_article_id("article-" + std::to_string(i));
  article.set_source_name("fixture");
  article.set_content("Body of article " + std::to_string(i));
  return article.SerializeAsString();
}

std::vector<std::pair<std::string, std::string>> Articles(int from, int to) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = from; i < to; ++i) out.emplace_back("article-" + std::to_string(i), Article(i));
  return out;
}

// Topics and group unique to one test, so tests share the broker without interfering.
// A run-unique suffix keeps reruns against a long-lived broker (NEWSFLOW_TEST_BOOTSTRAP) apart.
std::string RunSuffix() {
  static const std::string suffix =
      std::to_string(getpid()) + "-" +
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000);
  return suffix;
}

struct TestTopics {
  explicit TestTopics(const std::string& base)
      : name(base + "-" + RunSuffix()),
        in("in-" + name),
        out("out-" + name),
        dlq("dlq-" + name),
        group("group-" + name) {}
  std::string name;
  std::string in, out, dlq, group;
};

class StageLoopIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(SharedKafka(), nullptr);
    ASSERT_FALSE(SharedKafka()->bootstrap().empty()) << "broker did not start";
    client_ = std::make_unique<KafkaTestClient>(SharedKafka()->bootstrap());
  }

  std::unique_ptr<DaemonProcess> StartPassthrough(const TestTopics& t,
                                                  std::vector<std::string> extra = {},
                                                  const std::string& instance = "test-instance") {
    std::vector<std::string> args = {
        "--kafka.bootstrap_servers=" + SharedKafka()->bootstrap(),
        "--kafka.group_id=" + t.group,
        "--kafka.instance_id=" + instance,
        "--kafka.input_topics=" + t.in,
        "--kafka.dlq_topic=" + t.dlq,
        "--kafka.topic_partitions=" + std::to_string(kPartitions),
        "--kafka.statistics_interval_ms=500",
        "--passthrough.output_topic=" + t.out,
        "--log.level=info",
    };
    if (const char* debug = std::getenv("NEWSFLOW_TEST_KAFKA_DEBUG")) {
      args.push_back("--set");
      args.push_back(std::string("kafka.properties.debug=") + debug);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto daemon = std::make_unique<DaemonProcess>(BinaryDir() + "/newsflow-passthrough", args);
    // The HTTP port appears after the topics exist, so readers can rely on them.
    EXPECT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
    return daemon;
  }

  // Article ids of the records on `topic`, asserting the value is intact.
  std::multiset<std::string> OutputIds(const std::string& topic, size_t expected) {
    std::multiset<std::string> ids;
    for (const auto& r : client_->ReadAll(topic, expected, 3000)) {
      v1::RawArticle article;
      EXPECT_TRUE(article.ParseFromString(r.value));
      int n = std::stoi(article.article_id().substr(8));
      EXPECT_EQ(r.value, Article(n)) << "content changed in transit";
      EXPECT_EQ(r.key, article.article_id());
      ids.insert(article.article_id());
    }
    return ids;
  }

  static void ExpectExactlyOnce(const std::multiset<std::string>& ids, int count) {
    EXPECT_EQ(ids.size(), static_cast<size_t>(count)) << "lost or duplicated records";
    std::set<std::string> unique(ids.begin(), ids.end());
    EXPECT_EQ(unique.size(), ids.size()) << "duplicates: " << ids.size() - unique.size();
    for (int i = 0; i < count; ++i) {
      if (!unique.count("article-" + std::to_string(i))) {
        ADD_FAILURE() << "missing article-" << i;
        break;
      }
    }
  }

  // Waits until `topic` holds at least `n` committed records.
  void WaitForAtLeast(const std::string& topic, size_t n, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      auto hw = client_->HighWatermarks(topic, kPartitions, /*must_exist=*/false);
      int64_t total = 0;
      for (auto [p, h] : hw) total += h;
      if (total >= static_cast<int64_t>(n)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  static double MetricValue(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }

  std::unique_ptr<KafkaTestClient> client_;
};

TEST_F(StageLoopIntegrationTest, BrokerHasTheFeaturesNewsflowNeeds) {
  auto err = kafka::CheckBrokerFeatures({{"bootstrap.servers", SharedKafka()->bootstrap()}},
                                        kafka::RequiredBrokerFeatures(), 10000);
  EXPECT_FALSE(err) << *err;
}

TEST_F(StageLoopIntegrationTest, TenThousandExactlyOnceWithPoisonToDeadLetters) {
  TestTopics t("eos");
  client_->CreateTopic(t.in, kPartitions);
  auto input = Articles(0, 5000);
  std::string poison = "\xff\xfe garbage that is not a protobuf";
  input.emplace_back("poison", poison);
  auto rest = Articles(5000, 10000);
  input.insert(input.end(), rest.begin(), rest.end());
  client_->Produce(t.in, input);

  auto daemon = StartPassthrough(t);
  ExpectExactlyOnce(OutputIds(t.out, 10000), 10000);

  auto dead = client_->ReadAll(t.dlq, 1, 2000);
  ASSERT_EQ(dead.size(), 1u);
  v1::DeadLetter letter;
  ASSERT_TRUE(letter.ParseFromString(dead[0].value));
  EXPECT_EQ(letter.stage(), "passthrough");
  EXPECT_EQ(letter.reason(), "invalid_protobuf");
  EXPECT_EQ(letter.original_value(), poison);
  EXPECT_EQ(letter.original_key(), "poison");
  EXPECT_EQ(letter.source_topic(), t.in);
  EXPECT_GE(letter.source_offset(), 0);
  EXPECT_GT(letter.dead_lettered_at().seconds(), 0);

  // Outputs say which software produced them.
  auto some = client_->ReadAll(t.out, 1, 500);
  ASSERT_FALSE(some.empty());
  std::map<std::string, std::string> headers(some[0].headers.begin(), some[0].headers.end());
  EXPECT_THAT(headers["newsflow-version"],
              ::testing::MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+\\+.*"));
  EXPECT_EQ(headers["newsflow-stage"], "passthrough");
  EXPECT_EQ(headers["newsflow-components"], "passthrough=1");

  std::string body;
  EXPECT_EQ(daemon->HttpGet("/healthz", &body), 200);
  EXPECT_EQ(daemon->HttpGet("/readyz", &body), 200) << body;

  // Lag must agree with the broker's own committed offsets once the stage is idle.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_EQ(daemon->HttpGet("/metrics", &body), 200);
  auto committed = client_->CommittedOffsets(t.group, t.in, kPartitions);
  auto high = client_->HighWatermarks(t.in, kPartitions);
  int64_t committed_total = 0;
  for (int p = 0; p < kPartitions; ++p) {
    double lag = MetricValue(body, "newsflow_consumer_lag{stage=\"passthrough\",topic=\"" + t.in +
                                       "\",partition=\"" + std::to_string(p) + "\"}");
    EXPECT_EQ(lag, static_cast<double>(high[p] - committed[p])) << "partition " << p;
    EXPECT_GE(lag, 0);
    committed_total += committed[p];
  }
  EXPECT_EQ(committed_total, 10001) << "every input offset committed, poison included";
  EXPECT_EQ(MetricValue(body, "newsflow_messages_consumed_total{stage=\"passthrough\"}"), 10001);
  EXPECT_EQ(MetricValue(body, "newsflow_messages_produced_total{stage=\"passthrough\"}"), 10000);
  EXPECT_EQ(MetricValue(body,
                        "newsflow_dead_letters_total{stage=\"passthrough\",reason="
                        "\"invalid_protobuf\"}"),
            1);
  EXPECT_GT(MetricValue(body,
                        "newsflow_transactions_total{stage=\"passthrough\",result="
                        "\"committed\"}"),
            0);
  EXPECT_THAT(body, HasSubstr("newsflow_build_info{"));
  EXPECT_THAT(body, HasSubstr("newsflow_producer_queue_messages{stage=\"passthrough\"}"));

  // SIGHUP reloads between transactions without a restart.
  daemon->Signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(daemon->HttpGet("/metrics", &body), 200);
  EXPECT_EQ(MetricValue(body, "newsflow_config_reloads_total{stage=\"passthrough\"}"), 1);
  EXPECT_TRUE(daemon->Running());

  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
  EXPECT_THAT(daemon->Log(), HasSubstr("stopped cleanly"));
}

// A trickle must not wait out kafka.transaction_max_ms: once the input runs dry the transaction
// commits after transaction_linger_ms. With a one-minute maximum, all output within half a
// minute can only come from the linger rule.
TEST_F(StageLoopIntegrationTest, DryInputCommitsAfterLingerNotAfterMaximum) {
  TestTopics t("linger");
  client_->CreateTopic(t.in, kPartitions);
  auto daemon =
      StartPassthrough(t, {"--kafka.transaction_max_ms=60000", "--kafka.transaction_linger_ms=10",
                           "--kafka.transaction_timeout_ms=120000"});
  client_->Produce(t.in, Articles(0, 5));
  EXPECT_EQ(client_->ReadAll(t.out, 5, 3000, /*max_wait_ms=*/30000).size(), 5u);
  std::string body;
  ASSERT_EQ(daemon->HttpGet("/metrics", &body), 200);
  EXPECT_GT(MetricValue(body,
                        "newsflow_transactions_total{stage=\"passthrough\",result="
                        "\"committed\"}"),
            0);
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
}

// kafka.transaction_partitioned_topics: all of a transaction's records go to one partition,
// whatever their keys, and the next transaction takes the next partition. With transactions of
// exactly 100 records (no linger or time limit can close one earlier), 900 records are nine
// transactions, three per partition: each partition holds three runs of 100 consecutive offsets,
// one commit marker between them. Key hashing would give every transaction a few records in
// each partition, a marker after each few.
TEST_F(StageLoopIntegrationTest, TransactionPartitionedOutputTakesOnePartitionPerTransaction) {
  TestTopics t("txnpart");
  client_->CreateTopic(t.in, kPartitions);
  client_->Produce(t.in, Articles(0, 900));
  auto daemon = StartPassthrough(
      t, {"--kafka.transaction_partitioned_topics=" + t.out, "--kafka.transaction_max_messages=100",
          "--kafka.transaction_max_ms=60000", "--kafka.transaction_linger_ms=60000",
          "--kafka.transaction_timeout_ms=120000"});
  ExpectExactlyOnce(OutputIds(t.out, 900), 900);
  std::map<int32_t, std::vector<int64_t>> offsets;
  for (const auto& r : client_->ReadAll(t.out, 900, 3000)) offsets[r.partition].push_back(r.offset);
  ASSERT_EQ(offsets.size(), static_cast<size_t>(kPartitions));
  for (auto& [partition, list] : offsets) {
    std::sort(list.begin(), list.end());
    std::vector<size_t> runs = {1};
    for (size_t i = 1; i < list.size(); ++i) {
      if (list[i] == list[i - 1] + 1) {
        ++runs.back();
      } else {
        runs.push_back(1);
      }
    }
    EXPECT_EQ(runs, (std::vector<size_t>{100, 100, 100})) << "partition " << partition;
  }
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
}

// kafka.transaction_start_delay_ms: a record that arrives just after a commit is processed but
// produced only when the delay since that commit has passed (here 2 s; without the delay it is
// downstream within tens of milliseconds). A record held when the daemon is stopped is still
// produced and committed by the graceful stop, exactly once.
TEST_F(StageLoopIntegrationTest, StartDelayHoldsTheFirstProduceAfterACommitAndStopFlushesIt) {
  TestTopics t("startdelay");
  client_->CreateTopic(t.in, kPartitions);
  auto daemon = StartPassthrough(
      t, {"--kafka.transaction_start_delay_ms=2000", "--kafka.transaction_linger_ms=10",
          "--kafka.transaction_max_ms=60000", "--kafka.transaction_timeout_ms=120000"});
  client_->Produce(t.in, Articles(0, 1));
  ASSERT_EQ(client_->ReadAll(t.out, 1, /*idle_ms=*/0, 30000).size(), 1u) << daemon->Log();
  const auto first_seen = std::chrono::steady_clock::now();
  client_->Produce(t.in, Articles(1, 2));
  ASSERT_EQ(client_->ReadAll(t.out, 2, /*idle_ms=*/0, 30000).size(), 2u) << daemon->Log();
  const auto held = std::chrono::steady_clock::now() - first_seen;
  // The first commit ended before its record was seen, so the hold shows as at most 2 s here,
  // less the reader's start-up.
  EXPECT_GE(held, std::chrono::milliseconds(1200));
  EXPECT_LT(held, std::chrono::milliseconds(10000));

  // Stopped while a record is held: the stop produces and commits it.
  client_->Produce(t.in, Articles(2, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
  ExpectExactlyOnce(OutputIds(t.out, 3), 3);
}

TEST_F(StageLoopIntegrationTest, InFlightCapPausesConsumptionAndLosesNothing) {
  TestTopics t("backpressure");
  client_->CreateTopic(t.in, kPartitions);
  client_->Produce(t.in, Articles(0, 3000));
  auto daemon = StartPassthrough(
      t, {"--kafka.max_in_flight_messages=100", "--kafka.transaction_max_messages=1000",
          "--kafka.transaction_max_ms=5000", "--kafka.transaction_linger_ms=5000"});
  ExpectExactlyOnce(OutputIds(t.out, 3000), 3000);
  std::string body;
  ASSERT_EQ(daemon->HttpGet("/metrics", &body), 200);
  EXPECT_GT(MetricValue(body, "newsflow_backpressure_pauses_total{stage=\"passthrough\"}"), 0);
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
}

TEST_F(StageLoopIntegrationTest, SigtermMidStreamThenRestartLosesAndDuplicatesNothing) {
  TestTopics t("sigterm");
  client_->CreateTopic(t.in, kPartitions);
  client_->Produce(t.in, Articles(0, 10000));
  // Small transactions so the stop lands in the middle of the stream.
  auto daemon = StartPassthrough(t, {"--kafka.transaction_max_messages=50"});
  WaitForAtLeast(t.out, 1000, 60000);
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
  size_t before = client_->ReadAll(t.out, 0, 1000).size();
  EXPECT_LT(before, 10000u) << "the stop landed after the stream ended; nothing was proven";

  auto restarted = StartPassthrough(t, {"--kafka.transaction_max_messages=50"});
  ExpectExactlyOnce(OutputIds(t.out, 10000), 10000);
  restarted->Signal(SIGTERM);
  EXPECT_EQ(restarted->Wait(30000), 0) << restarted->Log();
}

TEST_F(StageLoopIntegrationTest, KillNineMidStreamThenRestartLosesAndDuplicatesNothing) {
  TestTopics t("kill9");
  client_->CreateTopic(t.in, kPartitions);
  client_->Produce(t.in, Articles(0, 10000));
  auto daemon = StartPassthrough(t, {"--kafka.transaction_max_messages=50", "--set",
                                     "kafka.properties.session.timeout.ms=6000"});
  WaitForAtLeast(t.out, 1500, 60000);
  daemon->Signal(SIGKILL);
  EXPECT_EQ(daemon->Wait(10000), -SIGKILL);
  // Same instance id: the new producer fences the dead one and aborts its open transaction.
  // The dead member still holds its partitions until its session times out; a short session
  // keeps the test quick (production keeps librdkafka's 45 s default).
  auto restarted = StartPassthrough(t, {"--kafka.transaction_max_messages=50", "--set",
                                        "kafka.properties.session.timeout.ms=6000"});
  ExpectExactlyOnce(OutputIds(t.out, 10000), 10000);
  restarted->Signal(SIGTERM);
  EXPECT_EQ(restarted->Wait(30000), 0) << restarted->Log();
}

TEST_F(StageLoopIntegrationTest, ReprocessFromTheBeginningByResettingTheGroup) {
  TestTopics t("reprocess");
  client_->CreateTopic(t.in, kPartitions);
  client_->Produce(t.in, Articles(0, 300));
  {
    auto daemon = StartPassthrough(t);
    ExpectExactlyOnce(OutputIds(t.out, 300), 300);
    daemon->Signal(SIGTERM);
    ASSERT_EQ(daemon->Wait(30000), 0);
  }
  // The documented procedure (docs/operations.md): stop the stage, reset its group, restart.
  std::string output;
  int status = SharedKafka()->Script(
      "run-class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server " +
          SharedKafka()->bootstrap() + " --group " + t.group + " --topic " + t.in +
          " --reset-offsets --to-earliest --execute",
      &output);
  ASSERT_EQ(status, 0) << output;
  auto daemon = StartPassthrough(t);
  auto ids = OutputIds(t.out, 600);
  EXPECT_EQ(ids.size(), 600u) << "each article reprocessed once more";
  for (int i = 0; i < 300; ++i) EXPECT_EQ(ids.count("article-" + std::to_string(i)), 2u);
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0);
}

TEST_F(StageLoopIntegrationTest, TwoInstancesSplitPartitionsAndStayExactlyOnce) {
  TestTopics t("scale");
  client_->CreateTopic(t.in, kPartitions);
  client_->Produce(t.in, Articles(0, 4000));
  auto a = StartPassthrough(t, {"--kafka.transaction_max_messages=50"}, "a");
  auto b = StartPassthrough(t, {"--kafka.transaction_max_messages=50"}, "b");
  ExpectExactlyOnce(OutputIds(t.out, 4000), 4000);
  a->Signal(SIGTERM);
  b->Signal(SIGTERM);
  EXPECT_EQ(a->Wait(30000), 0) << a->Log();
  EXPECT_EQ(b->Wait(30000), 0) << b->Log();
}

}  // namespace
}  // namespace newsflow::testing
