#include <memory>

#include "services/core/runtime/changelog_reader.h"
#include "services/core/runtime/daemon.h"
#include "services/sink/sink_stage.h"
#include "services/sink/stores/ndjson_store.h"
#include "services/sink/stores/postgres_store.h"

int main(int argc, char** argv) {
  newsflow::sink::SinkOptions options;
  newsflow::sink::StoryGrouperOptions grouping;
  bool stories_enabled = true;
  int64_t window_hours = 72;
  int64_t max_stories = static_cast<int64_t>(grouping.max_stories);
  int64_t max_members = static_cast<int64_t>(grouping.max_members_per_story);
  int64_t max_listed = static_cast<int64_t>(grouping.max_listed_members);
  int64_t max_articles = static_cast<int64_t>(grouping.max_articles);
  int64_t min_shared_entities = grouping.min_shared_entities;
  int64_t near_duplicate_distance = grouping.near_duplicate_distance;
  int64_t common_entity_stories = static_cast<int64_t>(grouping.common_entity_stories);
  int64_t max_scored_members = static_cast<int64_t>(grouping.max_scored_members_per_story);
  int64_t restore_timeout_ms = 120000;
  int64_t changelog_partitions = 1;
  std::unique_ptr<newsflow::sink::StoryGrouper> grouper;
  std::unique_ptr<newsflow::ChangelogReader> changelog;
  newsflow::sink::SinkStage* stage = nullptr;
  bool ndjson_enabled = false;
  newsflow::sink::NdjsonStoreOptions ndjson;
  bool postgres_enabled = false;
  newsflow::sink::PostgresStoreOptions postgres;
  newsflow::sink::StoreProbe store_probe;
  std::unique_ptr<newsflow::sink::NdjsonStore> ndjson_store;
  std::unique_ptr<newsflow::sink::PostgresStore> postgres_store;

  newsflow::StageDefinition definition;
  definition.name = "sink";
  definition.input_topics = {"news.tagged"};
  definition.default_http_port = 9104;
  definition.register_options = [&](newsflow::config::Schema& schema) {
    schema
        .RequiredString("sink.enriched_topic", &options.enriched_topic,
                        "Topic of enriched articles (one per article, key article id)")
        .String("sink.enriched_format", &options.enriched_format,
                "Value format of enriched articles", {"json", "protobuf"})
        .RequiredString("sink.entity_mentions_topic", &options.entity_mentions_topic,
                        "Topic of entity mentions (one per entity and article, key entity id)")
        .Bool("sink.stories.enabled", &stories_enabled,
              "Group articles into stories and publish news.stories")
        .RequiredString("sink.stories.topic", &options.stories_topic,
                        "Compacted topic of story snapshots (key story id)")
        .RequiredString("sink.stories.changelog_topic", &options.stories_changelog_topic,
                        "Compacted changelog of story memberships (shared by all instances)")
        .Int("sink.stories.changelog_partitions", &changelog_partitions,
             "Partitions of changelog_topic when it is created (every instance reads all of it)", 1,
             10000)
        .Int("sink.stories.window_hours", &window_hours,
             "Articles join stories with a member this close in event time; stories expire "
             "this long after their last member",
             1, 24 * 366)
        .Int("sink.stories.max_stories", &max_stories,
             "Upper bound of live stories in memory; least recently joined go first", 100,
             100'000'000)
        .Int("sink.stories.max_articles", &max_articles,
             "Upper bound of articles kept across live stories (~0.8 kB each); least recently "
             "joined stories go first",
             100, 100'000'000)
        .Int("sink.stories.max_members_per_story", &max_members,
             "Members whose features a story keeps (later members join by id only)", 1, 100'000)
        .Int("sink.stories.max_listed_articles", &max_listed,
             "Members a news.stories snapshot lists, the latest by event time (0: every member "
             "with features; a snapshot is written per join)",
             0, 100'000)
        .Double("sink.stories.join_threshold", &grouping.join_threshold,
                "Minimum similarity score for an article to join a story", 0.0, 1.0)
        .Double("sink.stories.entity_weight", &grouping.entity_weight,
                "Share of the score from entity overlap (the rest from title tokens)", 0.0, 1.0)
        .Int("sink.stories.min_shared_entities", &min_shared_entities,
             "Entities an article must share with a story to join it", 1, 100)
        .Int("sink.stories.near_duplicate_distance", &near_duplicate_distance,
             "SimHash bits within which an article joins a member's story (0 disables)", 0, 16)
        .Int("sink.stories.common_entity_stories", &common_entity_stories,
             "Entities in more live stories than this only score candidates, never propose "
             "them (bounds the cost of grouping one article)",
             10, 1'000'000)
        .Int("sink.stories.max_scored_members_per_story", &max_scored_members,
             "Members of one story scored against a new article, the latest first (0: all; "
             "bounds the cost of grouping next to stories of re-syndicated copies)",
             0, 100'000)
        .Double("sink.stories.location_weight", &grouping.location_weight,
                "Weight factor of places in entity overlap", 0.0, 1.0)
        .Int("sink.stories.restore_timeout_ms", &restore_timeout_ms,
             "Time allowed at start to read the changelog to its end", 1000, 3'600'000)
        .Bool("stores.ndjson.enabled", &ndjson_enabled,
              "Also write every enriched article to rolling NDJSON files (fsync before commit)")
        .String("stores.ndjson.dir", &ndjson.dir,
                "Directory of the NDJSON segments (required when enabled)")
        .String("stores.ndjson.prefix", &ndjson.prefix, "File name prefix of the segments")
        .Int("stores.ndjson.max_file_bytes", &ndjson.max_file_bytes,
             "A segment is closed before a batch would take it past this size", 4096,
             int64_t{1} << 40)
        .Int("stores.ndjson.max_file_age_s", &ndjson.max_file_age_s,
             "A segment is closed at the first commit after it is this old", 1, 366 * 86400)
        .Bool("stores.postgres.enabled", &postgres_enabled,
              "Also upsert articles, entities, mentions and stories into PostgreSQL")
        .Secret("stores.postgres.conninfo", &postgres.conninfo,
                "libpq connection string or postgresql:// URI (empty: libpq's PG* environment)")
        .Int("stores.postgres.max_backoff_ms", &postgres.max_backoff_ms,
             "Longest wait before retrying after a failed SQL transaction", 0, 600'000);
  };
  definition.create = [&](const newsflow::RuntimeOptions& runtime, std::string* error) {
    definition.output_topics = {options.enriched_topic, options.entity_mentions_topic};
    options.instance_id = runtime.kafka.instance_id;
    options.newsflow_version = newsflow::NewsflowVersion();
    if (stories_enabled) {
      grouping.window_ms = window_hours * 3600 * 1000;
      grouping.max_stories = static_cast<size_t>(max_stories);
      grouping.max_members_per_story = static_cast<size_t>(max_members);
      grouping.max_listed_members = static_cast<size_t>(max_listed);
      grouping.max_articles = static_cast<size_t>(max_articles);
      grouping.min_shared_entities = static_cast<int>(min_shared_entities);
      grouping.near_duplicate_distance = static_cast<int>(near_duplicate_distance);
      grouping.common_entity_stories = static_cast<size_t>(common_entity_stories);
      grouping.max_scored_members_per_story = static_cast<size_t>(max_scored_members);
      grouper = std::make_unique<newsflow::sink::StoryGrouper>(grouping);
    }
    if (ndjson_enabled && ndjson.dir.empty()) {
      *error = "key 'stores.ndjson.dir': required when stores.ndjson.enabled is true";
      return std::unique_ptr<newsflow::Stage>();
    }
    if (ndjson_enabled && (ndjson.prefix.empty() || ndjson.prefix.find('/') != std::string::npos)) {
      *error = "key 'stores.ndjson.prefix': must be a non-empty file name prefix without '/'";
      return std::unique_ptr<newsflow::Stage>();
    }
    auto created = newsflow::sink::SinkStage::Create(options, grouper.get(), error);
    stage = created.get();
    return std::unique_ptr<newsflow::Stage>(std::move(created));
  };
  definition.extra_topics = [&](const newsflow::RuntimeOptions& runtime) {
    std::vector<newsflow::kafka::TopicSpec> topics;
    if (!stories_enabled) return topics;
    const int partitions = static_cast<int>(runtime.kafka.topic_partitions);
    const int replication = static_cast<int>(runtime.kafka.topic_replication_factor);
    // Consumers want the latest snapshot of every story, for as long as they care to keep it.
    topics.push_back(
        {options.stories_topic, partitions, replication, {{"cleanup.policy", "compact"}}});
    // One membership per article; deletion after twice the window bounds the topic like the
    // in-memory state (a story alive longer than that loses its oldest members on restore).
    // Every instance reads the whole changelog, so more partitions parallelize nothing, and each
    // one a transaction writes costs a produce request, a verification and a commit marker.
    topics.push_back({options.stories_changelog_topic,
                      static_cast<int>(changelog_partitions),
                      replication,
                      {{"cleanup.policy", "compact,delete"},
                       {"retention.ms", std::to_string(2 * window_hours * 3600 * 1000)}}});
    return topics;
  };
  definition.before_loop =
      [&](const newsflow::RuntimeOptions& runtime) -> std::optional<std::string> {
    // Stores open here, not in create: --check-config must not touch the disk or the database.
    std::vector<newsflow::sink::ArticleStore*> stores;
    std::string error;
    if (ndjson_enabled) {
      ndjson_store = newsflow::sink::NdjsonStore::Open(ndjson, &store_probe, &error);
      if (!ndjson_store) return error;
      stores.push_back(ndjson_store.get());
    }
    if (postgres_enabled) {
      postgres_store = newsflow::sink::PostgresStore::Open(postgres, &store_probe, &error);
      if (!postgres_store) return error;
      stores.push_back(postgres_store.get());
    }
    stage->set_stores(std::move(stores));
    if (!grouper) return std::nullopt;
    changelog = newsflow::ChangelogReader::Restore(
        newsflow::KafkaProperties(runtime), options.stories_changelog_topic,
        [g = grouper.get()](std::string_view key, std::string_view value, int64_t) {
          newsflow::sink::ApplyMembershipRecord(key, value, g);
        },
        static_cast<int>(restore_timeout_ms), "sink.stories.restore_timeout_ms", &error);
    if (!changelog) return error;
    return std::nullopt;
  };
  definition.after_loop = [&] {
    changelog.reset();
    stage->set_stores({});
    postgres_store.reset();
    ndjson_store.reset();
  };
  definition.bind_metrics = [&](newsflow::metrics::DaemonMetrics& metrics) {
    const auto& probe = stage->probe();
    auto& c = metrics.probes();
    newsflow::metrics::Labels labels = {{"stage", "sink"}};
    c.AddLabeledCounter("newsflow_sink_records_total", "Records published, by output.", labels,
                        "output", &probe.records_by_output);
    c.AddCounter("newsflow_sink_articles_total", "Articles published.", labels,
                 [&probe] { return static_cast<double>(probe.articles.load()); });
    c.AddHistogram("newsflow_end_to_end_latency_seconds",
                   "Seconds from ingestion to the sink processing the article.", labels,
                   &probe.end_to_end_latency);
    c.AddCounter("newsflow_stories_created_total", "Stories founded by an article.", labels,
                 [&probe] { return static_cast<double>(probe.stories_created.load()); });
    c.AddCounter("newsflow_stories_joined_total", "Articles that joined an existing story.", labels,
                 [&probe] { return static_cast<double>(probe.stories_joined.load()); });
    c.AddCounter("newsflow_articles_regrouped_total",
                 "Articles seen again that kept their story (re-processing).", labels,
                 [&probe] { return static_cast<double>(probe.articles_regrouped.load()); });
    if (ndjson_enabled || postgres_enabled) {
      c.AddLabeledCounter("newsflow_sink_store_records_total",
                          "Articles made durable in a store (duplicates not counted).", labels,
                          "store", &store_probe.records_written);
      c.AddLabeledCounter("newsflow_sink_store_duplicates_skipped_total",
                          "Articles a store already held and did not write again.", labels, "store",
                          &store_probe.duplicates_skipped);
      c.AddLabeledCounter("newsflow_sink_store_commit_failures_total",
                          "Failed store commits (fsync, SQL transaction); the batch is retried.",
                          labels, "store", &store_probe.commit_failures);
    }
    if (grouper) {
      auto* g = grouper.get();
      c.AddGauge("newsflow_stories_live", "Stories in the grouping state.", labels,
                 [g] { return static_cast<double>(g->story_count()); });
      c.AddGauge("newsflow_story_members_live", "Articles in the grouping state.", labels,
                 [g] { return static_cast<double>(g->member_count()); });
      c.AddCounter("newsflow_stories_expired_total",
                   "Stories dropped from the grouping state by age or size cap.", labels,
                   [g] { return static_cast<double>(g->expired()); });
      c.AddCounter("newsflow_story_membership_conflicts_total",
                   "Changelog memberships that disagreed with a known one (multi-instance race).",
                   labels, [g] { return static_cast<double>(g->conflicts()); });
    }
  };
  return newsflow::RunStageDaemon(definition, argc, argv);
}
