#include "services/core/runtime/daemon.h"
#include "services/tag/tag_stage.h"

int main(int argc, char** argv) {
  newsflow::TagStageOptions options;
  newsflow::tag::EntityTaggerOptions tagger_options;
  newsflow::TagStage* stage = nullptr;
  std::string output_partitioning = "transaction";
  newsflow::StageDefinition definition;
  definition.name = "entity-tag";
  definition.input_topics = {"news.normalized"};
  definition.default_http_port = 9103;
  definition.register_options = [&](newsflow::config::Schema& schema) {
    schema.RequiredString("tag.output_topic", &options.output_topic, "Topic TaggedArticles go to")
        .String("tag.output_partitioning", &output_partitioning,
                "Partitions of output_topic: one per transaction, or by key (article id)",
                {"transaction", "key"})
        .Int("tag.max_body_bytes", &options.max_body_bytes,
             "Bodies larger than this are dead letters", 1024, int64_t{1} << 30)
        .RequiredString("tag.kb_dir", &tagger_options.kb_dir,
                        "Knowledge base directory (*.yaml); reloaded on SIGHUP")
        .String("tag.model_path", &tagger_options.model_path,
                "Statistical NER model file (empty: knowledge base and rules only)");
  };
  definition.create = [&](const newsflow::RuntimeOptions& runtime,
                          std::string* error) -> std::unique_ptr<newsflow::Stage> {
    definition.output_topics = {options.output_topic};
    // The sink needs no article's records in one partition (docs/architecture.md).
    if (output_partitioning == "transaction") {
      definition.transaction_partitioned_topics = {options.output_topic};
    }
    options.instance_id = runtime.kafka.instance_id;
    options.newsflow_version = newsflow::NewsflowVersion();
    auto tagger = newsflow::tag::EntityTagger::Create(tagger_options, error);
    if (!tagger) return nullptr;
    auto created = std::make_unique<newsflow::TagStage>(options, std::move(tagger));
    stage = created.get();
    return created;
  };
  definition.bind_metrics = [&stage](newsflow::metrics::DaemonMetrics& metrics) {
    const auto& probe = stage->probe();
    auto& c = metrics.probes();
    newsflow::metrics::Labels labels = {{"stage", "entity-tag"}};
    c.AddLabeledCounter("newsflow_entity_mentions_total", "Entity mentions tagged, by type.",
                        labels, "type", &probe.mentions);
    c.AddLabeledCounter("newsflow_entity_mentions_by_source_total",
                        "Entity mentions kept after merging, by tagger.", labels, "source",
                        &probe.mentions_by_source);
    c.AddCounter("newsflow_articles_without_entities_total", "Articles with no entity found.",
                 labels,
                 [&probe] { return static_cast<double>(probe.articles_without_entities.load()); });
  };
  return newsflow::RunStageDaemon(definition, argc, argv);
}
