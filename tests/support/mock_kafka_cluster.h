#pragma once

// librdkafka's mock cluster for the robustness tier's fault-injection tests. It does not model
// read_committed (aborted records show through), so tests on it assert on the stage loop's
// decisions and committed offsets, never on output exactness; exactly-once is proven against the
// real broker in tests/integration.

// clang-format off
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
// clang-format on

#include <memory>
#include <string>
#include <vector>

#include "services/core/runtime/kafka.h"

namespace newsflow::testing {

// One mock broker with single-partition topics. Owns the client handle the cluster lives in and
// destroys the cluster before it. Not thread-safe; error injection through cluster() is.
class MockKafkaCluster {
 public:
  // Null (and `*error` set) if librdkafka cannot create the cluster or a topic.
  static std::unique_ptr<MockKafkaCluster> Create(const std::vector<std::string>& topics,
                                                  std::string* error);
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  rd_kafka_mock_cluster_t* cluster() const { return cluster_; }

  // Produces `values` to `topic` (no key, non-transactional) and waits for delivery. False and
  // `*error` set if a record could not be queued or the flush timed out.
  bool Produce(const std::string& topic, const std::vector<std::string>& values,
               std::string* error) const;

 private:
  MockKafkaCluster() = default;
  kafka::Handle owner_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

}  // namespace newsflow::testing
