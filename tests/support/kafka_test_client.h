#pragma once

// Test-side Kafka access: start/stop the project's real broker via scripts/local-kafka.sh,
// produce fixtures, read topics back with read_committed, inspect group offsets.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/core/runtime/kafka.h"
#include "services/core/runtime/stage.h"

namespace newsflow::testing {

// A broker (or cluster) started by scripts/local-kafka.sh in a temporary directory, stopped and
// removed on destruction. If NEWSFLOW_TEST_BOOTSTRAP is set, that cluster is used instead.
class LocalKafka {
 public:
  explicit LocalKafka(int nodes = 1);
  ~LocalKafka();
  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& dir() const { return dir_; }
  // Runs `scripts/local-kafka.sh ARGS`; returns its exit status, output in `*output`.
  int Script(const std::string& args, std::string* output = nullptr) const;

 private:
  std::string dir_;
  std::string bootstrap_;
  bool owned_ = false;
};

// The broker shared by all tests of one integration binary (started by the gtest environment
// that tests/integration/main.cc installs). Null before the environment's SetUp.
LocalKafka* SharedKafka();
void InstallSharedKafkaEnvironment();

// The directory holding the repository (for scripts and binaries).
std::string SourceDir();
std::string BinaryDir();

struct ConsumedRecord {
  std::string key;
  std::string value;
  Headers headers;
  int32_t partition = 0;
  int64_t offset = 0;
};

class KafkaTestClient {
 public:
  explicit KafkaTestClient(std::string bootstrap);
  ~KafkaTestClient();

  void CreateTopic(const std::string& topic, int partitions);
  // Produces and waits for every delivery; fails the test on error.
  void Produce(const std::string& topic,
               const std::vector<std::pair<std::string, std::string>>& key_values);
  // Reads `topic` from the beginning (read_committed, no group) until `expected` records were
  // read or `idle_ms` pass without a new one. Returns what was read.
  std::vector<ConsumedRecord> ReadAll(const std::string& topic, size_t expected, int idle_ms,
                                      int max_wait_ms = 120000);
  // Number of committed (read_committed-visible) records, without keeping them.
  size_t Count(const std::string& topic, size_t expected, int idle_ms);
  // Committed offset per partition of `group` on `topic` (-1001 when none).
  std::map<int32_t, int64_t> CommittedOffsets(const std::string& group, const std::string& topic,
                                              int partitions);
  // High watermark per partition; a missing topic fails the test only if `must_exist`
  // (partitions that cannot be queried are then left out).
  std::map<int32_t, int64_t> HighWatermarks(const std::string& topic, int partitions,
                                            bool must_exist = true);

 private:
  std::string bootstrap_;
  kafka::Handle producer_;
};

// A daemon run as a child process with stderr captured to a file.
class DaemonProcess {
 public:
  DaemonProcess(std::string binary, std::vector<std::string> args,
                std::map<std::string, std::string> env = {});
  ~DaemonProcess();  // SIGKILLs if still running

  void Signal(int signal);
  // Waits for exit; returns the exit status, or -signal if killed, or nullopt on timeout.
  std::optional<int> Wait(int timeout_ms);
  bool Running();
  std::string Log() const;
  // Waits until the daemon wrote its HTTP port; returns it or -1.
  int WaitForHttpPort(int timeout_ms);
  // GET http://127.0.0.1:PORT/PATH; returns status and body in `*body`.
  int HttpGet(const std::string& path, std::string* body);
  int pid() const { return pid_; }
  // Resident memory of the daemon in MiB (from /proc), or -1.
  long ResidentMiB() const;

 private:
  int pid_ = -1;
  std::string log_path_;
  std::string port_file_;
  int port_ = -1;
};

// Runs a command to completion, returning its exit status and combined output.
int RunCommand(const std::string& command, std::string* output);

}  // namespace newsflow::testing
