// newsflow-load: offers a corpus to a topic at a fixed rate (or as fast as possible) and measures
// what comes out of another topic: sustained articles/s, MB/s, and end-to-end latency
// percentiles (produce time -> committed at the output). Run by scripts/load.sh against the
// pipeline and against a chain of pass-through daemons on the same broker (the baseline).
//
//   newsflow-load --bootstrap B --in news.raw --out news.enriched --count 5000 [--rate 1000]
//                 [--corpus ../shared/corpus/wikinews.jsonl] [--label pipeline] [--timeout S]
//                 [--trace FILE] [--resume-pids PID,PID...]
//
// --resume-pids measures a chain draining a backlog: the caller has stopped the chain's daemons
// (SIGSTOP); the tool produces every article, then sends them SIGCONT, and times from that moment
// to the last arrival ("drain_articles_per_s"). So the chain has the machine to itself and the
// tool's own producing does not weigh on it (it did, on the pass-through chain above all: its
// run was about as long as the producing).
//
// --trace writes one line per article received: seconds from the first send to its send, and its
// latency in ms (to see whether a percentile comes from a few stalls or from the whole run).
//
// "articles_per_s" is everything received over the time from the first send to the last
// arrival; "sustained_articles_per_s" counts only the middle 80% of arrivals (10th to 90th
// percentile of arrival times), so the start (group fetches, the first transaction) and the
// drain of the last batch do not weigh on a short run.
//
// Each article gets a unique id ("load-RUN-N", RUN printed with the results) and a unique last
// line, so duplicate detection lets every one through. Prints one JSON object with the results.

#include <signal.h>
#include <simdjson.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "newsflow/v1/raw_article.pb.h"
#include "services/core/runtime/kafka.h"

namespace newsflow {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> LoadBodies(const std::string& path) {
  std::vector<std::string> bodies;
  std::ifstream in(path);
  std::string line;
  simdjson::ondemand::parser parser;
  while (std::getline(in, line)) {
    simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc)) continue;
    std::string_view title, body;
    if (doc["title"].get_string().get(title)) title = {};
    if (doc["body"].get_string().get(body)) continue;
    bodies.push_back(std::string(title) + "\n\n" + std::string(body));
  }
  if (bodies.empty()) {
    bodies.push_back(
        "Harbor Robotics raises money\n\nHarbor Robotics said on Tuesday it raised $40 million "
        "to build warehouse robots, chief executive Lena Vos said in Rotterdam.");
  }
  return bodies;
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  size_t index = static_cast<size_t>(p * (values.size() - 1));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

// Arrivals per second between the 10th and the 90th percentile of arrival times; 0 when too few
// arrived to tell.
double SustainedRate(std::vector<double> arrival_seconds) {
  if (arrival_seconds.size() < 20) return 0;
  std::sort(arrival_seconds.begin(), arrival_seconds.end());
  size_t first = arrival_seconds.size() / 10, last = arrival_seconds.size() * 9 / 10;
  double span = arrival_seconds[last] - arrival_seconds[first];
  return span > 0 ? static_cast<double>(last - first) / span : 0;
}

constexpr char kUsage[] =
    "usage: newsflow-load --bootstrap HOST:PORT --in TOPIC --out TOPIC [--count N] [--rate R]\n"
    "                     [--corpus FILE] [--label L] [--timeout S] [--trace FILE]\n"
    "                     [--resume-pids PID,PID...]\n"
    "Offers N articles to --in (at R per second, or as fast as possible without --rate) and\n"
    "reads them back from --out; prints one JSON line of throughput and latency.\n";

int Main(int argc, char** argv) {
  std::string bootstrap = "127.0.0.1:9092", in_topic = "news.raw", out_topic = "news.enriched";
  std::string corpus = "../shared/corpus/wikinews.jsonl", label = "run", trace_path;
  std::vector<pid_t> resume_pids;
  long count = 2000;
  double rate = 0;
  int timeout_s = 300;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (i + 1 == argc) {
      std::cerr << "newsflow-load: " << flag << " needs a value\n" << kUsage;
      return 2;
    }
    std::string value = argv[i + 1];
    if (flag == "--bootstrap")
      bootstrap = value;
    else if (flag == "--in")
      in_topic = value;
    else if (flag == "--out")
      out_topic = value;
    else if (flag == "--corpus")
      corpus = value;
    else if (flag == "--count")
      count = std::stol(value);
    else if (flag == "--rate")
      rate = std::stod(value);
    else if (flag == "--label")
      label = value;
    else if (flag == "--resume-pids") {
      for (size_t begin = 0; begin < value.size();) {
        size_t end = value.find(',', begin);
        if (end == std::string::npos) end = value.size();
        resume_pids.push_back(static_cast<pid_t>(std::stol(value.substr(begin, end - begin))));
        begin = end + 1;
      }
    } else if (flag == "--trace")
      trace_path = value;
    else if (flag == "--timeout")
      timeout_s = std::stoi(value);
    else {
      std::cerr << "newsflow-load: unknown flag " << flag << "\n" << kUsage;
      return 2;
    }
  }
  const auto bodies = LoadBodies(corpus);
  const std::string run =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());

  std::string error;
  // The consumer starts first (at the end of the output topic) so no output is missed.
  auto consumer_conf = kafka::MakeConf({{"bootstrap.servers", bootstrap},
                                        {"group.id", "newsflow-load-" + run},
                                        {"isolation.level", "read_committed"},
                                        {"enable.auto.commit", "false"},
                                        {"auto.offset.reset", "latest"}},
                                       &error);
  char errstr[512];
  kafka::Handle consumer(
      rd_kafka_new(RD_KAFKA_CONSUMER, consumer_conf.release(), errstr, sizeof(errstr)));
  kafka::TopicPartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), out_topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer.get(), topics.get());
  // Wait for the assignment so "latest" is resolved before anything is produced.
  for (int i = 0; i < 100; ++i) {
    kafka::Message m(rd_kafka_consumer_poll(consumer.get(), 100));
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(consumer.get(), &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      bool ready = assigned->cnt > 0;
      rd_kafka_topic_partition_list_destroy(assigned);
      if (ready) break;
    }
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));

  std::mutex mu;
  std::unordered_map<std::string, Clock::time_point> sent;
  std::vector<double> latencies_ms;
  std::vector<double> arrival_seconds;
  std::vector<double> send_seconds;  // of each received article, in the order of latencies_ms
  Clock::time_point start;  // set before the first send, read by the reader only after a match
  std::atomic<long> received{0};
  std::atomic<bool> done{false};
  Clock::time_point last_received = Clock::now();
  std::thread reader([&] {
    while (!done) {
      kafka::Message m(rd_kafka_consumer_poll(consumer.get(), 100));
      if (!m || m->err) continue;
      std::string key(static_cast<const char*>(m->key), m->key_len);
      auto now = Clock::now();
      std::lock_guard<std::mutex> lock(mu);
      auto it = sent.find(key);
      if (it == sent.end()) continue;
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
      arrival_seconds.push_back(std::chrono::duration<double>(now - start).count());
      send_seconds.push_back(std::chrono::duration<double>(it->second - start).count());
      sent.erase(it);
      last_received = now;
      received++;
    }
  });

  auto producer_conf = kafka::MakeConf(
      {{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"linger.ms", "5"}},
      &error);
  kafka::Handle producer(
      rd_kafka_new(RD_KAFKA_PRODUCER, producer_conf.release(), errstr, sizeof(errstr)));
  int64_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    start = Clock::now();
  }
  for (long i = 0; i < count; ++i) {
    if (rate > 0) {
      auto due = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(i / rate));
      std::this_thread::sleep_until(due);
    }
    v1::RawArticle raw;
    std::string id = "load-" + run + "-" + std::to_string(i);
    raw.set_article_id(id);
    raw.set_source_name("load");
    raw.set_source_kind(v1::RawArticle::SOURCE_KIND_FILE);
    raw.set_content(bodies[i % bodies.size()] + "\n\nLoad reference " + id + ".");
    raw.set_content_type("text/plain; charset=utf-8");
    std::string value = raw.SerializeAsString();
    bytes += static_cast<int64_t>(value.size());
    {
      std::lock_guard<std::mutex> lock(mu);
      sent[id] = Clock::now();
    }
    while (rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(in_topic.c_str()),
                             RD_KAFKA_V_KEY(id.data(), id.size()),
                             RD_KAFKA_V_VALUE(value.data(), value.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer.get(), 10);
    }
    rd_kafka_poll(producer.get(), 0);
  }
  rd_kafka_flush(producer.get(), 30000);
  const auto produced = Clock::now();
  Clock::time_point resumed = produced;
  if (!resume_pids.empty()) {
    resumed = Clock::now();  // this thread's alone: the reader only stamps arrivals
    for (pid_t pid : resume_pids) {
      if (kill(pid, SIGCONT) != 0) std::cerr << "newsflow-load: cannot resume pid " << pid << "\n";
    }
  }
  auto deadline = produced + std::chrono::seconds(timeout_s);
  while (received < count && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard<std::mutex> lock(mu);
    if (Clock::now() - last_received > std::chrono::seconds(60) && received > 0) break;
  }
  done = true;
  reader.join();
  rd_kafka_consumer_close(consumer.get());
  std::lock_guard<std::mutex> lock(mu);
  if (!trace_path.empty()) {
    std::ofstream trace(trace_path);
    for (size_t i = 0; i < latencies_ms.size(); ++i) {
      trace << send_seconds[i] << ' ' << latencies_ms[i] << '\n';
    }
  }
  double seconds = std::chrono::duration<double>(last_received - start).count();
  double produce_seconds = std::chrono::duration<double>(produced - start).count();
  // Without --resume-pids the chain ran while the articles were produced: no drain figure.
  double drain_rate = 0;
  if (!resume_pids.empty() && last_received > resumed) {
    drain_rate = received.load() / std::chrono::duration<double>(last_received - resumed).count();
  }
  std::printf(
      "{\"label\":\"%s\",\"run\":\"%s\",\"offered\":%ld,\"offered_rate\":%.0f,\"received\":%ld,"
      "\"seconds\":%.2f,\"produce_seconds\":%.2f,\"articles_per_s\":%.1f,"
      "\"sustained_articles_per_s\":%.1f,\"drain_articles_per_s\":%.1f,\"mb_per_s\":%.2f,"
      "\"latency_ms\":{\"p50\":%.1f,\"p95\":%.1f,\"p99\":%.1f,\"max\":%.1f}}\n",
      label.c_str(), run.c_str(), count, rate, received.load(), seconds, produce_seconds,
      received.load() / std::max(seconds, 1e-9), SustainedRate(arrival_seconds), drain_rate,
      bytes / 1e6 / std::max(seconds, 1e-9), Percentile(latencies_ms, 0.50),
      Percentile(latencies_ms, 0.95), Percentile(latencies_ms, 0.99),
      Percentile(latencies_ms, 1.0));
  return received == count ? 0 : 1;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
