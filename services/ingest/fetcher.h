#pragma once

// HTTP(S) GET for feeds and article pages over libcurl: conditional requests, gzip/deflate,
// bounded redirects (http and https only), timeouts, a size cap on the decoded body (a gzip bomb
// stops at the cap), and a polite User-Agent. Thread-safe: each call uses its own handle.

#include <cstdint>
#include <string>

namespace newsflow::ingest {

struct FetchOptions {
  std::string user_agent = "newsflow/0.1 (+https://github.com/newsflow; news ingestion)";
  int64_t timeout_ms = 20000;  // whole transfer
  int64_t connect_timeout_ms = 5000;
  int64_t max_body_bytes = 16 << 20;  // decoded; larger bodies fail with "body too large"
  int max_redirects = 5;
  // Connections to loopback, private, link-local and unique-local addresses (also after a
  // redirect) are refused unless this is set: a feed URL must not reach into the internal
  // network. Default: false.
  bool allow_private_addresses = false;
};

// Whether `ip` (textual IPv4 or IPv6) is loopback, private, link-local, unique-local or
// unspecified.
bool IsPrivateAddress(const std::string& ip);

struct FetchResult {
  int status = 0;     // HTTP status; 0 when no response (see error)
  std::string error;  // transport error ("timeout", "body too large", curl's message)
  // Metric label: "timeout", "connect", "too_large", "tls", "protocol", "redirects",
  // "private_address", "other".
  std::string error_kind;
  std::string body;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string effective_url;         // after redirects
  int64_t retry_after_seconds = -1;  // from Retry-After (seconds or HTTP date), -1 when absent
};

// GET `url`, sending If-None-Match / If-Modified-Since when `etag` / `last_modified` are set.
FetchResult Fetch(const std::string& url, const std::string& etag, const std::string& last_modified,
                  const FetchOptions& options);

// Initializes libcurl once per process (call before starting threads).
void InitFetcher();

}  // namespace newsflow::ingest
