#include "services/core/runtime/daemon.h"
#include "services/normalize/normalize_stage.h"

int main(int argc, char** argv) {
  newsflow::NormalizeOptions options;
  newsflow::NormalizeStage* stage = nullptr;
  newsflow::StageDefinition definition;
  definition.name = "normalize";
  definition.input_topics = {"news.raw"};
  definition.default_http_port = 9102;
  definition.register_options = [&options](newsflow::config::Schema& schema) {
    schema
        .RequiredString("normalize.output_topic", &options.output_topic,
                        "Topic normalized Articles go to")
        .Int("normalize.max_content_bytes", &options.max_content_bytes,
             "Inputs larger than this are dead letters", 1024, int64_t{1} << 30)
        .StringMap("normalize.boilerplate_rules", &options.boilerplate_rules,
                   "Extra boilerplate rules: name -> regex over a whole paragraph");
  };
  definition.create = [&](const newsflow::RuntimeOptions& runtime, std::string* error) {
    definition.output_topics = {options.output_topic};
    options.instance_id = runtime.kafka.instance_id;
    options.newsflow_version = newsflow::NewsflowVersion();
    auto created = newsflow::NormalizeStage::Create(options, error);
    stage = created.get();
    return std::unique_ptr<newsflow::Stage>(std::move(created));
  };
  definition.bind_metrics = [&stage](newsflow::metrics::DaemonMetrics& metrics) {
    const auto& probe = stage->probe();
    auto& c = metrics.probes();
    newsflow::metrics::Labels labels = {{"stage", "normalize"}};
    c.AddLabeledCounter("newsflow_boilerplate_removed_total",
                        "Paragraphs removed as boilerplate, by rule.", labels, "rule",
                        &probe.boilerplate_removed);
    c.AddCounter("newsflow_invalid_utf8_sequences_total",
                 "Invalid UTF-8 sequences replaced by U+FFFD.", labels,
                 [&probe] { return static_cast<double>(probe.invalid_utf8_sequences.load()); });
    c.AddCounter("newsflow_control_characters_removed_total",
                 "Control and zero-width characters removed.", labels,
                 [&probe] { return static_cast<double>(probe.control_characters_removed.load()); });
    c.AddCounter("newsflow_titles_detected_total",
                 "Headlines detected in plain-text articles without an explicit title.", labels,
                 [&probe] { return static_cast<double>(probe.titles_detected.load()); });
  };
  return newsflow::RunStageDaemon(definition, argc, argv);
}
