#include <memory>

#include "services/core/runtime/changelog_reader.h"
#include "services/core/runtime/daemon.h"
#include "services/normalize/normalize_stage.h"

int main(int argc, char** argv) {
  newsflow::NormalizeOptions options;
  bool dedupe_enabled = true;
  int64_t dedupe_window_hours = 7 * 24;
  int64_t dedupe_max_entries = 1'000'000;
  int64_t near_duplicate_distance = 6;
  int64_t restore_timeout_ms = 120000;
  int64_t dedupe_partitions = 1;
  std::string output_partitioning = "transaction";
  std::unique_ptr<newsflow::DedupeIndex> dedupe;
  std::unique_ptr<newsflow::ChangelogReader> changelog;
  newsflow::NormalizeStage* stage = nullptr;

  newsflow::StageDefinition definition;
  definition.name = "normalize";
  definition.input_topics = {"news.raw"};
  definition.default_http_port = 9102;
  definition.register_options = [&](newsflow::config::Schema& schema) {
    schema
        .RequiredString("normalize.output_topic", &options.output_topic,
                        "Topic normalized Articles go to")
        .String("normalize.output_partitioning", &output_partitioning,
                "Partitions of output_topic: one per transaction, or by key (article id)",
                {"transaction", "key"})
        .Int("normalize.max_content_bytes", &options.max_content_bytes,
             "Inputs larger than this are dead letters", 1024, int64_t{1} << 30)
        .StringMap("normalize.boilerplate_rules", &options.boilerplate_rules,
                   "Extra boilerplate rules: name -> regex over a whole paragraph")
        .Bool("normalize.dedupe.enabled", &dedupe_enabled,
              "Drop exact duplicates and flag near-duplicates")
        .RequiredString("normalize.dedupe.topic", &options.dedupe_topic,
                        "Compacted changelog of the duplicate index (shared by all instances)")
        .Int("normalize.dedupe.partitions", &dedupe_partitions,
             "Partitions of dedupe.topic when it is created (every instance reads all of it)", 1,
             10000)
        .Int("normalize.dedupe.window_hours", &dedupe_window_hours,
             "Index entries older than this (event time) expire", 1, 24 * 366)
        .Int("normalize.dedupe.max_entries", &dedupe_max_entries,
             "Upper bound of the in-memory index; oldest entries go first", 1000, 100'000'000)
        .Int("normalize.dedupe.near_duplicate_distance", &near_duplicate_distance,
             "SimHash bits two near-duplicates may differ in (0 disables near-duplicates)", 0,
             newsflow::kMaxNearDuplicateDistance)
        .Int("normalize.dedupe.restore_timeout_ms", &restore_timeout_ms,
             "Time allowed at start to read the changelog to its end", 1000, 3'600'000);
  };
  definition.create = [&](const newsflow::RuntimeOptions& runtime, std::string* error) {
    definition.output_topics = {options.output_topic};
    // entity-tag needs no article's records in one partition: ingest publishes an id once.
    if (output_partitioning == "transaction") {
      definition.transaction_partitioned_topics = {options.output_topic};
    }
    options.instance_id = runtime.kafka.instance_id;
    options.newsflow_version = newsflow::NewsflowVersion();
    if (dedupe_enabled) {
      newsflow::DedupeOptions dedupe_options;
      dedupe_options.window_ms = dedupe_window_hours * 3600 * 1000;
      dedupe_options.max_entries = static_cast<size_t>(dedupe_max_entries);
      dedupe_options.near_duplicate_distance = static_cast<int>(near_duplicate_distance);
      dedupe = std::make_unique<newsflow::DedupeIndex>(dedupe_options);
    }
    auto created = newsflow::NormalizeStage::Create(options, dedupe.get(), error);
    stage = created.get();
    return std::unique_ptr<newsflow::Stage>(std::move(created));
  };
  definition.extra_topics = [&](const newsflow::RuntimeOptions& runtime) {
    std::vector<newsflow::kafka::TopicSpec> topics;
    if (!dedupe_enabled) return topics;
    // Compaction keeps one entry per body; deletion after the window bounds the topic like the
    // index.
    // Every instance reads the whole changelog, so more partitions parallelize nothing, and each
    // one a transaction writes costs a produce request, a verification and a commit marker.
    topics.push_back({options.dedupe_topic,
                      static_cast<int>(dedupe_partitions),
                      static_cast<int>(runtime.kafka.topic_replication_factor),
                      {{"cleanup.policy", "compact,delete"},
                       {"retention.ms", std::to_string(dedupe_window_hours * 3600 * 1000)}}});
    return topics;
  };
  definition.before_loop =
      [&](const newsflow::RuntimeOptions& runtime) -> std::optional<std::string> {
    if (!dedupe) return std::nullopt;
    std::string error;
    changelog = newsflow::ChangelogReader::Restore(
        newsflow::KafkaProperties(runtime), options.dedupe_topic,
        [index = dedupe.get()](std::string_view key, std::string_view value, int64_t) {
          newsflow::ApplyDedupeRecord(key, value, index);
        },
        static_cast<int>(restore_timeout_ms), "normalize.dedupe.restore_timeout_ms", &error);
    if (!changelog) return error;
    return std::nullopt;
  };
  definition.after_loop = [&] { changelog.reset(); };
  definition.bind_metrics = [&](newsflow::metrics::DaemonMetrics& metrics) {
    const auto& probe = stage->probe();
    auto& c = metrics.probes();
    newsflow::metrics::Labels labels = {{"stage", "normalize"}};
    c.AddLabeledCounter("newsflow_boilerplate_removed_total",
                        "Paragraphs removed as boilerplate, by rule.", labels, "rule",
                        &probe.boilerplate_removed);
    c.AddLabeledCounter("newsflow_articles_by_language_total",
                        "Articles normalized, by dominant language.", labels, "language",
                        &probe.articles_by_language);
    c.AddCounter("newsflow_invalid_utf8_sequences_total",
                 "Invalid UTF-8 sequences replaced by U+FFFD.", labels,
                 [&probe] { return static_cast<double>(probe.invalid_utf8_sequences.load()); });
    c.AddCounter("newsflow_control_characters_removed_total",
                 "Control and zero-width characters removed.", labels,
                 [&probe] { return static_cast<double>(probe.control_characters_removed.load()); });
    c.AddCounter("newsflow_titles_detected_total",
                 "Headlines detected in plain-text articles without an explicit title.", labels,
                 [&probe] { return static_cast<double>(probe.titles_detected.load()); });
    c.AddCounter("newsflow_duplicates_dropped_total",
                 "Exact duplicates (same normalized body) dropped.", labels,
                 [&probe] { return static_cast<double>(probe.exact_duplicates_dropped.load()); });
    c.AddCounter("newsflow_near_duplicates_total",
                 "Near-duplicates flagged with the id of the first article.", labels,
                 [&probe] { return static_cast<double>(probe.near_duplicates_flagged.load()); });
    if (dedupe) {
      auto* index = dedupe.get();
      c.AddGauge("newsflow_dedupe_index_entries", "Entries in the duplicate index.", labels,
                 [index] { return static_cast<double>(index->size()); });
      c.AddCounter("newsflow_dedupe_index_expired_total",
                   "Duplicate-index entries expired by age or size cap.", labels,
                   [index] { return static_cast<double>(index->expired()); });
    }
  };
  return newsflow::RunStageDaemon(definition, argc, argv);
}
