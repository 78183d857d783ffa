// A daemon given bad configuration stops at once with exit code 2 and names the key. No broker
// is needed: configuration is validated before any connection is made.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/kafka_test_client.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;

std::string Passthrough() { return BinaryDir() + "/newsflow-passthrough"; }

int RunDaemon(const std::string& args, std::string* output) {
  return RunCommand(Passthrough() + " " + args, output);
}

TEST(DaemonConfigTest, UnknownKeyInFileExitsTwoNamingTheKey) {
  std::string path = ::testing::TempDir() + "/bad_key.yaml";
  std::ofstream(path) << "kafka:\n  bootstrap_servers: 127.0.0.1:1\n  partitons: 3\n";
  std::string out;
  EXPECT_EQ(RunDaemon("--config " + path, &out), 2);
  EXPECT_THAT(out, HasSubstr("kafka.partitons"));
}

TEST(DaemonConfigTest, WrongTypeExitsTwoNamingKeyAndExpectation) {
  std::string path = ::testing::TempDir() + "/bad_type.yaml";
  std::ofstream(path) << "kafka:\n  topic_partitions: lots\n";
  std::string out;
  EXPECT_EQ(RunDaemon("--config " + path, &out), 2);
  EXPECT_THAT(out, HasSubstr("kafka.topic_partitions"));
  EXPECT_THAT(out, HasSubstr("expected an integer"));
}

TEST(DaemonConfigTest, BadEnvironmentOverrideExitsTwo) {
  std::string out;
  EXPECT_EQ(RunCommand("NEWSFLOW_LOG_LEVEL=loud " + Passthrough(), &out), 2);
  EXPECT_THAT(out, HasSubstr("log.level"));
  EXPECT_THAT(out, HasSubstr("NEWSFLOW_LOG_LEVEL"));
}

TEST(DaemonConfigTest, BadFlagExitsTwo) {
  std::string out;
  EXPECT_EQ(RunDaemon("--http.port=70000", &out), 2);
  EXPECT_THAT(out, HasSubstr("http.port"));
}

TEST(DaemonConfigTest, InvalidLibrdkafkaPropertyExitsTwo) {
  std::string out;
  EXPECT_EQ(RunDaemon("--set kafka.properties.no.such.property=1", &out), 2);
  EXPECT_THAT(out, HasSubstr("no.such.property"));
}

TEST(DaemonConfigTest, SecretIsNotEchoedOnError) {
  std::string out;
  EXPECT_EQ(RunDaemon("--kafka.sasl_password=hunter2 --log.format=yaml", &out), 2);
  EXPECT_THAT(out, ::testing::Not(HasSubstr("hunter2")));
}

TEST(DaemonConfigTest, ShippedConfigFilesAreValid) {
  std::string out;
  EXPECT_EQ(RunDaemon("--config " + SourceDir() + "/config/passthrough.yaml --check-config", &out),
            0)
      << out;
}

TEST(DaemonConfigTest, HelpListsKeysWithEnvNames) {
  std::string out;
  EXPECT_EQ(RunDaemon("--help", &out), 0);
  EXPECT_THAT(out, HasSubstr("--kafka.bootstrap_servers"));
  EXPECT_THAT(out, HasSubstr("NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"));
}

TEST(DaemonConfigTest, UnreachableBrokerFailsFastNonZero) {
  std::string out;
  int status = RunDaemon(
      "--kafka.bootstrap_servers=127.0.0.1:1 --kafka.startup_timeout_ms=2000 --http.port=0", &out);
  EXPECT_EQ(status, 1) << out;
  EXPECT_THAT(out, HasSubstr("cannot reach Kafka"));
}

}  // namespace
}  // namespace newsflow::testing
