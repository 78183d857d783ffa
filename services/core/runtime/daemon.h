#pragma once

// The shared start-up of every stage daemon: flags -> config -> logging -> broker checks ->
// topics -> HTTP endpoints -> stage loop -> graceful exit. A daemon's main.cc is a few lines
// over RunStageDaemon, so tests can run the same code in-process or as a subprocess.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/core/runtime/config.h"
#include "services/core/runtime/kafka.h"
#include "services/core/runtime/metrics.h"
#include "services/core/runtime/stage.h"

namespace newsflow {

// Settings every daemon has. Each field's initializer is its default.
struct RuntimeOptions {
  struct Kafka {
    std::string bootstrap_servers = "127.0.0.1:9092";
    std::string group_id;  // default: "newsflow-<stage>"
    // Unique per running instance; defaults to the host name (a container's id under compose).
    std::string instance_id;
    std::vector<std::string> input_topics;  // stage default
    std::string dlq_topic = "news.dlq";
    bool create_topics = true;              // create missing topics at start
    int64_t topic_partitions = 6;           // for topics newsflow creates
    int64_t topic_replication_factor = -1;  // -1: the broker's default
    int64_t transaction_max_messages = 500;
    int64_t transaction_max_ms = 100;
    int64_t transaction_linger_ms = 10;      // commit this soon once the input runs dry
    bool overlap_commit = false;             // process the next records while a commit runs
    int64_t transaction_start_delay_ms = 0;  // hold a new transaction's first produce this long
    // Output topics whose records go to one partition per transaction (see LoopOptions).
    std::vector<std::string> transaction_partitioned_topics;
    int64_t transaction_timeout_ms = 60000;
    int64_t max_in_flight_messages = 10000;
    int64_t statistics_interval_ms = 5000;
    int64_t startup_timeout_ms = 30000;  // broker feature check and topic creation
    bool check_broker_features = true;
    // Passed to librdkafka as-is (security.protocol, sasl.mechanism, ssl.ca.location, ...).
    std::map<std::string, std::string> properties;
    // SASL password, from env (NEWSFLOW_KAFKA_SASL_PASSWORD) or a file; never logged.
    std::string sasl_password;
    std::string sasl_password_file;
  } kafka;
  struct Http {
    std::string address = "0.0.0.0";
    int64_t port = 9100;    // 0 picks a free port (tests)
    std::string port_file;  // when set, the bound port is written there (tests)
  } http;
  struct Log {
    std::string level = "info";
    std::string format = "text";
  } log;
};

class HttpServer;

// What a producing daemon (ingest: no input topic) gets from the runtime.
struct DaemonContext {
  const RuntimeOptions* options = nullptr;
  std::map<std::string, std::string> kafka_properties;
  HttpServer* http = nullptr;  // not started yet: add routes, then call start_http
  metrics::DaemonMetrics* metrics = nullptr;
  const std::atomic<bool>* stop = nullptr;  // set by SIGTERM/SIGINT
  // Starts the HTTP endpoint; returns false (after logging why) when it cannot bind.
  std::function<bool()> start_http;
  // Replaces the /readyz answer: nullopt when ready, else why not. Thread-safe to call once
  // before start_http.
  std::function<void(std::function<std::optional<std::string>()>)> set_readiness;
};

// What a daemon tells the runtime about its stage.
struct StageDefinition {
  std::string name;                        // "normalize"
  std::vector<std::string> input_topics;   // defaults
  std::vector<std::string> output_topics;  // created at start if missing
  // Outputs whose readers need no key partitioning, written one partition per transaction
  // (LoopOptions::transaction_partitioned_topics); like output_topics, `create` may set it once
  // topic names are known. Added to kafka.transaction_partitioned_topics.
  std::vector<std::string> transaction_partitioned_topics;
  int64_t default_http_port = 9100;
  // Registers the stage's own keys (bound to fields the stage owns).
  std::function<void(config::Schema&)> register_options;
  // Builds the stage after config is loaded; returns nullptr and sets `*error` on failure
  // (treated as a config error: exit 2).
  std::function<std::unique_ptr<Stage>(const RuntimeOptions&, std::string* error)> create;
  // Binds the stage's own probes (called once, after create). Optional.
  std::function<void(metrics::DaemonMetrics&)> bind_metrics;
  // Extra topics (changelogs) the stage needs, with their settings.
  std::function<std::vector<kafka::TopicSpec>(const RuntimeOptions&)> extra_topics;
  // Runs once topics exist and before the stage loop starts, e.g. to restore state from a
  // changelog. Returns an error message to stop the daemon (exit 1). Optional.
  std::function<std::optional<std::string>(const RuntimeOptions&)> before_loop;
  // Runs after the stage loop returned (release what before_loop started). Optional.
  std::function<void()> after_loop;
  // For daemons that produce without consuming (ingest): runs instead of the stage loop, after
  // config, logging, broker checks and topics, until `*context.stop`; returns the exit status.
  // When set, input topics are not required and `create` may be empty (then it is not called).
  std::function<int(DaemonContext& context)> run;
};

// Registers the runtime keys on `schema`, bound to `options`.
void RegisterRuntimeOptions(config::Schema& schema, RuntimeOptions* options);

// librdkafka properties for `options` (bootstrap, pass-through properties, SASL password).
std::map<std::string, std::string> KafkaProperties(const RuntimeOptions& options);

// Runs a stage daemon to completion. Returns the process exit status: 0 after a graceful stop,
// 2 on a configuration error (message names the key), 1 on a runtime failure.
int RunStageDaemon(const StageDefinition& definition, int argc, const char* const* argv);

// The version stamped on outputs, e.g. "0.1.0+abc1234".
std::string NewsflowVersion();

}  // namespace newsflow
