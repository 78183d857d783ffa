#pragma once

// The daemon's HTTP endpoint: /metrics, /healthz, /readyz, plus routes a daemon adds (ingest's
// push endpoint). Runs on its own threads; handlers must be thread-safe.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace newsflow {

class HttpServer {
 public:
  // Answers /readyz: nullopt when ready, else why not.
  using ReadinessCheck = std::function<std::optional<std::string>()>;
  using MetricsText = std::function<std::string()>;

  HttpServer(MetricsText metrics, ReadinessCheck readiness);
  ~HttpServer();  // stops the server

  // The underlying server, to add routes before Start().
  httplib::Server& server() { return *server_; }

  // Binds `address:port` (port 0 picks a free one) and serves in a background thread.
  // Returns the bound port, or nullopt with `*error` set.
  std::optional<int> Start(const std::string& address, int port, std::string* error);
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace newsflow
