#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/kafka_test_client.h"

// One real broker for the whole binary: starting Kafka costs seconds, topics keep tests apart.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // NEWSFLOW_BROKER_TESTS (a gtest filter) picks the tests of the broker suite alone, so
  // scripts/test.sh can split it between the plain and the sanitizer runs without filtering the
  // other test programs ctest runs (GTEST_FILTER would reach them all).
#ifdef NEWSFLOW_BROKER_SUITE
  if (const char* filter = std::getenv("NEWSFLOW_BROKER_TESTS")) GTEST_FLAG_SET(filter, filter);
#endif
  newsflow::testing::InstallSharedKafkaEnvironment();
  return RUN_ALL_TESTS();
}
