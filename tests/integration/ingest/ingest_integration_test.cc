// The ingest daemon against the real broker and a local HTTP server the test runs: feeds with
// ETag/304, server errors, slow responses, redirects and malformed XML; every push status; file
// backfill; a restart that re-ingests nothing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "newsflow/v1/raw_article.pb.h"
#include "services/ingest/publisher.h"
#include "tests/support/kafka_test_client.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;

std::string Rss(const std::string& prefix, int items) {
  std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>" + prefix +
                    "</title><link>http://example.test/</link>";
  for (int i = 0; i < items; ++i) {
    std::string n = std::to_string(i);
    xml += "<item><title>" + prefix + " story " + n + "</title><link>http://example.test/" +
           prefix + "/" + n + "?utm_source=rss</link><guid>" + prefix + n +
           "</guid><description>&lt;p&gt;Body of " + prefix + " story " + n +
           " &amp;mdash; with an entity&nbsp;here.&lt;/p&gt;</description>"
           "<pubDate>Mon, 27 Jan 2025 10:00:00 GMT</pubDate></item>";
  }
  return xml + "</channel></rss>";
}

class FeedServer {
 public:
  FeedServer() {
    server_.Get("/good.xml", [this](const httplib::Request& req, httplib::Response& res) {
      good_requests_++;
      if (req.get_header_value("If-None-Match") == "\"v1\"") {
        res.status = 304;
        return;
      }
      res.set_header("ETag", "\"v1\"");
      res.set_content(Rss("good", 3), "application/rss+xml");
    });
    server_.Get("/broken.xml",
                [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
    server_.Get("/limited.xml", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", "3600");
    });
    server_.Get("/slow.xml", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      res.set_content(Rss("slow", 1), "application/rss+xml");
    });
    server_.Get("/moved.xml", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/target.xml");
    });
    server_.Get("/target.xml", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(Rss("moved", 2), "application/rss+xml");
    });
    server_.Get("/malformed.xml", [](const httplib::Request&, httplib::Response& res) {
      // Undefined entity, unclosed elements, truncated at the end.
      res.set_content(
          "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Bad &eacute; feed</title>"
          "<item><title>Recovered story</title><link>http://example.test/bad/1</link>"
          "<description>Text &copy; here<b></description></item><item><title>Cut",
          "application/rss+xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FeedServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int good_requests() const { return good_requests_.load(); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> good_requests_{0};
};

std::vector<v1::RawArticle> Decode(const std::vector<ConsumedRecord>& records) {
  std::vector<v1::RawArticle> out;
  for (const auto& record : records) {
    v1::RawArticle raw;
    EXPECT_TRUE(raw.ParseFromString(record.value));
    EXPECT_EQ(record.key, raw.article_id());
    out.push_back(raw);
  }
  return out;
}

std::map<std::string, std::string> MetricLines(const std::string& text) {
  std::map<std::string, std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    lines[line.substr(0, space)] = line.substr(space + 1);
  }
  return lines;
}

TEST(IngestIntegrationTest, FeedsPushAndRestartWithoutReingest) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string suffix = std::to_string(getpid());
  const std::string raw_topic = "raw-i-" + suffix, seen_topic = "seen-i-" + suffix;
  FeedServer feeds;
  KafkaTestClient client(bootstrap);

  auto start = [&] {
    return std::make_unique<DaemonProcess>(
        BinaryDir() + "/newsflow-ingest",
        std::vector<std::string>{"--config",
                                 SourceDir() + "/config/ingest.yaml",
                                 "--kafka.bootstrap_servers=" + bootstrap,
                                 "--kafka.instance_id=it",
                                 "--ingest.raw_topic=" + raw_topic,
                                 "--ingest.seen_topic=" + seen_topic,
                                 "--push.token=t0ken",
                                 "--push.max_body_bytes=2048",
                                 "--feeds.interval_seconds=1",
                                 "--feeds.fetch_timeout_ms=1000",
                                 "--feeds.allow_private_addresses=true",
                                 "--set",
                                 "feeds.urls.good=" + feeds.Url("/good.xml"),
                                 "--set",
                                 "feeds.urls.broken=" + feeds.Url("/broken.xml"),
                                 "--set",
                                 "feeds.urls.limited=" + feeds.Url("/limited.xml"),
                                 "--set",
                                 "feeds.urls.slow=" + feeds.Url("/slow.xml"),
                                 "--set",
                                 "feeds.urls.moved=" + feeds.Url("/moved.xml"),
                                 "--set",
                                 "feeds.urls.malformed=" + feeds.Url("/malformed.xml")});
  };
  auto daemon = start();
  int port = daemon->WaitForHttpPort(60000);
  ASSERT_GT(port, 0) << daemon->Log();

  // good: 3, moved: 2, malformed: at least the recovered item.
  auto records = client.ReadAll(raw_topic, 6, 4000);
  auto articles = Decode(records);
  std::set<std::string> titles;
  for (const auto& a : articles) titles.insert(a.title());
  EXPECT_TRUE(titles.count("good story 0") && titles.count("good story 2")) << daemon->Log();
  EXPECT_TRUE(titles.count("moved story 1"));
  EXPECT_TRUE(titles.count("Recovered story"));
  EXPECT_EQ(titles.count("slow story 0"), 0u);
  std::set<std::string> ids;
  for (const auto& a : articles) {
    EXPECT_TRUE(ids.insert(a.article_id()).second) << "duplicate " << a.article_id();
    EXPECT_EQ(a.source_kind(), v1::RawArticle::SOURCE_KIND_FEED);
  }
  const size_t feed_articles = articles.size();

  // A few more polls of good.xml answer 304.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_GE(feeds.good_requests(), 2);

  httplib::Client http("127.0.0.1", port);
  httplib::Headers auth = {{"Authorization", "Bearer t0ken"}};
  const std::string one = R"({"url":"http://push.test/a","title":"Pushed","body":"Pushed body."})";
  auto r = http.Post("/v1/articles", auth, one, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_THAT(r->body, HasSubstr("\"accepted\":[\"u-"));
  r = http.Post("/v1/articles", auth, one, "application/json");
  EXPECT_EQ(r->status, 202);
  EXPECT_THAT(r->body, HasSubstr("\"accepted\":[]"));
  EXPECT_EQ(http.Post("/v1/articles", {{"Authorization", "Bearer nope"}}, one, "application/json")
                ->status,
            401);
  EXPECT_EQ(http.Post("/v1/articles", one, "application/json")->status, 401);
  r = http.Post("/v1/articles", auth, "{\"url\":\"http://push.test/b\"}\n{\"url\":7}\n",
                "application/x-ndjson");
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(r->body, HasSubstr("\"line\":1"));
  EXPECT_EQ(http.Post("/v1/articles", auth, std::string(4096, ' '), "application/json")->status,
            413);
  EXPECT_EQ(http.Post("/v1/articles", auth, "x", "text/plain")->status, 415);

  EXPECT_EQ(client.ReadAll(raw_topic, feed_articles + 1, 3000).size(), feed_articles + 1);

  std::string metrics_text;
  ASSERT_EQ(daemon->HttpGet("/metrics", &metrics_text), 200);
  auto metrics = MetricLines(metrics_text);
  auto metric = [&](const std::string& key) { return metrics.count(key) ? metrics[key] : "-"; };
  EXPECT_EQ(metric(R"(newsflow_feed_fetches_total{stage="ingest",feed="good",result="200"})"), "1");
  EXPECT_NE(metric(R"(newsflow_feed_fetches_total{stage="ingest",feed="good",result="304"})"), "-");
  EXPECT_NE(metric(R"(newsflow_feed_fetches_total{stage="ingest",feed="broken",result="500"})"),
            "-");
  EXPECT_EQ(metric(R"(newsflow_feed_fetches_total{stage="ingest",feed="limited",result="429"})"),
            "1")
      << "Retry-After: 3600 must hold the next try back";
  EXPECT_NE(metric(R"(newsflow_feed_fetches_total{stage="ingest",feed="slow",result="timeout"})"),
            "-");
  EXPECT_EQ(metric(R"(newsflow_feed_items_total{stage="ingest",feed="good",outcome="new"})"), "3");
  EXPECT_EQ(metric(R"(newsflow_push_requests_total{stage="ingest",status="202"})"), "2");
  EXPECT_EQ(metric(R"(newsflow_push_requests_total{stage="ingest",status="401"})"), "2");
  for (std::string status : {"400", "413", "415"}) {
    EXPECT_EQ(metric("newsflow_push_requests_total{stage=\"ingest\",status=\"" + status + "\"}"),
              "1")
        << status;
  }

  daemon->Signal(SIGTERM);
  ASSERT_EQ(daemon->Wait(30000), 0) << daemon->Log();

  // After a restart the seen set comes back from its topic: no item is published again, and the
  // pushed article is still a duplicate.
  daemon = start();
  port = daemon->WaitForHttpPort(60000);
  ASSERT_GT(port, 0) << daemon->Log();
  httplib::Client again("127.0.0.1", port);
  r = again.Post("/v1/articles", auth, one, "application/json");
  ASSERT_TRUE(r);
  EXPECT_THAT(r->body, HasSubstr("\"accepted\":[]"));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(client.ReadAll(raw_topic, feed_articles + 2, 2000, 6000).size(), feed_articles + 1);
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(30000), 0) << daemon->Log();
}

std::vector<ConsumedRecord> client_read(const std::string& bootstrap, const std::string& topic,
                                        size_t expected) {
  KafkaTestClient client(bootstrap);
  return client.ReadAll(topic, expected, 2000, 8000);
}

TEST(IngestIntegrationTest, BackfillPublishesEachFileOnce) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string suffix = std::to_string(getpid());
  const std::string raw_topic = "raw-b-" + suffix, seen_topic = "seen-b-" + suffix;
  const std::string dir = SourceDir() + "/tests/fixtures/articles";
  std::string command = BinaryDir() + "/newsflow-ingest --config " + SourceDir() +
                        "/config/ingest.yaml --kafka.bootstrap_servers=" + bootstrap +
                        " --kafka.instance_id=backfill --ingest.raw_topic=" + raw_topic +
                        " --ingest.seen_topic=" + seen_topic +
                        " --http.port=0 --push.enabled=false" + " --files.backfill_dir=" + dir +
                        " 2>&1";
  std::string output;
  ASSERT_EQ(RunCommand(command, &output), 0) << output;
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files += entry.is_regular_file();
  EXPECT_THAT(output, HasSubstr("backfill: " + std::to_string(files) + "/" + std::to_string(files) +
                                " files"));
  EXPECT_THAT(output, HasSubstr(std::to_string(files) + " articles published, 0 already"));
  auto articles = Decode(client_read(bootstrap, raw_topic, files));
  ASSERT_EQ(articles.size(), files);
  for (const auto& a : articles) {
    EXPECT_EQ(a.source_kind(), v1::RawArticle::SOURCE_KIND_FILE);
    EXPECT_THAT(a.content(), HasSubstr("Harbor Robotics"));
  }

  ASSERT_EQ(RunCommand(command, &output), 0) << output;
  EXPECT_THAT(output, HasSubstr("0 articles published, " + std::to_string(files) + " already"));
  EXPECT_EQ(client_read(bootstrap, raw_topic, files + 1).size(), files);
}

// Backpressure: beyond max_pending_records the publisher refuses work at once (the push endpoint
// answers 429) instead of queueing it, and what it accepted is published.
TEST(IngestIntegrationTest, PublisherRefusesWorkBeyondItsQueueBound) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string topic = "pub-" + std::to_string(getpid());
  KafkaTestClient client(SharedKafka()->bootstrap());
  client.CreateTopic(topic, 1);
  ingest::PublisherOptions options;
  options.kafka_properties = {{"bootstrap.servers", SharedKafka()->bootstrap()}};
  options.transactional_id = topic;
  options.max_pending_records = 3;
  options.linger_ms = 200;  // keeps the first batch queued while the next ones arrive
  std::string error;
  auto publisher = ingest::Publisher::Create(options, &error);
  ASSERT_TRUE(publisher) << error;
  auto batch = [&](const std::string& key) {
    return std::vector<OutputRecord>{{topic, key, "v-" + key, {}}, {topic, key + "b", "w", {}}};
  };
  auto first = publisher->Submit(batch("a"));
  ASSERT_TRUE(std::holds_alternative<std::future<ingest::PublishResult>>(first));
  auto second = publisher->Submit(batch("b"));  // 2 queued + 2 > 3
  ASSERT_TRUE(std::holds_alternative<ingest::Publisher::Refusal>(second));
  EXPECT_EQ(std::get<ingest::Publisher::Refusal>(second), ingest::Publisher::Refusal::kQueueFull);
  auto result = std::get<std::future<ingest::PublishResult>>(first).get();
  EXPECT_TRUE(result.ok) << result.error;
  // Once published, there is room again.
  auto third = publisher->Submit(batch("c"));
  ASSERT_TRUE(std::holds_alternative<std::future<ingest::PublishResult>>(third));
  EXPECT_TRUE(std::get<std::future<ingest::PublishResult>>(third).get().ok);
  publisher->Stop();
  auto refused = publisher->Submit(batch("d"));
  ASSERT_TRUE(std::holds_alternative<ingest::Publisher::Refusal>(refused));
  EXPECT_EQ(std::get<ingest::Publisher::Refusal>(refused), ingest::Publisher::Refusal::kStopped);
  EXPECT_EQ(client.ReadAll(topic, 4, 1000, 5000).size(), 4u);
}

}  // namespace
}  // namespace newsflow::testing
