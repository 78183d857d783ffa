#include "services/ingest/ingest_daemon.h"

#include <httplib.h>
#include <prometheus/metric_family.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "services/core/runtime/changelog_reader.h"
#include "services/core/runtime/daemon.h"
#include "services/core/runtime/http_server.h"
#include "services/ingest/feed_poller.h"
#include "services/ingest/file_source.h"
#include "services/ingest/ingester.h"
#include "services/ingest/push_handler.h"

namespace newsflow::ingest {
namespace {

struct IngestConfig {
  std::string raw_topic = "news.raw";
  std::string seen_topic = "news.ingest.seen";
  int64_t seen_retention_days = 30;
  int64_t seen_partitions = 1;
  int64_t restore_timeout_ms = 120000;
  int64_t max_pending_records = 20000;
  // Push endpoint.
  bool push_enabled = true;
  std::string push_token;
  std::string push_token_file;
  int64_t push_max_body_bytes = 16 << 20;
  // Files.
  std::vector<std::string> watch_dirs;
  int64_t watch_interval_ms = 2000;
  std::string backfill_dir;  // one-shot: publish every file of this directory, then exit
  std::string files_source_name = "files";
  // Feeds: name -> URL, name -> interval, names whose item pages are fetched.
  std::map<std::string, std::string> feeds;
  std::map<std::string, std::string> feed_intervals;
  std::vector<std::string> feeds_fetch_pages;
  int64_t feed_interval_seconds = 300;
  int64_t fetch_timeout_ms = 20000;
  int64_t fetch_max_bytes = 16 << 20;
  std::string user_agent = "newsflow/0.1 (news ingestion; +https://example.invalid/newsflow)";
  bool allow_private_addresses = false;
};

JsonArticleParser MakeJsonParser() {
  return [](const std::string& bytes, bool, std::vector<v1::RawArticle>* out, std::string* error) {
    ArticleBatch batch = ParseArticleDocument(bytes);
    if (!batch.errors.empty()) {
      *error = ArticleErrorToJson(batch.errors.front());
      return false;
    }
    for (const auto& pushed : batch.articles) {
      v1::RawArticle raw = RawFromPushed(pushed, "");
      raw.set_source_kind(v1::RawArticle::SOURCE_KIND_FILE);
      if (pushed.source.empty()) raw.clear_source_name();
      out->push_back(std::move(raw));
    }
    return true;
  };
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One pass over a directory: publishes the files not done yet. Returns files done.
struct FileProgress {
  size_t files_done = 0, files_failed = 0, articles_new = 0, articles_duplicate = 0;
};

void IngestFile(const std::string& path, const std::string& source, Ingester* ingester,
                FileProgress* progress) {
  std::vector<v1::RawArticle> articles;
  std::string error;
  if (!ArticlesFromFile(path, source, MakeJsonParser(), &articles, &error)) {
    spdlog::error("file {}: {}", path, error);
    progress->files_failed++;
    return;
  }
  Ingester::Submission submission;
  while (true) {
    PublishResult result = ingester->Publish(articles, &submission);
    if (result.ok) break;
    if (submission.refused && *submission.refused == Publisher::Refusal::kQueueFull) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    spdlog::error("file {}: publishing failed: {}", path, result.error);
    progress->files_failed++;
    return;
  }
  progress->files_done++;
  progress->articles_new += submission.published_ids.size();
  progress->articles_duplicate += submission.duplicate_ids.size();
}

int Backfill(const std::string& dir, const std::string& source, Ingester* ingester,
             const std::atomic<bool>& stop) {
  auto files = ListArticleFiles(dir);
  FileProgress progress;
  auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  for (size_t i = 0; i < files.size() && !stop; ++i) {
    IngestFile(files[i], source, ingester, &progress);
    auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::seconds(1) || i + 1 == files.size()) {
      double seconds = std::chrono::duration<double>(now - start).count();
      double rate = (progress.articles_new + progress.articles_duplicate) / std::max(seconds, 1e-3);
      double files_rate = (i + 1) / std::max(seconds, 1e-3);
      double eta = (files.size() - i - 1) / std::max(files_rate, 1e-9);
      std::fprintf(stderr, "backfill: %zu/%zu files, %.0f articles/s, ETA %.0f s\n", i + 1,
                   files.size(), rate, eta);
      last_report = now;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "backfill done: %zu files (%zu failed), %zu articles published, %zu already "
               "published, %.1f s\n",
               progress.files_done, progress.files_failed, progress.articles_new,
               progress.articles_duplicate, seconds);
  return progress.files_failed == 0 ? 0 : 1;
}

prometheus::ClientMetric Metric(std::vector<std::pair<std::string, std::string>> labels) {
  prometheus::ClientMetric metric;
  for (auto& [name, value] : labels) metric.label.push_back({name, value});
  return metric;
}

}  // namespace

int RunIngestDaemon(int argc, const char* const* argv) {
  IngestConfig config;
  std::unique_ptr<SeenSet> seen;
  std::unique_ptr<ChangelogReader> changelog;
  std::unique_ptr<Publisher> publisher;
  std::unique_ptr<Ingester> ingester;
  std::unique_ptr<FeedPoller> poller;
  std::atomic<uint64_t> files_done{0};
  LabeledCounterProbe push_requests;

  StageDefinition definition;
  definition.name = "ingest";
  definition.default_http_port = 9101;
  definition.register_options = [&](config::Schema& schema) {
    schema.RequiredString("ingest.raw_topic", &config.raw_topic, "Topic RawArticles go to")
        .RequiredString("ingest.seen_topic", &config.seen_topic,
                        "Compacted topic of published article ids (survives restarts)")
        .Int("ingest.seen_retention_days", &config.seen_retention_days,
             "Published ids older than this are forgotten", 1, 3650)
        .Int("ingest.seen_partitions", &config.seen_partitions,
             "Partitions of seen_topic when it is created (every instance reads all of it)", 1,
             10000)
        .Int("ingest.restore_timeout_ms", &config.restore_timeout_ms,
             "Time allowed at start to read the seen topic", 1000, 3600000)
        .Int("ingest.max_pending_records", &config.max_pending_records,
             "Records waiting for the broker above which pushes get 429", 10, 10000000)
        .Bool("push.enabled", &config.push_enabled, "Serve POST /v1/articles")
        .Secret("push.token", &config.push_token, "Bearer token pushers must send")
        .String("push.token_file", &config.push_token_file, "File holding the bearer token")
        .Int("push.max_body_bytes", &config.push_max_body_bytes, "Largest accepted body (413)",
             1024, int64_t{1} << 30)
        .StringList("files.watch_dirs", &config.watch_dirs,
                    "Directories whose new files are ingested")
        .Int("files.watch_interval_ms", &config.watch_interval_ms, "Directory scan interval", 100,
             3600000)
        .String("files.backfill_dir", &config.backfill_dir,
                "One-shot: ingest every file of this directory with progress, then exit")
        .RequiredString("files.source_name", &config.files_source_name,
                        "Source name of file articles without one")
        .StringMap("feeds.urls", &config.feeds, "Feeds to poll: name -> URL")
        .StringMap("feeds.intervals", &config.feed_intervals,
                   "Per-feed poll interval in seconds: name -> seconds")
        .StringList("feeds.fetch_pages", &config.feeds_fetch_pages,
                    "Feeds whose summary-only items get their linked page fetched")
        .Int("feeds.interval_seconds", &config.feed_interval_seconds, "Default poll interval", 1,
             86400)
        .Int("feeds.fetch_timeout_ms", &config.fetch_timeout_ms, "Whole-fetch timeout", 100, 600000)
        .Int("feeds.fetch_max_bytes", &config.fetch_max_bytes, "Largest accepted document", 1024,
             int64_t{1} << 30)
        .RequiredString("feeds.user_agent", &config.user_agent, "User-Agent of feed fetches")
        .Bool("feeds.allow_private_addresses", &config.allow_private_addresses,
              "Allow feed and page fetches to loopback/private addresses (also via redirects)");
  };
  definition.extra_topics = [&](const RuntimeOptions& runtime) {
    return std::vector<kafka::TopicSpec>{
        {config.raw_topic,
         static_cast<int>(runtime.kafka.topic_partitions),
         static_cast<int>(runtime.kafka.topic_replication_factor),
         {}},
        // Every instance reads the whole seen topic (docs/architecture.md).
        {config.seen_topic,
         static_cast<int>(config.seen_partitions),
         static_cast<int>(runtime.kafka.topic_replication_factor),
         {{"cleanup.policy", "compact,delete"},
          {"retention.ms", std::to_string(config.seen_retention_days * 86400 * 1000)}}}};
  };
  definition.run = [&](DaemonContext& context) -> int {
    const RuntimeOptions& runtime = *context.options;
    if (!config.push_token_file.empty()) {
      std::ifstream in(config.push_token_file);
      if (!in) {
        spdlog::critical("key 'push.token_file': cannot read '{}'", config.push_token_file);
        return 2;
      }
      std::getline(in, config.push_token);
    }
    for (const auto& [name, seconds] : config.feed_intervals) {
      if (!config.feeds.count(name)) {
        spdlog::critical("key 'feeds.intervals.{}': no such feed in feeds.urls", name);
        return 2;
      }
      char* end = nullptr;
      long value = std::strtol(seconds.c_str(), &end, 10);
      if (!end || *end || value < 1) {
        spdlog::critical("key 'feeds.intervals.{}': '{}' is not a number of seconds", name,
                         seconds);
        return 2;
      }
    }

    seen = std::make_unique<SeenSet>(
        SeenSetOptions{config.seen_retention_days * 86400 * 1000, 5'000'000});
    std::string restore_error;
    changelog = ChangelogReader::Restore(
        context.kafka_properties, config.seen_topic,
        [s = seen.get()](std::string_view key, std::string_view, int64_t timestamp_ms) {
          s->Add(key, timestamp_ms);
        },
        static_cast<int>(config.restore_timeout_ms), "ingest.restore_timeout_ms", &restore_error);
    if (!changelog) {
      spdlog::critical("{}", restore_error);
      return 1;
    }

    PublisherOptions publisher_options;
    publisher_options.kafka_properties = context.kafka_properties;
    publisher_options.transactional_id = runtime.kafka.group_id + "-" + runtime.kafka.instance_id;
    publisher_options.max_pending_records = config.max_pending_records;
    publisher_options.transaction_timeout_ms = runtime.kafka.transaction_timeout_ms;
    std::string error;
    publisher = Publisher::Create(publisher_options, &error);
    if (!publisher) {
      spdlog::critical("producer: {}", error);
      return 1;
    }
    ingester =
        std::make_unique<Ingester>(IngesterOptions{config.raw_topic, config.seen_topic,
                                                   runtime.kafka.instance_id, NewsflowVersion()},
                                   publisher.get(), seen.get());

    auto& metrics = context.metrics->probes();
    metrics::Labels labels = {{"stage", "ingest"}};
    metrics.AddLabeledCounter("newsflow_ingest_articles_total",
                              "Articles published to news.raw, by source kind.", labels, "kind",
                              &ingester->probe().articles_published);
    metrics.AddLabeledCounter("newsflow_ingest_duplicates_total",
                              "Articles skipped as already published, by source kind.", labels,
                              "kind", &ingester->probe().articles_duplicate);
    metrics.AddLabeledCounter("newsflow_push_requests_total", "Push requests by HTTP status.",
                              labels, "status", &push_requests);
    metrics.AddCounter("newsflow_files_done_total", "Files ingested.", labels,
                       [&files_done] { return static_cast<double>(files_done.load()); });
    metrics.AddGauge(
        "newsflow_ingest_pending_records", "Records waiting for the broker.", labels,
        [p = publisher.get()] { return static_cast<double>(p->probe().pending_records.load()); });
    metrics.AddCounter("newsflow_transactions_total", "Kafka transactions by outcome.",
                       {{"stage", "ingest"}, {"result", "committed"}}, [p = publisher.get()] {
                         return static_cast<double>(p->probe().transactions_committed.load());
                       });
    metrics.AddCounter("newsflow_transactions_total", "Kafka transactions by outcome.",
                       {{"stage", "ingest"}, {"result", "aborted"}}, [p = publisher.get()] {
                         return static_cast<double>(p->probe().transactions_aborted.load());
                       });

    if (!config.feeds.empty()) {
      FeedPollerOptions poller_options;
      for (const auto& [name, url] : config.feeds) {
        FeedConfig feed{name, url, config.feed_interval_seconds, false};
        if (auto it = config.feed_intervals.find(name); it != config.feed_intervals.end()) {
          feed.interval_seconds = std::stoll(it->second);
        }
        for (const auto& n : config.feeds_fetch_pages) feed.fetch_pages |= n == name;
        poller_options.feeds.push_back(feed);
      }
      poller_options.fetch.timeout_ms = config.fetch_timeout_ms;
      poller_options.fetch.max_body_bytes = config.fetch_max_bytes;
      poller_options.fetch.user_agent = config.user_agent;
      poller_options.fetch.allow_private_addresses = config.allow_private_addresses;
      poller = std::make_unique<FeedPoller>(poller_options, ingester.get());
      metrics.AddReader([p = poller.get()](std::vector<prometheus::MetricFamily>* out) {
        prometheus::MetricFamily fetches{"newsflow_feed_fetches_total",
                                         "Feed fetches by result (HTTP status or error kind).",
                                         prometheus::MetricType::Counter,
                                         {}};
        prometheus::MetricFamily items{"newsflow_feed_items_total",
                                       "Feed items by outcome (new or duplicate).",
                                       prometheus::MetricType::Counter,
                                       {}};
        prometheus::MetricFamily success{"newsflow_feed_last_success_timestamp_seconds",
                                         "Unix time of the last successful fetch (200 or 304).",
                                         prometheus::MetricType::Gauge,
                                         {}};
        for (const auto& [name, stats] : p->Stats()) {
          for (const auto& [result, count] : stats.fetches) {
            auto m = Metric({{"stage", "ingest"}, {"feed", name}, {"result", result}});
            m.counter.value = static_cast<double>(count);
            fetches.metric.push_back(m);
          }
          for (auto [outcome, count] : {std::pair<const char*, uint64_t>{"new", stats.items_new},
                                        {"duplicate", stats.items_duplicate}}) {
            auto m = Metric({{"stage", "ingest"}, {"feed", name}, {"outcome", outcome}});
            m.counter.value = static_cast<double>(count);
            items.metric.push_back(m);
          }
          auto m = Metric({{"stage", "ingest"}, {"feed", name}});
          m.gauge.value = static_cast<double>(stats.last_success_seconds);
          success.metric.push_back(m);
        }
        out->push_back(std::move(fetches));
        out->push_back(std::move(items));
        out->push_back(std::move(success));
      });
    }

    if (config.push_enabled) {
      PushOptions push_options;
      push_options.token = config.push_token;
      push_options.max_body_bytes = static_cast<size_t>(config.push_max_body_bytes);
      if (push_options.token.empty()) {
        spdlog::warn("push.token is empty: POST /v1/articles accepts anyone");
      }
      auto& server = context.http->server();
      server.set_payload_max_length(static_cast<size_t>(config.push_max_body_bytes) + 1);
      // Counted in the logger, which also sees the 413s the server answers before routing.
      server.set_logger(
          [&push_requests](const httplib::Request& request, const httplib::Response& response) {
            if (request.path == "/v1/articles") push_requests.Add(std::to_string(response.status));
          });
      server.Post("/v1/articles", [&, push_options](const httplib::Request& request,
                                                    httplib::Response& response) {
        PushRequest push{request.get_header_value("Authorization"),
                         request.get_header_value("Content-Type"), request.body};
        PushDecision decision = DecidePush(push, push_options);
        auto answer = [&](int status, const std::string& body) {
          response.status = status;
          response.set_content(body, "application/json");
        };
        if (decision.status) return answer(decision.status, decision.body);
        Ingester::Submission submission;
        PublishResult result = ingester->Publish(std::move(decision.articles), &submission);
        if (submission.refused) {
          response.set_header("Retry-After", "1");
          bool full = *submission.refused == Publisher::Refusal::kQueueFull;
          return answer(full ? 429 : 503,
                        full ? "{\"error\":\"too many records waiting for the broker; retry\"}"
                             : "{\"error\":\"shutting down\"}");
        }
        if (!result.ok) {
          response.set_header("Retry-After", "5");
          return answer(503, "{\"error\":" + JsonQuote("not published: " + result.error) + "}");
        }
        answer(202, AcceptedJson(submission.published_ids, submission.duplicate_ids));
      });
    }
    context.set_readiness([] { return std::optional<std::string>(); });
    if (!context.start_http()) return 1;

    if (!config.backfill_dir.empty()) {
      int status =
          Backfill(config.backfill_dir, config.files_source_name, ingester.get(), *context.stop);
      publisher->Stop();
      return status;
    }

    std::map<std::string, std::filesystem::file_time_type> done_files;
    auto next_scan = std::chrono::steady_clock::now();
    while (!context.stop->load()) {
      if (poller) poller->PollDue(NowSeconds());
      if (!config.watch_dirs.empty() && std::chrono::steady_clock::now() >= next_scan) {
        for (const auto& dir : config.watch_dirs) {
          for (const auto& path : ListArticleFiles(dir)) {
            std::error_code ec;
            auto mtime = std::filesystem::last_write_time(path, ec);
            if (ec) continue;
            auto it = done_files.find(path);
            if (it != done_files.end() && it->second == mtime) continue;
            FileProgress progress;
            IngestFile(path, config.files_source_name, ingester.get(), &progress);
            if (progress.files_done) {
              done_files[path] = mtime;
              files_done.fetch_add(1);
            }
          }
        }
        next_scan =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(config.watch_interval_ms);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    publisher->Stop();
    return 0;
  };
  definition.after_loop = [&] {
    poller.reset();
    ingester.reset();
    publisher.reset();
    changelog.reset();
  };
  return RunStageDaemon(definition, argc, argv);
}

}  // namespace newsflow::ingest
