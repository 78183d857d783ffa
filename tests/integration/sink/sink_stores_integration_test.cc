// The sink daemon with both optional stores enabled, against the real broker and a real
// PostgreSQL server: every article lands exactly once in Kafka, in the NDJSON files and in the
// articles table, across a kill -9 mid-stream and a full re-processing of the input by another
// consumer group (every batch then reaches stores that already hold it).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/sink/postgres_store_support.h"
#include "tests/support/kafka_test_client.h"
#include "tests/unit/sink/sink_fixtures.h"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// Article id -> lines holding it, over every segment in `dir`.
std::map<std::string, int> NdjsonIds(const std::string& dir, size_t* lines = nullptr) {
  std::map<std::string, int> ids;
  size_t count = 0;
  simdjson::dom::parser parser;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      ++count;
      simdjson::dom::element doc;
      std::string_view id;
      if (parser.parse(line).get(doc) == simdjson::SUCCESS &&
          doc["id"].get(id) == simdjson::SUCCESS) {
        ++ids[std::string(id)];
      } else {
        ++ids["<bad line>"];
      }
    }
  }
  if (lines) *lines = count;
  return ids;
}

TEST(SinkStoresIntegrationTest, EveryArticleExactlyOnceInBothStoresAcrossCrashAndReprocessing) {
  ASSERT_NE(SharedKafka(), nullptr);
  LocalPostgres postgres;
  ASSERT_FALSE(postgres.conninfo().empty());
  char tmpl[] = "/tmp/nf-ndjson-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string ndjson_dir = tmpl;

  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string suffix = std::to_string(getpid());
  const std::string in = "st-tagged-" + suffix, dlq = "st-dlq-" + suffix;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(in, 3);

  constexpr int kArticles = 300;
  std::vector<std::pair<std::string, std::string>> records;
  std::set<std::string> expected_ids;
  for (int i = 0; i < kArticles; ++i) {
    auto tagged = sink::fixtures::HarborRobotics();
    const std::string id = "bulk-" + std::to_string(i);
    tagged.mutable_article()->set_article_id(id);
    records.emplace_back(id, tagged.SerializeAsString());
    expected_ids.insert(id);
  }
  records.emplace_back("poison", "\xff\xfe not a TaggedArticle");
  client.Produce(in, records);

  const std::string password = "pg-secret-" + suffix;
  auto run_daemon = [&](const std::string& group, const std::string& instance,
                        const std::string& out) {
    return std::make_unique<DaemonProcess>(
        BinaryDir() + "/newsflow-sink",
        std::vector<std::string>{
            "--config", SourceDir() + "/config/sink.yaml", "--kafka.bootstrap_servers=" + bootstrap,
            "--kafka.group_id=" + group, "--kafka.instance_id=" + instance,
            "--kafka.input_topics=" + in, "--kafka.dlq_topic=" + dlq, "--kafka.topic_partitions=3",
            "--kafka.transaction_max_messages=20", "--sink.enriched_topic=" + out + "-enriched",
            "--sink.entity_mentions_topic=" + out + "-mentions",
            "--sink.stories.topic=" + out + "-stories",
            "--sink.stories.changelog_topic=" + out + "-stories-state",
            "--stores.ndjson.enabled=true", "--stores.ndjson.dir=" + ndjson_dir,
            "--stores.ndjson.max_file_bytes=65536", "--stores.postgres.enabled=true"},
        // The connection string (with a password libpq never needs on trust auth) from the
        // environment, as operators are told to pass it.
        std::map<std::string, std::string>{
            {"NEWSFLOW_STORES_POSTGRES_CONNINFO", postgres.conninfo() + " password=" + password}});
  };
  const std::string out1 = "st1-" + suffix, out2 = "st2-" + suffix;
  const std::string group1 = "st1-" + suffix, group2 = "st2-" + suffix;

  std::string logs;
  {
    // Killed mid-stream once some batches reached the files.
    auto daemon = run_daemon(group1, "one", out1);
    ASSERT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
    size_t lines = 0;
    for (int i = 0; i < 3000 && lines < 60; ++i) {
      NdjsonIds(ndjson_dir, &lines);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_GE(lines, 60u) << daemon->Log();
    daemon->Signal(SIGKILL);
    daemon->Wait(10000);
    logs += daemon->Log();
  }
  {
    auto daemon = run_daemon(group1, "one", out1);
    ASSERT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
    auto output = client.ReadAll(out1 + "-enriched", kArticles, 5000);
    std::map<std::string, int> published;
    for (const auto& r : output) ++published[r.key];
    EXPECT_EQ(published.size(), static_cast<size_t>(kArticles)) << daemon->Log();
    for (const auto& [id, times] : published) EXPECT_EQ(times, 1) << id;
    std::string metrics;
    ASSERT_EQ(daemon->HttpGet("/metrics", &metrics), 200);
    EXPECT_THAT(metrics,
                HasSubstr("newsflow_sink_store_records_total{stage=\"sink\",store=\"ndjson\"}"));
    EXPECT_THAT(
        metrics,
        HasSubstr(
            "newsflow_sink_store_commit_failures_total{stage=\"sink\",store=\"postgres\"} 0"));
    daemon->Signal(SIGTERM);
    EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
    logs += daemon->Log();
  }

  auto check_stores = [&](const std::string& when) {
    size_t lines = 0;
    auto ids = NdjsonIds(ndjson_dir, &lines);
    EXPECT_EQ(lines, static_cast<size_t>(kArticles)) << when;
    std::set<std::string> in_files;
    for (const auto& [id, times] : ids) {
      EXPECT_EQ(times, 1) << when << ": " << id << " in the files " << times << " times";
      in_files.insert(id);
    }
    EXPECT_EQ(in_files, expected_ids) << when;
    PgClient db(postgres.conninfo());
    EXPECT_EQ(db.Value("SELECT count(*) FROM articles"), std::to_string(kArticles)) << when;
    EXPECT_EQ(db.Value("SELECT count(*) FROM articles WHERE article_id LIKE 'bulk-%'"),
              std::to_string(kArticles))
        << when;
    EXPECT_EQ(db.Value("SELECT count(*) FROM mentions"), std::to_string(4 * kArticles)) << when;
  };
  check_stores("after the crash and restart");
  EXPECT_GT(std::distance(fs::directory_iterator(ndjson_dir), fs::directory_iterator()), 1)
      << "64 KiB segments: 300 articles rotate";

  {
    // Another group re-processes the whole input: every article reaches stores that hold it.
    auto daemon = run_daemon(group2, "two", out2);
    ASSERT_GT(daemon->WaitForHttpPort(60000), 0) << daemon->Log();
    EXPECT_EQ(client.Count(out2 + "-enriched", kArticles, 5000), static_cast<size_t>(kArticles));
    std::string metrics;
    ASSERT_EQ(daemon->HttpGet("/metrics", &metrics), 200);
    EXPECT_THAT(metrics, HasSubstr("newsflow_sink_store_duplicates_skipped_total{stage=\"sink\","
                                   "store=\"ndjson\"} " +
                                   std::to_string(kArticles)));
    EXPECT_THAT(metrics,
                HasSubstr("newsflow_sink_store_records_total{stage=\"sink\",store=\"ndjson\"} 0"));
    daemon->Signal(SIGTERM);
    EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
    logs += daemon->Log();
  }
  check_stores("after re-processing by another group");
  EXPECT_THAT(logs, Not(HasSubstr(password))) << "the password must never be logged";
  fs::remove_all(ndjson_dir);
}

}  // namespace
}  // namespace newsflow::testing
