// The normalize daemon against the real broker: fixture articles in, clean Articles out exactly
// once, HTML and garbage to the dead-letter topic.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/dead_letter.pb.h"
#include "newsflow/v1/raw_article.pb.h"
#include "tests/support/kafka_test_client.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(NormalizeIntegrationTest, FixtureArticlesComeOutCleanAndExactlyOnce) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string suffix = std::to_string(getpid());
  const std::string in = "raw-" + suffix, out = "normalized-" + suffix, dlq = "dlq-n-" + suffix;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(in, 3);

  std::vector<std::pair<std::string, std::string>> records;
  std::map<std::string, std::string> content_by_id;
  for (const auto& entry :
       std::filesystem::directory_iterator(SourceDir() + "/tests/fixtures/articles")) {
    v1::RawArticle raw;
    raw.set_article_id(entry.path().filename().string());
    raw.set_source_name("fixture");
    raw.set_content(ReadFile(entry.path().string()));
    raw.set_content_type("text/plain; charset=utf-8");
    records.emplace_back(raw.article_id(), raw.SerializeAsString());
  }
  const size_t articles = records.size();
  ASSERT_GE(articles, 3u);
  v1::RawArticle html;
  html.set_article_id("page");
  html.set_content("<html><body><nav>Home</nav></body></html>");
  html.set_content_type("text/html");
  records.emplace_back("page", html.SerializeAsString());
  records.emplace_back("garbage", "\xff\xfe not a protobuf");
  client.Produce(in, records);

  DaemonProcess daemon(
      BinaryDir() + "/newsflow-normalize",
      {"--config", SourceDir() + "/config/normalize.yaml", "--kafka.bootstrap_servers=" + bootstrap,
       "--kafka.group_id=n-" + suffix, "--kafka.instance_id=test", "--kafka.input_topics=" + in,
       "--kafka.dlq_topic=" + dlq, "--normalize.output_topic=" + out});
  ASSERT_GT(daemon.WaitForHttpPort(60000), 0) << daemon.Log();

  auto output = client.ReadAll(out, articles, 3000);
  ASSERT_EQ(output.size(), articles) << daemon.Log();
  std::set<std::string> ids;
  for (const auto& record : output) {
    v1::Article article;
    ASSERT_TRUE(article.ParseFromString(record.value));
    ids.insert(article.article_id());
    EXPECT_EQ(record.key, article.article_id());
    EXPECT_FALSE(article.body().empty());
    EXPECT_THAT(article.body(), Not(HasSubstr("appeared first on")));
    EXPECT_THAT(article.body(), Not(HasSubstr("Featured image:")));
    EXPECT_THAT(article.body(), Not(HasSubstr("\t")));
    EXPECT_THAT(article.body(), HasSubstr("Harbor Robotics"));
    EXPECT_GT(article.word_count(), 20u);
  }
  EXPECT_EQ(ids.size(), articles) << "duplicates";

  auto dead = client.ReadAll(dlq, 2, 2000);
  ASSERT_EQ(dead.size(), 2u);
  std::set<std::string> reasons;
  for (const auto& record : dead) {
    v1::DeadLetter letter;
    ASSERT_TRUE(letter.ParseFromString(record.value));
    reasons.insert(letter.reason());
    EXPECT_EQ(letter.stage(), "normalize");
    EXPECT_FALSE(letter.original_value().empty());
  }
  EXPECT_THAT(reasons, ::testing::UnorderedElementsAre("empty_after_cleaning", "invalid_protobuf"));

  std::string metrics;
  ASSERT_EQ(daemon.HttpGet("/metrics", &metrics), 200);
  EXPECT_THAT(metrics, HasSubstr("newsflow_boilerplate_removed_total{stage=\"normalize\""));
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(30000), 0) << daemon.Log();
}

std::string RawRecord(const std::string& id, const std::string& text) {
  v1::RawArticle raw;
  raw.set_article_id(id);
  raw.set_source_name("fixture");
  raw.set_content(text);
  raw.set_content_type("text/plain");
  return raw.SerializeAsString();
}

// The duplicate index lives in a changelog topic: a restarted daemon, and any other instance,
// knows what was already published.
TEST(NormalizeIntegrationTest, DuplicateIndexSurvivesRestartAndIsSharedByInstances) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string suffix = std::to_string(getpid());
  const std::string in = "raw-d-" + suffix, out = "normalized-d-" + suffix, dlq = "dlq-d-" + suffix,
                    changelog = "dedupe-" + suffix;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(in, 3);
  const std::string story = ReadFile(SourceDir() + "/tests/fixtures/articles/outlet-a.txt");
  ASSERT_GT(story.size(), 500u);

  auto run_daemon = [&](const std::string& instance) {
    return std::make_unique<DaemonProcess>(
        BinaryDir() + "/newsflow-normalize",
        std::vector<std::string>{"--config", SourceDir() + "/config/normalize.yaml",
                                 "--kafka.bootstrap_servers=" + bootstrap,
                                 "--kafka.group_id=nd-" + suffix, "--kafka.instance_id=" + instance,
                                 "--kafka.input_topics=" + in, "--kafka.dlq_topic=" + dlq,
                                 "--normalize.output_topic=" + out,
                                 "--normalize.dedupe.topic=" + changelog});
  };

  client.Produce(in, {{"first", RawRecord("first", story)}});
  {
    auto daemon = run_daemon("one");
    ASSERT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
    ASSERT_EQ(client.ReadAll(out, 1, 2000).size(), 1u) << daemon->Log();
    daemon->Signal(SIGTERM);
    ASSERT_EQ(daemon->Wait(30000), 0) << daemon->Log();
  }

  // After the restart, under another instance id: an exact copy under another id (reformatted
  // whitespace) and a lightly edited copy.
  std::string copy = story;
  copy.replace(copy.find(' '), 1, "   ");
  std::string edited = story;
  size_t word = edited.find(" the ");
  ASSERT_NE(word, std::string::npos);
  edited.replace(word, 5, " this ");
  client.Produce(in, {{"copy", RawRecord("copy", copy)}, {"edited", RawRecord("edited", edited)}});
  auto daemon = run_daemon("two");
  ASSERT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
  auto output = client.ReadAll(out, 2, 3000);
  ASSERT_EQ(output.size(), 2u) << daemon->Log();
  std::map<std::string, v1::Article> by_id;
  for (const auto& record : output) {
    v1::Article article;
    ASSERT_TRUE(article.ParseFromString(record.value));
    by_id[article.article_id()] = article;
  }
  ASSERT_EQ(by_id.count("copy"), 0u) << "the exact copy must be dropped";
  ASSERT_EQ(by_id.count("edited"), 1u);
  EXPECT_EQ(by_id["edited"].near_duplicate_of(), "first");
  EXPECT_EQ(client.ReadAll(changelog, 2, 1000).size(), 2u);  // first + edited
  // Created with one partition (normalize.dedupe.partitions), whatever kafka.topic_partitions.
  EXPECT_EQ(client.HighWatermarks(changelog, 6, /*must_exist=*/false).size(), 1u);
  EXPECT_EQ(client.HighWatermarks(out, 6, /*must_exist=*/false).size(), 6u);

  std::string metrics;
  ASSERT_EQ(daemon->HttpGet("/metrics", &metrics), 200);
  EXPECT_THAT(metrics, HasSubstr("newsflow_duplicates_dropped_total{stage=\"normalize\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_near_duplicates_total{stage=\"normalize\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_dedupe_index_entries{stage=\"normalize\"} 2"));
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
}

}  // namespace
}  // namespace newsflow::testing
