// Kill -9 of every pipeline daemon at random moments while articles stream through normalize,
// entity-tag and sink on the real broker: every input article appears in news.enriched exactly
// once and the dead letters are exactly the poison inputs. NEWSFLOW_CHAOS_ARTICLES (default
// 2000) and NEWSFLOW_CHAOS_KILLS (default 6) make the run longer.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "newsflow/v1/dead_letter.pb.h"
#include "newsflow/v1/raw_article.pb.h"
#include "tests/support/kafka_test_client.h"
#include "tests/support/pipeline_daemons.h"

namespace newsflow::testing {
namespace {

long EnvOr(const char* name, long fallback) {
  const char* value = std::getenv(name);
  return value ? std::atol(value) : fallback;
}

TEST(ChaosTest, KillNineEveryStageExactlyOnceEndToEnd) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const long articles = EnvOr("NEWSFLOW_CHAOS_ARTICLES", 2000);
  const long kills = EnvOr("NEWSFLOW_CHAOS_KILLS", 6);
  const std::string run = "chaos" + std::to_string(getpid());
  const PipelineTopics topics(run);
  const std::string &raw = topics.raw, &enriched = topics.enriched, &dlq = topics.dlq;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(raw, 3);

  static const char* kWords[] = {"port",    "robots",  "council", "budget", "river",   "election",
                                 "factory", "vaccine", "bridge",  "market", "harvest", "storm"};
  std::mt19937 random(42);
  std::vector<std::pair<std::string, std::string>> records;
  std::set<std::string> poison = {"poison-1", "poison-2", "poison-3"};
  for (long i = 0; i < articles; ++i) {
    v1::RawArticle article;
    article.set_article_id("chaos-" + std::to_string(i));
    std::string body = "Nvidia and the city of Rotterdam announced plans on Monday.";
    for (int w = 0; w < 40; ++w) body += std::string(" ") + kWords[random() % 12];
    body += ". Reference " + std::to_string(i) + ".";
    article.set_content(body);
    article.set_content_type("text/plain");
    records.emplace_back(article.article_id(), article.SerializeAsString());
    if (i % (articles / 3 + 1) == articles / 6) {
      std::string key = "poison-" + std::to_string(1 + i / (articles / 3 + 1));
      records.emplace_back(key, "\x01 not a RawArticle " + key);
    }
  }
  ASSERT_EQ(records.size(), static_cast<size_t>(articles) + poison.size());

  auto start = [&](const std::string& name) {
    std::vector<std::string> args = PipelineDaemonArgs(name, bootstrap, topics, run + "-" + name);
    args.insert(args.end(),
                {"--set", "kafka.properties.session.timeout.ms=6000", "--log.level=warn"});
    auto daemon = std::make_unique<DaemonProcess>(BinaryDir() + "/newsflow-" + name, args);
    EXPECT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
    return daemon;
  };
  const std::vector<std::string> names = {"normalize", "entity-tag", "sink"};
  std::map<std::string, std::unique_ptr<DaemonProcess>> daemons;
  for (const auto& name : names) daemons[name] = start(name);

  // Produce in the background while the daemons are killed and restarted.
  std::thread producer([&] {
    KafkaTestClient writer(bootstrap);
    const size_t chunk = 200;
    for (size_t i = 0; i < records.size(); i += chunk) {
      std::vector<std::pair<std::string, std::string>> part(
          records.begin() + i, records.begin() + std::min(records.size(), i + chunk));
      writer.Produce(raw, part);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  for (long k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + random() % 2500));
    const std::string& victim = names[k % names.size()];
    daemons[victim]->Signal(SIGKILL);
    EXPECT_EQ(daemons[victim]->Wait(10000), -SIGKILL) << victim;
    daemons[victim] = start(victim);
  }
  producer.join();

  auto output = client.ReadAll(enriched, articles, 5000, 300000);
  std::set<std::string> ids;
  size_t duplicates = 0;
  simdjson::ondemand::parser parser;
  for (const auto& record : output) {
    if (!ids.insert(record.key).second) ++duplicates;
    simdjson::padded_string padded(record.value);
    auto doc = parser.iterate(padded);
    std::string_view body;
    ASSERT_FALSE(doc["body"].get_string().get(body)) << record.value.substr(0, 200);
    EXPECT_THAT(std::string(body), ::testing::HasSubstr("Reference " + record.key.substr(6) + "."))
        << "content intact";
  }
  EXPECT_EQ(duplicates, 0u) << "no article twice";
  EXPECT_EQ(ids.size(), static_cast<size_t>(articles)) << "no article lost";
  std::set<std::string> dead;
  for (const auto& record : client.ReadAll(dlq, poison.size(), 3000, 60000)) {
    v1::DeadLetter letter;
    ASSERT_TRUE(letter.ParseFromString(record.value));
    EXPECT_EQ(letter.reason(), "invalid_protobuf");
    dead.insert(record.key);
  }
  EXPECT_EQ(dead, poison) << "dead letters are exactly the poison inputs";
  for (auto& [name, daemon] : daemons) {
    daemon->Signal(SIGTERM);
    EXPECT_EQ(daemon->Wait(30000), 0) << name << daemon->Log();
  }
}

// Scale-out: two instances each of normalize and entity-tag in the same groups split the
// partitions; one of each is killed for good mid-stream and the survivors take over.
TEST(ChaosTest, ScaleOutSurvivorsTakeOver) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const long articles = EnvOr("NEWSFLOW_SCALEOUT_ARTICLES", 1500);
  const std::string run = "scale" + std::to_string(getpid());
  const PipelineTopics topics(run);
  const std::string &raw = topics.raw, &enriched = topics.enriched;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(raw, 6);
  auto start = [&](const std::string& name, const std::string& instance) {
    std::vector<std::string> args = PipelineDaemonArgs(name, bootstrap, topics, instance);
    args.insert(args.end(),
                {"--set", "kafka.properties.session.timeout.ms=6000", "--log.level=warn"});
    auto daemon = std::make_unique<DaemonProcess>(BinaryDir() + "/newsflow-" + name, args);
    EXPECT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
    return daemon;
  };
  auto normalize_a = start("normalize", run + "-na");
  auto normalize_b = start("normalize", run + "-nb");
  auto tag_a = start("entity-tag", run + "-ta");
  auto tag_b = start("entity-tag", run + "-tb");
  auto sink = start("sink", run + "-s");
  std::vector<std::pair<std::string, std::string>> records;
  for (long i = 0; i < articles; ++i) {
    v1::RawArticle article;
    article.set_article_id("so-" + std::to_string(i));
    article.set_content(
        "Port volumes in Rotterdam rose again on Tuesday, officials said. "
        "Scale-out reference " +
        std::to_string(i) + ".");
    article.set_content_type("text/plain");
    records.emplace_back(article.article_id(), article.SerializeAsString());
  }
  const size_t third = records.size() / 3;
  client.Produce(raw, {records.begin(), records.begin() + third});
  std::this_thread::sleep_for(std::chrono::seconds(2));
  normalize_b->Signal(SIGKILL);
  tag_a->Signal(SIGKILL);
  client.Produce(raw, {records.begin() + third, records.end()});

  auto out = client.ReadAll(enriched, articles, 5000, 300000);
  std::set<std::string> ids;
  for (const auto& record : out) ids.insert(record.key);
  EXPECT_EQ(out.size(), static_cast<size_t>(articles)) << "nothing duplicated";
  EXPECT_EQ(ids.size(), static_cast<size_t>(articles)) << "nothing lost";
  for (auto* daemon : {normalize_a.get(), tag_b.get(), sink.get()}) {
    EXPECT_TRUE(daemon->Running()) << daemon->Log();
    daemon->Signal(SIGTERM);
    EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
  }
}

// Three brokers on loopback (replication factor 3, min.insync.replicas 2): one is killed while the
// stream runs; the daemons fail over to the others and nothing is lost or duplicated.
TEST(ChaosTest, BrokerFailoverLosesNothing) {
  LocalKafka cluster(3);
  ASSERT_FALSE(cluster.bootstrap().empty());
  const std::string bootstrap = cluster.bootstrap();
  const long articles = EnvOr("NEWSFLOW_FAILOVER_ARTICLES", 1500);
  const std::string run = "failover" + std::to_string(getpid());
  const PipelineTopics topics(run);
  const std::string &raw = topics.raw, &enriched = topics.enriched;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(raw, 3);
  std::vector<std::pair<std::string, std::string>> records;
  for (long i = 0; i < articles; ++i) {
    v1::RawArticle article;
    article.set_article_id("fo-" + std::to_string(i));
    article.set_content(
        "The harbour authority in Rotterdam reported record volumes on Monday. "
        "Failover reference " +
        std::to_string(i) + ".");
    article.set_content_type("text/plain");
    records.emplace_back(article.article_id(), article.SerializeAsString());
  }
  auto start = [&](const std::string& name) {
    std::vector<std::string> args = PipelineDaemonArgs(name, bootstrap, topics, run + "-" + name);
    args.insert(args.end(), {"--kafka.topic_replication_factor=3", "--log.level=warn"});
    auto daemon = std::make_unique<DaemonProcess>(BinaryDir() + "/newsflow-" + name, args);
    EXPECT_GT(daemon->WaitForHttpPort(90000), 0) << daemon->Log();
    return daemon;
  };
  auto normalize = start("normalize");
  auto tag = start("entity-tag");
  auto sink = start("sink");
  const size_t half = records.size() / 2;
  client.Produce(raw, {records.begin(), records.begin() + half});
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::string output;
  ASSERT_EQ(cluster.Script("stop-node --dir " + cluster.dir() + " --node 2 --kill", &output), 0)
      << output;
  client.Produce(raw, {records.begin() + half, records.end()});

  auto out = client.ReadAll(enriched, articles, 5000, 300000);
  std::set<std::string> ids;
  for (const auto& record : out) ids.insert(record.key);
  EXPECT_EQ(out.size(), static_cast<size_t>(articles)) << "nothing duplicated";
  EXPECT_EQ(ids.size(), static_cast<size_t>(articles)) << "nothing lost";
  for (auto* daemon : {normalize.get(), tag.get(), sink.get()}) {
    EXPECT_TRUE(daemon->Running()) << daemon->Log();
    daemon->Signal(SIGTERM);
    daemon->Wait(30000);
  }
}

}  // namespace
}  // namespace newsflow::testing
