// The bad-input catalogue: every kind of malformed input each stage can meet, sent to the real
// daemons through the real broker (and ingest's HTTP endpoint and feed fetcher). Each must get a
// clear error or a dead letter with a precise reason; the daemons stay up and their memory stays
// bounded.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <zlib.h>

#include <map>
#include <thread>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/dead_letter.pb.h"
#include "newsflow/v1/raw_article.pb.h"
#include "tests/support/kafka_test_client.h"
#include "tests/support/pipeline_daemons.h"

namespace newsflow::testing {
namespace {

constexpr long kMaxResidentMiB = 400;

std::string Gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string Raw(const std::string& id, const std::string& content,
                const std::string& type = "text/plain") {
  v1::RawArticle raw;
  raw.set_article_id(id);
  raw.set_content(content);
  raw.set_content_type(type);
  return raw.SerializeAsString();
}

// Reads the DLQ and maps original key -> reason.
std::map<std::string, std::string> DeadLetters(KafkaTestClient& client, const std::string& dlq,
                                               size_t expected) {
  std::map<std::string, std::string> reasons;
  for (const auto& record : client.ReadAll(dlq, expected, 3000, 60000)) {
    v1::DeadLetter letter;
    EXPECT_TRUE(letter.ParseFromString(record.value));
    EXPECT_FALSE(letter.detail().empty()) << letter.reason();
    reasons[record.key] = letter.reason();
  }
  return reasons;
}

TEST(BadInputTest, NormalizeDeadLettersEveryKindAndStaysUp) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string s = std::to_string(getpid());
  const PipelineTopics topics("bad-" + s);
  const std::string &in = topics.raw, &out = topics.normalized, &dlq = topics.dlq;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(in, 2);
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  png += std::string(2000, '\x01');
  std::string invalid_utf8;
  for (int i = 0; i < 3000; ++i) invalid_utf8.push_back(static_cast<char>(0x80 + i % 64));
  std::string nested = std::string(100000, '[');  // not a protobuf either
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {"garbage-protobuf", {"\xff\xfe\xfd not a protobuf", "invalid_protobuf"}},
      {"truncated-protobuf", {Raw("x", "some text").substr(0, 5), "invalid_protobuf"}},
      {"deeply-nested", {nested, "invalid_protobuf"}},
      {"no-id", {Raw("", "Text without an id."), "missing_article_id"}},
      {"empty", {Raw("empty", ""), "empty_after_cleaning"}},
      {"whitespace", {Raw("ws", " \n\t\r\n \u00a0 "), "empty_after_cleaning"}},
      {"controls-only", {Raw("ctl", "\x01\x02\x03\x7f"), "empty_after_cleaning"}},
      {"binary-png", {Raw("png", png), "binary_content"}},
      {"invalid-utf8-flood", {Raw("bad-utf8", invalid_utf8), "binary_content"}},
      // Over normalize.max_content_bytes (set to 100 kB below; the broker's own 1 MB message
      // limit stops larger records at the producer, and ingest answers 413 before that).
      {"over-the-limit", {Raw("big", std::string(600 << 10, 'a')), "content_too_large"}},
      {"unknown-charset",
       {Raw("cs", "Text", "text/plain; charset=x-klingon"), "unsupported_charset"}},
      {"html-only-navigation",
       {Raw("nav", "<!DOCTYPE html><html><body><nav><a href=/>Home</a></nav></body></html>",
            "text/html"),
        "empty_after_cleaning"}},
      {"broken-html-tags-only",
       {Raw("tags", "<html><body><div><span></div>", "text/html"), "empty_after_cleaning"}},
      {"boilerplate-only",
       {Raw("bp", "Featured image: a photo\nThe post X appeared first on Y.\n"),
        "empty_after_cleaning"}},
  };
  std::vector<std::pair<std::string, std::string>> records;
  for (const auto& [key, value] : cases) records.emplace_back(key, value.first);
  // Inputs that are bad but repairable become Articles: invalid UTF-8 inside text, huge entity
  // counts in HTML, unclosed markup.
  std::string entities;
  for (int i = 0; i < 4000; ++i) entities += "&amp;&#x41;&eacute;";
  records.emplace_back("ok-repaired-utf8", Raw("ok1", "Caf\xe9 owners protest new rules today."));
  records.emplace_back("ok-entities", Raw("ok2", "<p>Entities " + entities + "</p>", "text/html"));
  records.emplace_back(
      "ok-unclosed",
      Raw("ok3", "<p>Unclosed <b>bold <i>text about the port reopening", "text/html"));
  client.Produce(in, records);

  std::vector<std::string> args = PipelineDaemonArgs("normalize", bootstrap, topics, "bad");
  args.push_back("--normalize.max_content_bytes=102400");
  DaemonProcess daemon(BinaryDir() + "/newsflow-normalize", args);
  ASSERT_GT(daemon.WaitForHttpPort(60000), 0) << daemon.Log();
  auto reasons = DeadLetters(client, dlq, cases.size());
  for (const auto& [key, value] : cases) {
    EXPECT_EQ(reasons[key], value.second) << key;
  }
  EXPECT_EQ(client.ReadAll(out, 3, 2000, 30000).size(), 3u);
  std::string body;
  EXPECT_EQ(daemon.HttpGet("/healthz", &body), 200);
  EXPECT_TRUE(daemon.Running());
  EXPECT_LT(daemon.ResidentMiB(), kMaxResidentMiB);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(30000), 0) << daemon.Log();
}

TEST(BadInputTest, EntityTagDeadLettersBadArticles) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string s = std::to_string(getpid());
  const PipelineTopics topics("badt-" + s);
  const std::string &in = topics.normalized, &out = topics.tagged, &dlq = topics.dlq;
  KafkaTestClient client(bootstrap);
  client.CreateTopic(in, 2);
  v1::Article no_id;
  no_id.set_body("Body.");
  v1::Article empty;
  empty.set_article_id("e");
  v1::Article huge;
  huge.set_article_id("h");
  huge.set_body(std::string(600 << 10, 'x'));
  v1::Article many;  // a huge number of entity mentions in one body: tagged, not rejected
  many.set_article_id("many");
  for (int i = 0; i < 4000; ++i) many.mutable_body()->append("Nvidia and Apple and 17% ");
  client.Produce(in, {{"garbage", "\x08\x96\x01\xff garbage"},
                      {"no-id", no_id.SerializeAsString()},
                      {"empty", empty.SerializeAsString()},
                      {"huge", huge.SerializeAsString()},
                      {"many", many.SerializeAsString()}});
  std::vector<std::string> args = PipelineDaemonArgs("entity-tag", bootstrap, topics, "badt");
  args.push_back("--tag.max_body_bytes=102400");
  DaemonProcess daemon(BinaryDir() + "/newsflow-entity-tag", args);
  ASSERT_GT(daemon.WaitForHttpPort(60000), 0) << daemon.Log();
  auto reasons = DeadLetters(client, dlq, 4);
  EXPECT_EQ(reasons["garbage"], "invalid_protobuf");
  EXPECT_EQ(reasons["no-id"], "missing_article_id");
  EXPECT_EQ(reasons["empty"], "empty_body");
  EXPECT_EQ(reasons["huge"], "content_too_large");
  EXPECT_EQ(client.ReadAll(out, 1, 2000, 60000).size(), 1u);
  EXPECT_TRUE(daemon.Running());
  EXPECT_LT(daemon.ResidentMiB(), kMaxResidentMiB);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(30000), 0) << daemon.Log();
}

TEST(BadInputTest, IngestRejectsBadPushesAndHostileFeeds) {
  ASSERT_NE(SharedKafka(), nullptr);
  const std::string bootstrap = SharedKafka()->bootstrap();
  const std::string s = std::to_string(getpid());
  httplib::Server feeds;
  // 64 MiB of zeros in a gzip bomb: the fetcher stops at feeds.fetch_max_bytes.
  const std::string bomb = Gzip(std::string(64 << 20, '\0'));
  feeds.Get("/bomb.xml", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Encoding", "gzip");
    res.set_content(bomb, "application/rss+xml");
  });
  feeds.Get("/laughs.xml", [](const httplib::Request&, httplib::Response& res) {
    std::string xml = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"lol\">";
    for (int i = 1; i < 10; ++i) {
      xml += "<!ENTITY " + std::string(1, 'a' + i) + " \"";
      for (int j = 0; j < 10; ++j) xml += "&" + std::string(1, 'a' + i - 1) + ";";
      xml += "\">";
    }
    xml +=
        "]><rss version=\"2.0\"><channel><title>&j;</title><item><title>Laugh</title>"
        "<link>http://x.test/1</link><description>&j;</description></item></channel></rss>";
    res.set_content(xml, "application/rss+xml");
  });
  feeds.Get("/notafeed.xml", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html><body>Not a feed</body></html>", "text/html");
  });
  feeds.Get("/empty.xml", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("", "application/rss+xml");
  });
  int port = feeds.bind_to_any_port("127.0.0.1");
  std::thread server([&] { feeds.listen_after_bind(); });
  auto url = [port](const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  };

  DaemonProcess daemon(BinaryDir() + "/newsflow-ingest",
                       {"--config",
                        SourceDir() + "/config/ingest.yaml",
                        "--kafka.bootstrap_servers=" + bootstrap,
                        "--kafka.instance_id=bad-ingest",
                        "--ingest.raw_topic=bad-iraw-" + s,
                        "--ingest.seen_topic=bad-iseen-" + s,
                        "--push.token=tok",
                        "--push.max_body_bytes=1048576",
                        "--feeds.fetch_max_bytes=1048576",
                        "--feeds.interval_seconds=1",
                        "--feeds.allow_private_addresses=true",
                        "--set",
                        "feeds.urls.bomb=" + url("/bomb.xml"),
                        "--set",
                        "feeds.urls.laughs=" + url("/laughs.xml"),
                        "--set",
                        "feeds.urls.notafeed=" + url("/notafeed.xml"),
                        "--set",
                        "feeds.urls.empty=" + url("/empty.xml"),
                        "--set",
                        "feeds.urls.refused=ftp://127.0.0.1/x"});
  int http_port = daemon.WaitForHttpPort(60000);
  ASSERT_GT(http_port, 0) << daemon.Log();
  httplib::Client http("127.0.0.1", http_port);
  httplib::Headers auth = {{"Authorization", "Bearer tok"}};
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  std::string many;
  for (int i = 0; i < 10001; ++i)
    many +=
        "{\"url\":\"http://e.test/" + std::to_string(i) + "\",\"title\":\"t\",\"body\":\"b\"}\n";
  const std::vector<std::tuple<std::string, std::string, std::string, int>> pushes = {
      {"not json", "{\"url\":", "application/json", 400},
      {"truncated", "{\"url\":\"http://e.test/a\",\"title\":\"t\",\"bo", "application/json", 400},
      {"deeply nested", deep, "application/json", 400},
      {"array not object", "[1,2,3]", "application/json", 400},
      {"url wrong type", R"({"url":5,"title":"t","body":"b"})", "application/json", 400},
      {"title wrong type", R"({"url":"http://e.test/a","title":["t"],"body":"b"})",
       "application/json", 400},
      {"missing url", R"({"title":"t","body":"b"})", "application/json", 400},
      {"missing body", R"({"url":"http://e.test/a","title":"t"})", "application/json", 400},
      {"ftp url", R"({"url":"ftp://e.test/a","title":"t","body":"b"})", "application/json", 400},
      {"invalid utf-8", "{\"url\":\"http://e.test/a\",\"title\":\"\xff\xfe\",\"body\":\"b\"}",
       "application/json", 400},
      {"binary", std::string("\0\x01\x02\x03", 4), "application/json", 400},
      {"empty", "", "application/json", 400},
      {"bad ndjson line", "{\"url\":\"http://e.test/1\",\"title\":\"t\",\"body\":\"b\"}\nnope\n",
       "application/x-ndjson", 400},
      {"too many articles", many, "application/x-ndjson", 400},
      {"over the size limit", std::string(2 << 20, ' '), "application/json", 413},
      {"wrong media type", "x", "text/plain", 415},
  };
  for (const auto& [name, body, type, status] : pushes) {
    auto response = http.Post("/v1/articles", auth, body, type);
    ASSERT_TRUE(response) << name;
    EXPECT_EQ(response->status, status) << name << ": " << response->body;
    if (status == 400) {
      EXPECT_THAT(response->body, ::testing::HasSubstr("error")) << name;
    }
  }
  EXPECT_EQ(http.Post("/v1/articles", "{}", "application/json")->status, 401);

  // Let every hostile feed be fetched a few times.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  std::string metrics;
  ASSERT_EQ(daemon.HttpGet("/metrics", &metrics), 200);
  EXPECT_THAT(metrics, ::testing::HasSubstr("feed=\"bomb\",result=\"too_large\""));
  EXPECT_THAT(metrics, ::testing::HasSubstr("feed=\"refused\",result=\"protocol\""));
  KafkaTestClient client(bootstrap);
  auto published = client.ReadAll("bad-iraw-" + s, 1, 2000, 20000);
  ASSERT_EQ(published.size(), 1u) << "only the billion-laughs item, unexpanded";
  v1::RawArticle laugh;
  ASSERT_TRUE(laugh.ParseFromString(published[0].value));
  EXPECT_EQ(laugh.title(), "Laugh");
  EXPECT_LT(laugh.content().size(), 10000u) << "entities must not expand";
  EXPECT_TRUE(daemon.Running());
  EXPECT_LT(daemon.ResidentMiB(), kMaxResidentMiB);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(30000), 0) << daemon.Log();
  feeds.stop();
  server.join();
}

}  // namespace
}  // namespace newsflow::testing
