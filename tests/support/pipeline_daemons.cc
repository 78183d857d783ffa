#include "tests/support/pipeline_daemons.h"

#include "tests/support/kafka_test_client.h"

namespace newsflow::testing {

PipelineTopics::PipelineTopics(const std::string& run_prefix)
    : run(run_prefix),
      raw(run_prefix + ".raw"),
      normalized(run_prefix + ".normalized"),
      tagged(run_prefix + ".tagged"),
      enriched(run_prefix + ".enriched"),
      mentions(run_prefix + ".mentions"),
      stories(run_prefix + ".stories"),
      dlq(run_prefix + ".dlq") {}

std::vector<std::string> PipelineDaemonArgs(const std::string& name, const std::string& bootstrap,
                                            const PipelineTopics& t,
                                            const std::string& instance_id) {
  std::vector<std::string> args = {"--config",
                                   SourceDir() + "/config/" + name + ".yaml",
                                   "--kafka.bootstrap_servers=" + bootstrap,
                                   "--kafka.group_id=" + t.run + "-" + name,
                                   "--kafka.instance_id=" + instance_id,
                                   "--kafka.dlq_topic=" + t.dlq};
  if (name == "normalize") {
    args.insert(args.end(),
                {"--kafka.input_topics=" + t.raw, "--normalize.output_topic=" + t.normalized,
                 "--normalize.dedupe.topic=" + t.run + ".dedupe"});
  } else if (name == "entity-tag") {
    args.insert(args.end(),
                {"--kafka.input_topics=" + t.normalized, "--tag.output_topic=" + t.tagged,
                 "--tag.kb_dir=" + SourceDir() + "/config/kb",
                 "--tag.model_path=" + SourceDir() + "/config/ner/model.bin"});
  } else if (name == "sink") {
    args.insert(args.end(),
                {"--kafka.input_topics=" + t.tagged, "--sink.enriched_topic=" + t.enriched,
                 "--sink.entity_mentions_topic=" + t.mentions, "--sink.stories.topic=" + t.stories,
                 "--sink.stories.changelog_topic=" + t.run + ".stories-state"});
  }
  return args;
}

}  // namespace newsflow::testing
