// What the stage loop writes for a stage's records, read back from librdkafka's mock cluster:
// every record's topic, key, value and headers (the stage's own, then newsflow-version,
// newsflow-stage, newsflow-components), in order, with the loop's StageResult reused from input to
// input and records produced through cached topic handles. No faults are injected, so the mock's
// missing read_committed does not matter here.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "services/core/runtime/stage_loop.h"
#include "tests/support/mock_kafka_cluster.h"

namespace newsflow {
namespace {

constexpr int kInputs = 30;

// Input i -> "a" (key a<i>, content-type header, a value growing then shrinking with i), and for
// even i also "b" (no headers) before it; every seventh input is a dead letter. Alternates Add
// and Emit so that recycled records meet records built either way.
class ShapeStage : public Stage {
 public:
  std::string_view Name() const override { return "shape"; }
  std::vector<Component> Components() const override { return {{"rules", "7"}}; }
  void Process(const InputRecord& input, StageResult* result) override {
    const int i = std::stoi(std::string(input.value));
    if (i % 7 == 3) {
      result->Add("a", "dropped").value = "must not be produced";
      result->Reject("bad_input", "input " + std::to_string(i));
      return;
    }
    if (i % 2 == 0) result->Emit("b", "b" + std::to_string(i), "even " + std::to_string(i));
    OutputRecord& a = result->Add("a", "a" + std::to_string(i), {{"content-type", "text/plain"}});
    a.value.assign(static_cast<size_t>(1 + (i * 37) % 300), static_cast<char>('a' + i % 26));
  }
};

struct Read {
  std::string key, value;
  Headers headers;
};

// Reads `topic` until `expected` records came (or 20 s passed), then half a second more so that
// a record too many shows.
std::vector<Read> ReadTopic(const std::string& bootstrap, const std::string& topic,
                            size_t expected) {
  std::string error;
  kafka::Conf conf = kafka::MakeConf(
      {{"bootstrap.servers", bootstrap}, {"group.id", "reader-" + topic}, {"log_level", "3"}},
      &error);
  char errstr[512];
  kafka::Handle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), errstr, sizeof(errstr)));
  kafka::TopicPartitionList partitions(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(consumer.get(), partitions.get());
  std::vector<Read> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool complete = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!complete && out.size() >= expected) {
      complete = true;
      deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    }
    kafka::Message msg(rd_kafka_consumer_poll(consumer.get(), 100));
    if (!msg || msg->err) continue;
    Read r;
    r.key.assign(static_cast<const char*>(msg->key), msg->key_len);
    r.value.assign(static_cast<const char*>(msg->payload), msg->len);
    r.headers = kafka::ReadHeaders(msg.get());
    out.push_back(std::move(r));
  }
  rd_kafka_consumer_close(consumer.get());
  return out;
}

TEST(StageLoopOutputTest, EveryRecordIsProducedWithItsHeadersInOrder) {
  std::string error;
  auto mock = testing::MockKafkaCluster::Create({"in", "a", "b", "dlq"}, &error);
  ASSERT_TRUE(mock) << error;
  std::vector<std::string> values;
  for (int i = 0; i < kInputs; ++i) values.push_back(std::to_string(i));
  ASSERT_TRUE(mock->Produce("in", values, &error)) << error;

  LoopOptions options;
  options.stage = "shape";
  options.instance_id = "output-test";
  options.kafka_properties = {{"bootstrap.servers", mock->bootstrap()}, {"log_level", "3"}};
  options.group_id = "output-group";
  options.input_topics = {"in"};
  options.dlq_topic = "dlq";
  options.transaction_max_messages = 8;
  options.lag_refresh_ms = 100000;
  options.newsflow_version = "1.2.3+test";
  ShapeStage stage;
  LoopProbe probe;
  StageLoop loop(options, &stage, &probe);
  ASSERT_FALSE(loop.Start());
  std::atomic<bool> stop{false}, reload{false};
  int status = -1;
  std::thread runner([&] { status = loop.Run(stop, reload); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         probe.transactions_committed.load() * 8 < static_cast<uint64_t>(kInputs)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  runner.join();
  ASSERT_EQ(status, 0);
  ASSERT_EQ(probe.consumed.load(), static_cast<uint64_t>(kInputs));

  const Headers loop_headers = {{"newsflow-version", "1.2.3+test"},
                                {"newsflow-stage", "shape"},
                                {"newsflow-components", "rules=7"}};
  std::vector<Read> want_a, want_b;
  size_t dead = 0;
  for (int i = 0; i < kInputs; ++i) {
    if (i % 7 == 3) {
      ++dead;
      continue;
    }
    if (i % 2 == 0) want_b.push_back({"b" + std::to_string(i), "even " + std::to_string(i), {}});
    Read a{"a" + std::to_string(i),
           std::string(static_cast<size_t>(1 + (i * 37) % 300), static_cast<char>('a' + i % 26)),
           {{"content-type", "text/plain"}}};
    want_a.push_back(std::move(a));
  }
  for (auto* want : {&want_a, &want_b}) {
    for (auto& r : *want)
      r.headers.insert(r.headers.end(), loop_headers.begin(), loop_headers.end());
  }
  for (const auto& [topic, want] : {std::pair{std::string("a"), want_a}, {"b", want_b}}) {
    const std::vector<Read> got = ReadTopic(mock->bootstrap(), topic, want.size());
    ASSERT_EQ(got.size(), want.size()) << topic;
    for (size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(got[k].key, want[k].key) << topic << " " << k;
      EXPECT_EQ(got[k].value, want[k].value) << topic << " " << k;
      EXPECT_EQ(got[k].headers, want[k].headers) << topic << " " << k;
    }
  }
  const std::vector<Read> dlq = ReadTopic(mock->bootstrap(), "dlq", dead);
  ASSERT_EQ(dlq.size(), dead);
  for (const auto& r : dlq) {
    ASSERT_FALSE(r.headers.empty());
    EXPECT_EQ(r.headers[0],
              (std::pair<std::string, std::string>{"newsflow-dlq-reason", "bad_input"}));
  }
}

}  // namespace
}  // namespace newsflow
