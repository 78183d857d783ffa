#include "services/core/runtime/http_server.h"

#include <httplib.h>

#include <chrono>

namespace newsflow {

HttpServer::HttpServer(MetricsText metrics, ReadinessCheck readiness)
    : server_(std::make_unique<httplib::Server>()) {
  server_->Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}\n", "application/json");
  });
  server_->Get("/readyz", [readiness](const httplib::Request&, httplib::Response& res) {
    if (auto why = readiness()) {
      res.status = 503;
      std::string escaped;
      for (char c : *why) {
        if (c == '"' || c == '\\') escaped += '\\';
        escaped += c;
      }
      res.set_content("{\"status\":\"not ready\",\"reason\":\"" + escaped + "\"}\n",
                      "application/json");
    } else {
      res.set_content("{\"status\":\"ready\"}\n", "application/json");
    }
  });
}

HttpServer::~HttpServer() { Stop(); }

std::optional<int> HttpServer::Start(const std::string& address, int port, std::string* error) {
  int bound = port == 0 ? server_->bind_to_any_port(address) : port;
  if (port != 0 && !server_->bind_to_port(address, port)) bound = -1;
  if (bound < 0) {
    *error = "cannot listen on " + address + ":" + std::to_string(port);
    return std::nullopt;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // listen_after_bind flips is_running() once it accepts; stop() before that would be lost.
  for (int i = 0; i < 1000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return bound;
}

void HttpServer::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

}  // namespace newsflow
