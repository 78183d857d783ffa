// newsflow-tail: prints the committed records of a newsflow topic as JSON lines, decoding the
// protobuf by --type (raw, article, tagged, dead-letter), or printing JSON records as they are
// (json). For the quickstart and for debugging.

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/dead_letter.pb.h"
#include "newsflow/v1/raw_article.pb.h"
#include "newsflow/v1/tagged_article.pb.h"
#include "services/core/runtime/kafka.h"

int main(int argc, char** argv) {
  std::string bootstrap = "127.0.0.1:9092", topic, type = "article";
  long count = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--bootstrap")
      bootstrap = argv[i + 1];
    else if (flag == "--topic")
      topic = argv[i + 1];
    else if (flag == "--type")
      type = argv[i + 1];
    else if (flag == "--count")
      count = std::stol(argv[i + 1]);
  }
  std::unique_ptr<google::protobuf::Message> message;
  if (type == "raw")
    message = std::make_unique<newsflow::v1::RawArticle>();
  else if (type == "article")
    message = std::make_unique<newsflow::v1::Article>();
  else if (type == "tagged")
    message = std::make_unique<newsflow::v1::TaggedArticle>();
  else if (type == "dead-letter")
    message = std::make_unique<newsflow::v1::DeadLetter>();
  const bool verbatim = type == "json";  // downstream topics carry JSON already
  if (topic.empty() || (!message && !verbatim)) {
    std::cerr << "usage: newsflow-tail --topic T [--type raw|article|tagged|dead-letter|json] "
                 "[--count N] [--bootstrap HOST:PORT]\n";
    return 2;
  }
  std::string error;
  auto conf = newsflow::kafka::MakeConf({{"bootstrap.servers", bootstrap},
                                         {"group.id", "newsflow-tail"},
                                         {"isolation.level", "read_committed"},
                                         {"enable.auto.commit", "false"},
                                         {"auto.offset.reset", "earliest"}},
                                        &error);
  char errstr[512];
  newsflow::kafka::Handle consumer(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), errstr, sizeof(errstr)));
  if (!consumer) return 1;
  newsflow::kafka::TopicPartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer.get(), topics.get());
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  long printed = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((count < 0 || printed < count) && std::chrono::steady_clock::now() < deadline) {
    newsflow::kafka::Message msg(rd_kafka_consumer_poll(consumer.get(), 200));
    if (!msg || msg->err) continue;
    if (verbatim) {
      std::cout << std::string_view(static_cast<const char*>(msg->payload), msg->len) << "\n";
    } else if (!message->ParseFromArray(msg->payload, static_cast<int>(msg->len))) {
      std::cout << "{\"error\":\"undecodable record\"}\n";
    } else {
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(*message, &json, options);
      std::cout << json << "\n";
    }
    ++printed;
  }
  rd_kafka_consumer_close(consumer.get());
  return count < 0 || printed == count ? 0 : 1;
}
