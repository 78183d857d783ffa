#include <gtest/gtest.h>

#include "tests/support/kafka_test_client.h"

// One real broker for the whole binary: starting Kafka costs seconds, topics keep tests apart.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  newsflow::testing::InstallSharedKafkaEnvironment();
  return RUN_ALL_TESTS();
}
