#include "services/core/runtime/daemon.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "services/core/runtime/http_server.h"
#include "services/core/runtime/logging.h"
#include "services/core/runtime/metrics.h"
#include "services/core/runtime/probe.h"
#include "services/core/runtime/signals.h"
#include "services/core/runtime/stage_loop.h"
#include "services/core/version.h"

namespace newsflow {

std::string NewsflowVersion() { return std::string(kNewsflowVersion) + "+" + kNewsflowGitCommit; }

void RegisterRuntimeOptions(config::Schema& schema, RuntimeOptions* o) {
  schema
      .RequiredString("kafka.bootstrap_servers", &o->kafka.bootstrap_servers,
                      "Kafka bootstrap servers, host:port[,host:port]")
      .RequiredString("kafka.group_id", &o->kafka.group_id,
                      "Consumer group shared by all instances of this stage")
      .RequiredString("kafka.instance_id", &o->kafka.instance_id,
                      "Unique id of this instance (part of the transactional.id)")
      .StringList("kafka.input_topics", &o->kafka.input_topics, "Topics this stage consumes")
      .RequiredString("kafka.dlq_topic", &o->kafka.dlq_topic, "Dead-letter topic")
      .Bool("kafka.create_topics", &o->kafka.create_topics, "Create missing topics at start")
      .Int("kafka.topic_partitions", &o->kafka.topic_partitions,
           "Partitions of topics newsflow creates", 1, 10000)
      .Int("kafka.topic_replication_factor", &o->kafka.topic_replication_factor,
           "Replication factor of topics newsflow creates (-1: broker default)", -1, 100)
      .Int("kafka.transaction_max_messages", &o->kafka.transaction_max_messages,
           "Input records per transaction at most", 1, 100000)
      .Int("kafka.transaction_max_ms", &o->kafka.transaction_max_ms,
           "Longest a transaction stays open before it commits", 1, 60000)
      .Int("kafka.transaction_linger_ms", &o->kafka.transaction_linger_ms,
           "Once the input runs dry, a transaction commits when it is this old", 0, 60000)
      .Bool("kafka.overlap_commit", &o->kafka.overlap_commit,
            "Process the next records while a transaction commits (outputs wait for the commit)")
      .Int("kafka.transaction_start_delay_ms", &o->kafka.transaction_start_delay_ms,
           "After a commit, hold the next transaction's first produce this long (records are "
           "processed meanwhile); 0: at once",
           0, 10000)
      .StringList("kafka.transaction_partitioned_topics", &o->kafka.transaction_partitioned_topics,
                  "Output topics written to one partition per transaction, whatever the key")
      .Int("kafka.transaction_timeout_ms", &o->kafka.transaction_timeout_ms,
           "Broker-side transaction timeout", 1000, 900000)
      .Int("kafka.max_in_flight_messages", &o->kafka.max_in_flight_messages,
           "Undelivered produced messages above which consumption pauses", 10, 10000000)
      .Int("kafka.statistics_interval_ms", &o->kafka.statistics_interval_ms,
           "librdkafka statistics interval", 100, 600000)
      .Int("kafka.startup_timeout_ms", &o->kafka.startup_timeout_ms,
           "Time allowed to reach the cluster at start", 1000, 600000)
      .Bool("kafka.check_broker_features", &o->kafka.check_broker_features,
            "Verify at start that librdkafka enabled the protocol features newsflow needs")
      .StringMap("kafka.properties", &o->kafka.properties,
                 "librdkafka properties passed through (e.g. kafka.properties.security.protocol)")
      .Secret("kafka.sasl_password", &o->kafka.sasl_password, "SASL password")
      .String("kafka.sasl_password_file", &o->kafka.sasl_password_file,
              "File holding the SASL password")
      .String("http.address", &o->http.address, "Address of the metrics/health endpoint")
      .Int("http.port", &o->http.port, "Port of the metrics/health endpoint (0: any free)", 0,
           65535)
      .String("http.port_file", &o->http.port_file, "Write the bound HTTP port to this file")
      .String("log.level", &o->log.level, "Log level",
              {"trace", "debug", "info", "warn", "error", "critical", "off"})
      .String("log.format", &o->log.format, "Log format", {"text", "json"});
}

std::map<std::string, std::string> KafkaProperties(const RuntimeOptions& o) {
  std::map<std::string, std::string> props = o.kafka.properties;
  props["bootstrap.servers"] = o.kafka.bootstrap_servers;
  if (!o.kafka.sasl_password.empty()) props["sasl.password"] = o.kafka.sasl_password;
  return props;
}

namespace {

std::string HostName() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

int ConfigFailure(const std::string& program, const config::ConfigError& error) {
  std::cerr << program << ": configuration error: " << error.message << "\n";
  return config::ConfigError::kExitCode;
}

}  // namespace

int RunStageDaemon(const StageDefinition& def, int argc, const char* const* argv) {
  const std::string program = "newsflow-" + def.name;
  RuntimeOptions options;
  options.kafka.group_id = "newsflow-" + def.name;
  options.kafka.instance_id = HostName();
  options.kafka.input_topics = def.input_topics;
  options.http.port = def.default_http_port;

  config::Schema schema;
  RegisterRuntimeOptions(schema, &options);
  if (def.register_options) def.register_options(schema);

  config::CommandLine command_line;
  if (auto err = config::Load(schema, argc, argv, config::ProcessEnvironment(), &command_line)) {
    return ConfigFailure(program, *err);
  }
  if (command_line.help) {
    std::cout << "usage: " << program
              << " [--config FILE] [--KEY=VALUE ...] [--set KEY=VALUE] [--print-config]"
                 " [--check-config] [--version]\n\nKeys:\n"
              << schema.Help();
    return 0;
  }
  if (command_line.version) {
    std::cout << program << " " << NewsflowVersion() << "\n";
    return 0;
  }
  if (options.kafka.input_topics.empty() && !def.run) {
    return ConfigFailure(
        program, {"kafka.input_topics", "key 'kafka.input_topics': expected at least one topic"});
  }
  if (!options.kafka.sasl_password_file.empty()) {
    std::ifstream in(options.kafka.sasl_password_file);
    if (!in) {
      return ConfigFailure(
          program, {"kafka.sasl_password_file", "key 'kafka.sasl_password_file': cannot read '" +
                                                    options.kafka.sasl_password_file + "'"});
    }
    std::getline(in, options.kafka.sasl_password);
  }
  {
    std::string error;
    if (!kafka::MakeConf(KafkaProperties(options), &error)) {
      return ConfigFailure(program, {"kafka.properties", error});
    }
  }
  if (command_line.print_config) std::cout << schema.Dump();
  std::string error;
  std::unique_ptr<Stage> stage;
  if (def.create) {
    stage = def.create(options, &error);
    if (!stage) return ConfigFailure(program, {def.name, error});
  }
  if (command_line.check_config) {
    std::cout << program << ": configuration OK\n";
    return 0;
  }

  SetUpLogging(def.name, options.log.level, options.log.format);
  SignalFlags& signals = InstallSignalHandlers();
  spdlog::info("{} {} starting (librdkafka {})", program, NewsflowVersion(),
               rd_kafka_version_str());

  auto props = KafkaProperties(options);
  if (options.kafka.check_broker_features) {
    if (auto err = kafka::CheckBrokerFeatures(props, kafka::RequiredBrokerFeatures(),
                                              static_cast<int>(options.kafka.startup_timeout_ms))) {
      spdlog::critical("{}", *err);
      return 1;
    }
    spdlog::info("broker protocol features OK: {}",
                 fmt::join(kafka::RequiredBrokerFeatures(), ","));
  }
  if (options.kafka.create_topics) {
    std::vector<kafka::TopicSpec> topics;
    auto add = [&](const std::string& name) {
      for (const auto& t : topics) {
        if (t.name == name) return;
      }
      topics.push_back({name,
                        static_cast<int>(options.kafka.topic_partitions),
                        static_cast<int>(options.kafka.topic_replication_factor),
                        {}});
    };
    for (const auto& t : options.kafka.input_topics) add(t);
    for (const auto& t : def.output_topics) add(t);
    add(options.kafka.dlq_topic);
    if (def.extra_topics) {
      for (auto& spec : def.extra_topics(options)) topics.push_back(std::move(spec));
    }
    if (auto err = kafka::EnsureTopics(props, topics,
                                       static_cast<int>(options.kafka.startup_timeout_ms))) {
      spdlog::critical("{}", *err);
      return 1;
    }
  }

  if (def.before_loop) {
    if (auto err = def.before_loop(options)) {
      spdlog::critical("{}", *err);
      return 1;
    }
  }

  LoopProbe probe;
  metrics::DaemonMetrics daemon_metrics(def.name);
  metrics::BindBuildInfo(&daemon_metrics, kNewsflowVersion, kNewsflowGitCommit);
  metrics::BindProcessMetrics(&daemon_metrics);
  if (def.run) {
    std::function<std::optional<std::string>()> readiness = [] {
      return std::optional<std::string>("starting");
    };
    HttpServer http([&daemon_metrics] { return daemon_metrics.Serialize(); },
                    [&readiness] { return readiness(); });
    DaemonContext context;
    context.options = &options;
    context.kafka_properties = props;
    context.http = &http;
    context.metrics = &daemon_metrics;
    context.stop = &signals.stop;
    context.set_readiness = [&readiness](std::function<std::optional<std::string>()> check) {
      readiness = std::move(check);
    };
    context.start_http = [&]() -> bool {
      std::string bind_error;
      auto port =
          http.Start(options.http.address, static_cast<int>(options.http.port), &bind_error);
      if (!port) {
        spdlog::critical("{} (key http.port)", bind_error);
        return false;
      }
      spdlog::info("metrics and health on http://{}:{}/metrics", options.http.address, *port);
      if (!options.http.port_file.empty()) {
        std::string tmp = options.http.port_file + ".tmp";
        std::ofstream(tmp) << *port << "\n";
        std::rename(tmp.c_str(), options.http.port_file.c_str());
      }
      return true;
    };
    if (def.bind_metrics) def.bind_metrics(daemon_metrics);
    int status = def.run(context);
    http.Stop();
    if (def.after_loop) def.after_loop();
    spdlog::info("{} exiting with status {}", program, status);
    return status;
  }
  metrics::BindLoopProbe(&daemon_metrics, &probe);
  if (def.bind_metrics) def.bind_metrics(daemon_metrics);

  LoopOptions loop_options;
  loop_options.stage = def.name;
  loop_options.instance_id = options.kafka.instance_id;
  loop_options.kafka_properties = props;
  loop_options.group_id = options.kafka.group_id;
  loop_options.input_topics = options.kafka.input_topics;
  loop_options.dlq_topic = options.kafka.dlq_topic;
  loop_options.transaction_max_messages = options.kafka.transaction_max_messages;
  loop_options.transaction_max_ms = options.kafka.transaction_max_ms;
  loop_options.transaction_linger_ms = options.kafka.transaction_linger_ms;
  loop_options.overlap_commit = options.kafka.overlap_commit;
  loop_options.transaction_start_delay_ms = options.kafka.transaction_start_delay_ms;
  loop_options.transaction_partitioned_topics = options.kafka.transaction_partitioned_topics;
  loop_options.transaction_partitioned_topics.insert(
      loop_options.transaction_partitioned_topics.end(), def.transaction_partitioned_topics.begin(),
      def.transaction_partitioned_topics.end());
  loop_options.transaction_timeout_ms = options.kafka.transaction_timeout_ms;
  loop_options.max_in_flight_messages = options.kafka.max_in_flight_messages;
  loop_options.statistics_interval_ms = options.kafka.statistics_interval_ms;
  loop_options.newsflow_version = NewsflowVersion();
  StageLoop loop(loop_options, stage.get(), &probe);

  HttpServer http([&daemon_metrics] { return daemon_metrics.Serialize(); },
                  [&loop] { return loop.NotReadyReason(); });
  auto port = http.Start(options.http.address, static_cast<int>(options.http.port), &error);
  if (!port) {
    spdlog::critical("{} (key http.port)", error);
    return 1;
  }
  spdlog::info("metrics and health on http://{}:{}/metrics", options.http.address, *port);
  if (!options.http.port_file.empty()) {
    std::string tmp = options.http.port_file + ".tmp";
    std::ofstream(tmp) << *port << "\n";
    std::rename(tmp.c_str(), options.http.port_file.c_str());
  }

  if (auto err = loop.Start()) {
    spdlog::critical("{}", *err);
    return 1;
  }
  int status = loop.Run(signals.stop, signals.reload);
  http.Stop();
  if (def.after_loop) def.after_loop();
  spdlog::info("{} exiting with status {}", program, status);
  return status;
}

}  // namespace newsflow
