#pragma once

// Command lines for the pipeline daemons (normalize -> entity-tag -> sink) in tests that run
// them as processes: one place for the topic wiring every such test repeats.

#include <string>
#include <vector>

namespace newsflow::testing {

// Every topic of one pipeline run, named "<run>.<what>", so tests sharing a broker never read
// each other's records.
struct PipelineTopics {
  explicit PipelineTopics(const std::string& run_prefix);

  std::string run;
  std::string raw;
  std::string normalized;
  std::string tagged;
  std::string enriched;
  std::string mentions;
  std::string stories;
  std::string dlq;
};

// Arguments for daemon `name` ("normalize", "entity-tag" or "sink"): its config file, the
// broker, consumer group "<run>-<name>", `instance_id`, the run's dead-letter topic and the
// stage's input/output/state topics. Callers append what differs (log level, timeouts...).
std::vector<std::string> PipelineDaemonArgs(const std::string& name, const std::string& bootstrap,
                                            const PipelineTopics& topics,
                                            const std::string& instance_id);

}  // namespace newsflow::testing
