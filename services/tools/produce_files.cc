// newsflow-produce-files: wraps plain-text article files as RawArticle records and produces them
// to a topic (news.raw by default). A stop-gap source for the quickstart and load tests until the
// ingest daemon's file source lands; ids are content hashes, so re-running is idempotent
// downstream of deduplication.

#include <google/protobuf/util/time_util.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "newsflow/v1/raw_article.pb.h"
#include "services/core/runtime/kafka.h"

namespace {

// FNV-1a 64: stable, dependency-free content id for fixtures.
std::string ContentId(const std::string& bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char out[17];
  snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic = "news.raw";
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--bootstrap" && i + 1 < argc) {
      bootstrap = argv[++i];
    } else if (arg == "--topic" && i + 1 < argc) {
      topic = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::cout << "usage: newsflow-produce-files [--bootstrap HOST:PORT] [--topic T] FILE...\n";
      return 0;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << "newsflow-produce-files: no files given\n";
    return 2;
  }
  std::string error;
  auto conf = newsflow::kafka::MakeConf(
      {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}}, &error);
  if (!conf) {
    std::cerr << error << "\n";
    return 2;
  }
  char errstr[512];
  newsflow::kafka::Handle producer(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), errstr, sizeof(errstr)));
  if (!producer) {
    std::cerr << errstr << "\n";
    return 1;
  }
  int produced = 0;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << path << "\n";
      return 1;
    }
    std::stringstream content;
    content << in.rdbuf();
    newsflow::v1::RawArticle article;
    article.set_article_id(ContentId(content.str()));
    article.set_source_name(std::filesystem::path(path).filename().string());
    article.set_source_kind(newsflow::v1::RawArticle::SOURCE_KIND_FILE);
    article.set_content(content.str());
    article.set_content_type("text/plain; charset=utf-8");
    *article.mutable_fetched_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    std::string value = article.SerializeAsString();
    const std::string& key = article.article_id();
    rd_kafka_resp_err_t err =
        rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                          RD_KAFKA_V_VALUE(value.data(), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err) {
      std::cerr << "produce failed: " << rd_kafka_err2str(err) << "\n";
      return 1;
    }
    ++produced;
    std::cout << key << "  " << path << "\n";
  }
  if (rd_kafka_flush(producer.get(), 30000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::cerr << "not every record was acknowledged within 30 s\n";
    return 1;
  }
  std::cerr << "produced " << produced << " article(s) to " << topic << "\n";
  return 0;
}
