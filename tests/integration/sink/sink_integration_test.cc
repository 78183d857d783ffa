// The sink daemon against the real broker: TaggedArticles in, enriched articles, entity mentions
// and story snapshots out exactly once, a poison record to the dead-letter topic, and story ids
// that survive a restart (restored from the membership changelog).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <map>
#include <memory>
#include <set>

#include "newsflow/v1/dead_letter.pb.h"
#include "tests/support/kafka_test_client.h"
#include "tests/unit/sink/sink_fixtures.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;

std::string StoryIdOf(const std::string& enriched_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(enriched_json);
  return std::string(std::string_view(doc["story_id"]));
}

TEST(SinkIntegrationTest, PublishesExactlyOnceAndKeepsStoriesAcrossRestart) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string suffix = std::to_string(getpid());
  const std::string in = "tagged-" + suffix, enriched = "enriched-" + suffix,
                    mentions = "mentions-" + suffix, stories = "stories-" + suffix,
                    changelog = "stories-state-" + suffix, dlq = "dlq-s-" + suffix;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(in, 3);

  auto run_daemon = [&](const std::string& instance) {
    return std::make_unique<DaemonProcess>(
        BinaryDir() + "/newsflow-sink",
        std::vector<std::string>{
            "--config", SourceDir() + "/config/sink.yaml", "--kafka.bootstrap_servers=" + bootstrap,
            "--kafka.group_id=s-" + suffix, "--kafka.instance_id=" + instance,
            "--kafka.input_topics=" + in, "--kafka.dlq_topic=" + dlq, "--kafka.topic_partitions=3",
            "--sink.enriched_topic=" + enriched, "--sink.entity_mentions_topic=" + mentions,
            "--sink.stories.topic=" + stories, "--sink.stories.changelog_topic=" + changelog});
  };

  namespace fx = sink::fixtures;
  const std::vector<v1::TaggedArticle> first_batch = {fx::ReadWrite(), fx::CnbcBilingual(),
                                                      fx::Observer(), fx::HarborRobotics()};
  size_t expected_mentions = 0;
  std::vector<std::pair<std::string, std::string>> records;
  for (const auto& tagged : first_batch) {
    records.emplace_back(tagged.article().article_id(), tagged.SerializeAsString());
    expected_mentions += static_cast<size_t>(tagged.entities_size());
  }
  records.emplace_back("poison", "\xff\xfe not a TaggedArticle");
  // Produced one by one so the three related articles reach the daemon in this order on
  // whichever partitions their keys hash to; grouping is order-independent for them anyway.
  for (const auto& record : records) client.Produce(in, {record});

  std::map<std::string, std::string> story_of;  // article id -> story id
  {
    auto daemon = run_daemon("one");
    ASSERT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
    auto output = client.ReadAll(enriched, first_batch.size(), 3000);
    ASSERT_EQ(output.size(), first_batch.size()) << daemon->Log();
    for (const auto& record : output) story_of[record.key] = StoryIdOf(record.value);
    EXPECT_EQ(story_of.size(), first_batch.size()) << "an article was published twice";
    EXPECT_EQ(story_of["article-2"], story_of["article-1"]);
    EXPECT_EQ(story_of["article-3"], story_of["article-1"]);
    EXPECT_NE(story_of["harbor-1"], story_of["article-1"]);

    auto mention_records = client.ReadAll(mentions, expected_mentions, 2000);
    EXPECT_EQ(mention_records.size(), expected_mentions);
    std::set<std::string> keys;
    for (const auto& r : mention_records) keys.insert(r.key);
    EXPECT_TRUE(keys.count("Q-nvidia"));
    EXPECT_TRUE(keys.count("Q-harbor-robotics"));

    auto dead = client.ReadAll(dlq, 1, 2000);
    ASSERT_EQ(dead.size(), 1u);
    v1::DeadLetter letter;
    ASSERT_TRUE(letter.ParseFromString(dead[0].value));
    EXPECT_EQ(letter.stage(), "sink");
    EXPECT_EQ(letter.reason(), "invalid_protobuf");
    EXPECT_EQ(dead[0].key, "poison");

    std::string metrics;
    ASSERT_EQ(daemon->HttpGet("/metrics", &metrics), 200);
    EXPECT_THAT(metrics,
                HasSubstr("newsflow_sink_records_total{stage=\"sink\",output=\"enriched\"} 4"));
    EXPECT_THAT(metrics, HasSubstr("newsflow_stories_created_total{stage=\"sink\"} 2"));
    EXPECT_THAT(metrics, HasSubstr("newsflow_stories_joined_total{stage=\"sink\"} 2"));
    EXPECT_THAT(metrics, HasSubstr("newsflow_stories_live{stage=\"sink\"} 2"));
    daemon->Signal(SIGTERM);
    ASSERT_EQ(daemon->Wait(30000), 0) << daemon->Log();
  }

  // A restarted daemon under another instance id knows the stories from the changelog.
  client.Produce(in, {{"article-5", fx::Highlights().SerializeAsString()}});
  auto daemon = run_daemon("two");
  ASSERT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
  auto output = client.ReadAll(enriched, first_batch.size() + 1, 3000);
  ASSERT_EQ(output.size(), first_batch.size() + 1) << daemon->Log();
  std::map<std::string, int> times_published;
  for (const auto& record : output) {
    ++times_published[record.key];
    if (record.key == "article-5") {
      EXPECT_EQ(StoryIdOf(record.value), story_of["article-1"]);
    }
  }
  for (const auto& [id, times] : times_published) EXPECT_EQ(times, 1) << id;

  // news.stories: the latest snapshot of the story lists all four members.
  auto snapshots = client.ReadAll(stories, first_batch.size() + 1, 2000);
  ASSERT_EQ(snapshots.size(), first_batch.size() + 1);
  std::string latest;
  for (const auto& r : snapshots) {
    if (r.key == story_of["article-1"]) latest = r.value;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element story = parser.parse(latest);
  EXPECT_EQ(int64_t(story["article_count"]), 4);
  EXPECT_EQ(std::string_view(story["headline"]), fx::CnbcBilingual().article().title());
  EXPECT_EQ(client.ReadAll(changelog, first_batch.size() + 1, 1000).size(), first_batch.size() + 1);
  // Created with one partition (sink.stories.changelog_partitions), the outputs with three.
  EXPECT_EQ(client.HighWatermarks(changelog, 3, /*must_exist=*/false).size(), 1u);
  EXPECT_EQ(client.HighWatermarks(enriched, 3, /*must_exist=*/false).size(), 3u);

  std::string metrics;
  ASSERT_EQ(daemon->HttpGet("/metrics", &metrics), 200);
  EXPECT_THAT(metrics, HasSubstr("newsflow_stories_joined_total{stage=\"sink\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_story_members_live{stage=\"sink\"} 5"));
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
}

}  // namespace
}  // namespace newsflow::testing
