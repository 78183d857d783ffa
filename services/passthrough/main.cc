#include "services/core/runtime/daemon.h"
#include "services/passthrough/passthrough_stage.h"

int main(int argc, char** argv) {
  newsflow::PassthroughOptions options;
  newsflow::StageDefinition definition;
  definition.name = "passthrough";
  definition.input_topics = {"news.raw"};
  definition.output_topics = {options.output_topic};
  definition.default_http_port = 9190;
  definition.register_options = [&options](newsflow::config::Schema& schema) {
    schema.RequiredString("passthrough.output_topic", &options.output_topic,
                          "Topic the records are forwarded to");
  };
  definition.create = [&options, &definition](const newsflow::RuntimeOptions&, std::string*) {
    definition.output_topics = {options.output_topic};
    return std::make_unique<newsflow::PassthroughStage>(options);
  };
  return newsflow::RunStageDaemon(definition, argc, argv);
}
