#include "services/ingest/fetcher.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

namespace newsflow::ingest {
namespace {

TEST(FetcherTest, PrivateAddresses) {
  for (const char* ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                         "169.254.169.254", "0.0.0.0", "100.64.0.1", "::1", "::", "fc00::1",
                         "fd12::1", "fe80::1", "::ffff:127.0.0.1", "not-an-ip"}) {
    EXPECT_TRUE(IsPrivateAddress(ip)) << ip;
  }
  for (const char* ip :
       {"8.8.8.8", "172.32.0.1", "192.169.0.1", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(IsPrivateAddress(ip)) << ip;
  }
}

class LocalServer {
 public:
  LocalServer() {
    server_.Get("/feed.xml", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<rss/>", "application/rss+xml");
    });
    server_.Get("/hop", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/feed.xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(FetcherTest, LoopbackIsRefusedUnlessAllowed) {
  LocalServer server;
  FetchOptions options;
  options.timeout_ms = 5000;
  FetchResult refused = Fetch(server.Url("/feed.xml"), "", "", options);
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.error_kind, "private_address");
  EXPECT_TRUE(refused.body.empty());

  options.allow_private_addresses = true;
  FetchResult allowed = Fetch(server.Url("/hop"), "", "", options);
  EXPECT_EQ(allowed.status, 200) << allowed.error;
  EXPECT_EQ(allowed.body, "<rss/>");
  EXPECT_EQ(allowed.effective_url, server.Url("/feed.xml"));
}

TEST(FetcherTest, OnlyHttpSchemes) {
  FetchOptions options;
  options.allow_private_addresses = true;
  FetchResult result = Fetch("file:///etc/passwd", "", "", options);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error_kind, "protocol");
  EXPECT_TRUE(result.body.empty());
}

}  // namespace
}  // namespace newsflow::ingest
