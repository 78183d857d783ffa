// newsflow-push-load: a load generator for ingest's push endpoint on loopback. N client threads
// POST NDJSON batches of distinct articles as fast as the endpoint answers and report accepted
// articles/s and the status codes seen (202 only after the broker committed the records).
//
//   newsflow-push-load --port P [--token T] [--threads 4] [--batch 50] [--articles 20000]

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  int port = 9101, threads = 4, batch = 50;
  long articles = 20000;
  std::string token, host = "127.0.0.1";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port")
      port = std::stoi(value);
    else if (flag == "--host")
      host = value;
    else if (flag == "--token")
      token = value;
    else if (flag == "--threads")
      threads = std::stoi(value);
    else if (flag == "--batch")
      batch = std::stoi(value);
    else if (flag == "--articles")
      articles = std::stol(value);
    else {
      std::fprintf(stderr, "newsflow-push-load: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const std::string run =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::atomic<long> next{0}, accepted{0};
  std::mutex mu;
  std::map<int, long> statuses;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      httplib::Client client(host, port);
      client.set_read_timeout(60, 0);
      httplib::Headers headers;
      if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
      while (true) {
        long first = next.fetch_add(batch);
        if (first >= articles) break;
        long last = std::min(articles, first + batch);
        std::string body;
        for (long i = first; i < last; ++i) {
          std::string n = std::to_string(i);
          body += "{\"url\":\"https://load.example/" + run + "/" + n + "\",\"title\":\"Load " + n +
                  "\",\"body\":\"Harbor Robotics said on Tuesday it raised money, article " + n +
                  ".\"}\n";
        }
        auto response = client.Post("/v1/articles", headers, body, "application/x-ndjson");
        int status = response ? response->status : 0;
        {
          std::lock_guard<std::mutex> lock(mu);
          statuses[status]++;
        }
        if (status == 202) {
          accepted += last - first;
        } else if (status == 429 || status == 503) {
          // Counted, not retried: the figure is what the endpoint accepted.
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "{\"articles\":%ld,\"accepted\":%ld,\"seconds\":%.2f,\"accepted_per_s\":%.0f,"
      "\"threads\":%d,\"batch\":%d,\"statuses\":{",
      articles, accepted.load(), seconds, accepted / seconds, threads, batch);
  bool first = true;
  for (const auto& [status, count] : statuses) {
    std::printf("%s\"%d\":%ld", first ? "" : ",", status, count);
    first = false;
  }
  std::printf("}}\n");
  return 0;
}
