// The entity-tag daemon against the real broker: Articles in, TaggedArticles out exactly once
// with linked entities, garbage to the dead-letter topic.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/dead_letter.pb.h"
#include "newsflow/v1/tagged_article.pb.h"
#include "tests/support/kafka_test_client.h"
#include "tests/support/pipeline_daemons.h"

namespace newsflow::testing {
namespace {

TEST(TagIntegrationTest, ArticlesComeOutTaggedExactlyOnce) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string suffix = std::to_string(getpid());
  const PipelineTopics topics("tag-" + suffix);
  const std::string &in = topics.normalized, &out = topics.tagged, &dlq = topics.dlq;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(in, 3);
  std::vector<std::pair<std::string, std::string>> records;
  const int kArticles = 200;
  for (int i = 0; i < kArticles; ++i) {
    v1::Article article;
    article.set_article_id("a" + std::to_string(i));
    article.set_title("Nvidia and DeepSeek, day " + std::to_string(i));
    article.set_body(
        "Nvidia shares fell 17% on Monday after DeepSeek released R1, which cost "
        "less than $6 million to train, according to CNBC.");
    records.emplace_back(article.article_id(), article.SerializeAsString());
    if (i == kArticles / 2) records.emplace_back("poison", "\x01\x02 not an Article");
  }
  client.Produce(in, records);

  DaemonProcess daemon(BinaryDir() + "/newsflow-entity-tag",
                       PipelineDaemonArgs("entity-tag", bootstrap, topics, "test"));
  ASSERT_GT(daemon.WaitForHttpPort(60000), 0) << daemon.Log();
  auto output = client.ReadAll(out, kArticles, 3000);
  ASSERT_EQ(output.size(), static_cast<size_t>(kArticles)) << daemon.Log();
  std::set<std::string> ids;
  for (const auto& record : output) {
    v1::TaggedArticle tagged;
    ASSERT_TRUE(tagged.ParseFromString(record.value));
    ids.insert(tagged.article().article_id());
    std::set<std::string> linked;
    for (const auto& m : tagged.mentions()) linked.insert(m.entity_id());
    EXPECT_TRUE(linked.count("nvidia")) << record.key;
    EXPECT_TRUE(linked.count("deepseek")) << record.key;
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kArticles));
  auto dead = client.ReadAll(dlq, 1, 2000);
  ASSERT_EQ(dead.size(), 1u);
  v1::DeadLetter letter;
  ASSERT_TRUE(letter.ParseFromString(dead[0].value));
  EXPECT_EQ(letter.reason(), "invalid_protobuf");
  EXPECT_EQ(letter.original_value(), "\x01\x02 not an Article");

  std::string metrics;
  ASSERT_EQ(daemon.HttpGet("/metrics", &metrics), 200);
  EXPECT_THAT(metrics, ::testing::HasSubstr("newsflow_entity_mentions_total{stage=\"entity-tag\""));
  daemon.Signal(SIGHUP);  // reloads the knowledge base; must keep running
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(30000), 0) << daemon.Log();
}

}  // namespace
}  // namespace newsflow::testing
