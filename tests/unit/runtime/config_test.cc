#include "services/core/runtime/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace newsflow::config {
namespace {

using ::testing::HasSubstr;

struct Options {
  std::string servers = "localhost:9092";
  std::string token;
  std::string format = "text";
  int64_t partitions = 6;
  double ratio = 0.5;
  bool create = true;
  std::vector<std::string> topics = {"news.raw"};
  std::map<std::string, std::string> properties;
};

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() {
    schema_.RequiredString("kafka.bootstrap_servers", &o_.servers, "servers")
        .Secret("push.token", &o_.token, "token")
        .String("log.format", &o_.format, "format", {"text", "json"})
        .Int("kafka.partitions", &o_.partitions, "partitions", 1, 100)
        .Double("dedupe.ratio", &o_.ratio, "ratio", 0, 1)
        .Bool("kafka.create_topics", &o_.create, "create")
        .StringList("kafka.input_topics", &o_.topics, "topics")
        .StringMap("kafka.properties", &o_.properties, "props");
  }

  std::optional<ConfigError> LoadArgs(std::vector<const char*> args,
                                      std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), "prog");
    return Load(
        schema_, static_cast<int>(args.size()), args.data(),
        [env](const std::string& name) -> std::optional<std::string> {
          auto it = env.find(name);
          if (it == env.end()) return std::nullopt;
          return it->second;
        },
        &command_line_);
  }

  Options o_;
  Schema schema_;
  CommandLine command_line_;
};

TEST_F(ConfigTest, DefaultsHoldWithoutInput) {
  ASSERT_FALSE(LoadArgs({}));
  EXPECT_EQ(o_.servers, "localhost:9092");
  EXPECT_EQ(o_.partitions, 6);
  EXPECT_THAT(o_.topics, ::testing::ElementsAre("news.raw"));
}

TEST_F(ConfigTest, YamlSectionsSetNestedKeys) {
  auto err = schema_.ApplyYaml(R"(
kafka:
  bootstrap_servers: a:1,b:2
  partitions: 12
  create_topics: false
  input_topics: [x, y]
  properties:
    security.protocol: SSL
log:
  format: json
dedupe.ratio: 0.25
)",
                               "test.yaml");
  ASSERT_FALSE(err) << err->message;
  EXPECT_EQ(o_.servers, "a:1,b:2");
  EXPECT_EQ(o_.partitions, 12);
  EXPECT_FALSE(o_.create);
  EXPECT_THAT(o_.topics, ::testing::ElementsAre("x", "y"));
  EXPECT_EQ(o_.properties["security.protocol"], "SSL");
  EXPECT_EQ(o_.format, "json");
  EXPECT_DOUBLE_EQ(o_.ratio, 0.25);
}

TEST_F(ConfigTest, UnknownKeyIsNamed) {
  auto err = schema_.ApplyYaml("kafka:\n  bootstrap_server: x\n", "test.yaml");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->key, "kafka.bootstrap_server");
  EXPECT_THAT(err->message, HasSubstr("unknown configuration key 'kafka.bootstrap_server'"));
}

TEST_F(ConfigTest, UnknownTopLevelSectionIsNamed) {
  auto err = schema_.ApplyYaml("kafak:\n  partitions: 3\n", "test.yaml");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->key, "kafak");
}

TEST_F(ConfigTest, WrongTypeNamesKeyAndExpectation) {
  auto err = schema_.ApplyYaml("kafka:\n  partitions: many\n", "test.yaml");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->key, "kafka.partitions");
  EXPECT_THAT(err->message, HasSubstr("expected an integer between 1 and 100"));

  err = schema_.ApplyYaml("kafka:\n  bootstrap_servers: [a, b]\n", "test.yaml");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->key, "kafka.bootstrap_servers");

  err = schema_.ApplyYaml("kafka:\n  input_topics: {a: 1}\n", "test.yaml");
  ASSERT_TRUE(err);
  EXPECT_THAT(err->message, HasSubstr("expected a list of strings"));
}

TEST_F(ConfigTest, OutOfRangeAndBadEnumAreRejected) {
  auto err = schema_.ApplyText("kafka.partitions", "0", "flag");
  ASSERT_TRUE(err);
  EXPECT_THAT(err->message, HasSubstr("between 1 and 100"));
  err = schema_.ApplyText("log.format", "xml", "flag");
  ASSERT_TRUE(err);
  EXPECT_THAT(err->message, HasSubstr("one of: text, json"));
  err = schema_.ApplyText("dedupe.ratio", "1.5", "flag");
  ASSERT_TRUE(err);
  err = schema_.ApplyText("kafka.create_topics", "maybe", "flag");
  ASSERT_TRUE(err);
  EXPECT_THAT(err->message, HasSubstr("boolean"));
  EXPECT_EQ(o_.partitions, 6) << "a rejected value must not change the field";
}

TEST_F(ConfigTest, EnvironmentOverridesFileAndFlagsOverrideEnvironment) {
  std::string path = ::testing::TempDir() + "/config_test.yaml";
  std::ofstream(path) << "kafka:\n  partitions: 3\n  bootstrap_servers: file:1\n";
  ASSERT_FALSE(LoadArgs(
      {"--config", path.c_str(), "--kafka.bootstrap_servers=flag:1"},
      {{"NEWSFLOW_KAFKA_PARTITIONS", "4"}, {"NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS", "env:1"}}));
  EXPECT_EQ(o_.partitions, 4);
  EXPECT_EQ(o_.servers, "flag:1");
  EXPECT_EQ(command_line_.config_path, path);
}

TEST_F(ConfigTest, FlagForms) {
  ASSERT_FALSE(LoadArgs({"--kafka.partitions", "9", "--set", "kafka.input_topics=a, b", "--set",
                         "kafka.properties.sasl.mechanism=PLAIN"}));
  EXPECT_EQ(o_.partitions, 9);
  EXPECT_THAT(o_.topics, ::testing::ElementsAre("a", "b"));
  EXPECT_EQ(o_.properties["sasl.mechanism"], "PLAIN");
}

TEST_F(ConfigTest, BadEnvironmentValueNamesTheVariable) {
  auto err = LoadArgs({}, {{"NEWSFLOW_KAFKA_PARTITIONS", "lots"}});
  ASSERT_TRUE(err);
  EXPECT_EQ(err->key, "kafka.partitions");
  EXPECT_THAT(err->message, HasSubstr("NEWSFLOW_KAFKA_PARTITIONS"));
}

TEST_F(ConfigTest, RequiredKeyMustNotBeEmpty) {
  auto err = LoadArgs({"--kafka.bootstrap_servers="});
  ASSERT_TRUE(err);
  EXPECT_EQ(err->key, "kafka.bootstrap_servers");
  EXPECT_THAT(err->message, HasSubstr("non-empty"));
}

TEST_F(ConfigTest, MissingConfigFileIsAnError) {
  auto err = LoadArgs({"--config", "/nonexistent/newsflow.yaml"});
  ASSERT_TRUE(err);
  EXPECT_EQ(err->key, "--config");
}

TEST_F(ConfigTest, MalformedYamlIsAnError) {
  auto err = schema_.ApplyYaml("kafka: [unclosed\n", "bad.yaml");
  ASSERT_TRUE(err);
  EXPECT_THAT(err->message, HasSubstr("cannot parse bad.yaml"));
}

TEST_F(ConfigTest, SecretsNeverAppearInHelpDumpOrErrors) {
  ASSERT_FALSE(LoadArgs({"--push.token=hunter2", "--set", "kafka.properties.sasl.password=pw"}));
  EXPECT_EQ(o_.token, "hunter2");
  EXPECT_THAT(schema_.Dump(), ::testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(schema_.Dump(), ::testing::Not(HasSubstr("=pw")));
  EXPECT_THAT(schema_.Help(), ::testing::Not(HasSubstr("hunter2")));
}

TEST_F(ConfigTest, EnvNameMapping) {
  EXPECT_EQ(Schema::EnvName("kafka.bootstrap_servers"), "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS");
  EXPECT_EQ(Schema::EnvName("http.port-file"), "NEWSFLOW_HTTP_PORT_FILE");
}

TEST_F(ConfigTest, HelpAndVersionStopBeforeLoadingFile) {
  ASSERT_FALSE(LoadArgs({"--help", "--config", "/nonexistent"}));
  EXPECT_TRUE(command_line_.help);
}

}  // namespace
}  // namespace newsflow::config
