#include "tests/support/mock_kafka_cluster.h"

namespace newsflow::testing {

std::unique_ptr<MockKafkaCluster> MockKafkaCluster::Create(const std::vector<std::string>& topics,
                                                           std::string* error) {
  auto conf = kafka::MakeConf({{"log_level", "0"}}, error);
  if (!conf) return nullptr;
  char errstr[512];
  std::unique_ptr<MockKafkaCluster> mock(new MockKafkaCluster());
  mock->owner_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), errstr, sizeof(errstr)));
  if (!mock->owner_) {
    *error = errstr;
    return nullptr;
  }
  mock->cluster_ = rd_kafka_mock_cluster_new(mock->owner_.get(), 1);
  if (mock->cluster_ == nullptr) {
    *error = "rd_kafka_mock_cluster_new failed";
    return nullptr;
  }
  mock->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock->cluster_);
  for (const auto& topic : topics) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock->cluster_, topic.c_str(), 1, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      *error = "creating mock topic " + topic + ": " + rd_kafka_err2str(err);
      return nullptr;
    }
  }
  return mock;
}

MockKafkaCluster::~MockKafkaCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
}

bool MockKafkaCluster::Produce(const std::string& topic, const std::vector<std::string>& values,
                               std::string* error) const {
  auto conf = kafka::MakeConf({{"bootstrap.servers", bootstrap_}}, error);
  if (!conf) return false;
  char errstr[512];
  kafka::Handle producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), errstr, sizeof(errstr)));
  if (!producer) {
    *error = errstr;
    return false;
  }
  for (const auto& value : values) {
    rd_kafka_resp_err_t err =
        rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      *error = std::string("producing to ") + topic + ": " + rd_kafka_err2str(err);
      return false;
    }
  }
  rd_kafka_resp_err_t err = rd_kafka_flush(producer.get(), 10000);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = std::string("flushing to ") + topic + ": " + rd_kafka_err2str(err);
    return false;
  }
  return true;
}

}  // namespace newsflow::testing
