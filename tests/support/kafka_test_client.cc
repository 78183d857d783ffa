#include "tests/support/kafka_test_client.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#ifndef NEWSFLOW_SOURCE_DIR
#error "NEWSFLOW_SOURCE_DIR must be defined by the build"
#endif

namespace newsflow::testing {
namespace {

std::string UniqueTempDir(const std::string& prefix) {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path() /
              (prefix + std::to_string(getpid()) + "-" + std::to_string(rd() % 1000000));
  std::filesystem::create_directories(base);
  return base.string();
}

}  // namespace

std::string SourceDir() { return NEWSFLOW_SOURCE_DIR; }
std::string BinaryDir() { return NEWSFLOW_BINARY_DIR "/bin"; }

long DaemonProcess::ResidentMiB() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

int RunCommand(const std::string& command, std::string* output) {
  std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer;
  std::string out;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  int status = pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {
LocalKafka* g_shared_kafka = nullptr;

class SharedKafkaEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { g_shared_kafka = new LocalKafka(1); }
  void TearDown() override {
    delete g_shared_kafka;
    g_shared_kafka = nullptr;
  }
};
}  // namespace

LocalKafka* SharedKafka() { return g_shared_kafka; }

void InstallSharedKafkaEnvironment() {
  ::testing::AddGlobalTestEnvironment(new SharedKafkaEnvironment);
}

LocalKafka::LocalKafka(int nodes) {
  if (const char* external = std::getenv("NEWSFLOW_TEST_BOOTSTRAP"); external && nodes == 1) {
    bootstrap_ = external;
    return;
  }
  dir_ = UniqueTempDir("newsflow-kafka-");
  std::string output;
  // --owner-pid: if this test binary aborts before the destructor runs, the cluster stops anyway.
  int status = Script("start --dir " + dir_ + " --nodes " + std::to_string(nodes) +
                          " --owner-pid " + std::to_string(getpid()),
                      &output);
  if (status != 0) {
    ADD_FAILURE() << "local-kafka.sh start failed (" << status << "):\n" << output;
    return;
  }
  std::ifstream in(dir_ + "/bootstrap");
  std::getline(in, bootstrap_);
  owned_ = true;
}

LocalKafka::~LocalKafka() {
  if (owned_) Script("stop --dir " + dir_);
}

int LocalKafka::Script(const std::string& args, std::string* output) const {
  return RunCommand("bash " + SourceDir() + "/scripts/local-kafka.sh " + args, output);
}

KafkaTestClient::KafkaTestClient(std::string bootstrap) : bootstrap_(std::move(bootstrap)) {
  std::string error;
  auto conf = kafka::MakeConf(
      {{"bootstrap.servers", bootstrap_}, {"enable.idempotence", "true"}, {"linger.ms", "5"}},
      &error);
  char errstr[512];
  producer_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), errstr, sizeof(errstr)));
  if (!producer_) ADD_FAILURE() << errstr;
}

KafkaTestClient::~KafkaTestClient() = default;

void KafkaTestClient::CreateTopic(const std::string& topic, int partitions) {
  auto err = kafka::EnsureTopics({{"bootstrap.servers", bootstrap_}}, {{topic, partitions, -1, {}}},
                                 30000);
  ASSERT_FALSE(err) << *err;
}

void KafkaTestClient::Produce(const std::string& topic,
                              const std::vector<std::pair<std::string, std::string>>& key_values) {
  for (const auto& [key, value] : key_values) {
    while (true) {
      auto err = rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                   RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                                   RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer_.get(), 10);
        continue;
      }
      ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
      break;
    }
  }
  ASSERT_EQ(rd_kafka_flush(producer_.get(), 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

std::vector<ConsumedRecord> KafkaTestClient::ReadAll(const std::string& topic, size_t expected,
                                                     int idle_ms, int max_wait_ms) {
  std::vector<ConsumedRecord> out;
  std::string error;
  auto conf = kafka::MakeConf({{"bootstrap.servers", bootstrap_},
                               {"group.id", "newsflow-test-reader"},
                               {"isolation.level", "read_committed"},
                               {"enable.auto.commit", "false"},
                               {"enable.partition.eof", "false"}},
                              &error);
  char errstr[512];
  kafka::Handle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), errstr, sizeof(errstr)));
  // Assign every partition from the beginning: no group membership, no committed state.
  const rd_kafka_metadata_t* metadata = nullptr;
  kafka::Handle& c = consumer;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(c.get(), topic.c_str(), nullptr);
  // The topic may not exist yet (a daemon creates it at start): wait for it.
  auto metadata_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    if (rd_kafka_metadata(c.get(), 0, rkt, &metadata, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          metadata->topics[0].partition_cnt > 0) {
        break;
      }
      rd_kafka_metadata_destroy(metadata);
    }
    metadata = nullptr;
    if (std::chrono::steady_clock::now() > metadata_deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (metadata == nullptr) {
    ADD_FAILURE() << "no metadata for " << topic;
    rd_kafka_topic_destroy(rkt);
    return out;
  }
  kafka::TopicPartitionList assignment(rd_kafka_topic_partition_list_new(1));
  for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(),
                                      metadata->topics[0].partitions[i].id)
        ->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_assign(c.get(), assignment.get());

  auto start = std::chrono::steady_clock::now();
  auto last = start;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (out.size() >= expected && now - last > std::chrono::milliseconds(idle_ms)) break;
    if (now - start > std::chrono::milliseconds(max_wait_ms)) break;
    kafka::Message msg(rd_kafka_consumer_poll(c.get(), 100));
    if (!msg || msg->err) continue;
    ConsumedRecord r;
    if (msg->key) r.key.assign(static_cast<const char*>(msg->key), msg->key_len);
    if (msg->payload) r.value.assign(static_cast<const char*>(msg->payload), msg->len);
    r.partition = msg->partition;
    r.offset = msg->offset;
    r.headers = kafka::ReadHeaders(msg.get());
    out.push_back(std::move(r));
    last = std::chrono::steady_clock::now();
  }
  rd_kafka_consumer_close(c.get());
  return out;
}

size_t KafkaTestClient::Count(const std::string& topic, size_t expected, int idle_ms) {
  return ReadAll(topic, expected, idle_ms).size();
}

std::map<int32_t, int64_t> KafkaTestClient::CommittedOffsets(const std::string& group,
                                                             const std::string& topic,
                                                             int partitions) {
  std::string error;
  auto conf = kafka::MakeConf({{"bootstrap.servers", bootstrap_}, {"group.id", group}}, &error);
  char errstr[512];
  kafka::Handle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), errstr, sizeof(errstr)));
  kafka::TopicPartitionList list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  }
  std::map<int32_t, int64_t> out;
  EXPECT_EQ(rd_kafka_committed(consumer.get(), list.get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  for (int i = 0; i < list->cnt; ++i) out[list->elems[i].partition] = list->elems[i].offset;
  rd_kafka_consumer_close(consumer.get());
  return out;
}

std::map<int32_t, int64_t> KafkaTestClient::HighWatermarks(const std::string& topic, int partitions,
                                                           bool must_exist) {
  std::map<int32_t, int64_t> out;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = -1, high = -1;
    auto err =
        rd_kafka_query_watermark_offsets(producer_.get(), topic.c_str(), p, &low, &high, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (must_exist) ADD_FAILURE() << topic << "[" << p << "]: " << rd_kafka_err2str(err);
      continue;
    }
    out[p] = high;
  }
  return out;
}

DaemonProcess::DaemonProcess(std::string binary, std::vector<std::string> args,
                             std::map<std::string, std::string> env) {
  std::string dir = UniqueTempDir("newsflow-daemon-");
  log_path_ = dir + "/daemon.log";
  port_file_ = dir + "/http.port";
  args.push_back("--http.port=0");
  args.push_back("--http.address=127.0.0.1");
  args.push_back("--http.port_file=" + port_file_);
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(binary.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

DaemonProcess::~DaemonProcess() {
  if (Running()) {
    kill(pid_, SIGKILL);
    Wait(10000);
  }
}

void DaemonProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

bool DaemonProcess::Running() {
  if (pid_ <= 0) return false;
  return waitpid(pid_, nullptr, WNOHANG) == 0;
}

std::optional<int> DaemonProcess::Wait(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return -1;
    }
    if (r < 0) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

std::string DaemonProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int DaemonProcess::WaitForHttpPort(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file_);
    if (in >> port_) return port_;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

int DaemonProcess::HttpGet(const std::string& path, std::string* body) {
  if (port_ < 0 && WaitForHttpPort(30000) < 0) return -1;
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5);
  auto res = client.Get(path.c_str());
  if (!res) return -1;
  if (body) *body = res->body;
  return res->status;
}

}  // namespace newsflow::testing
