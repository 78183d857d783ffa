#include "services/ingest/fetcher.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <memory>

#include "services/core/time/datetime.h"

namespace newsflow::ingest {
namespace {

struct Transfer {
  FetchResult* result;
  int64_t max_bytes;
  bool too_large = false;
  bool allow_private = false;
  bool refused_private = false;
};

// Runs once per connection (including each redirect's) after the address is known and before
// the request is sent.
int OnPrerequest(void* user, char* primary_ip, char*, int, int) {
  auto* transfer = static_cast<Transfer*>(user);
  if (!transfer->allow_private && IsPrivateAddress(primary_ip ? primary_ip : "")) {
    transfer->refused_private = true;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (static_cast<int64_t>(transfer->result->body.size() + n) > transfer->max_bytes) {
    transfer->too_large = true;
    return 0;  // aborts the transfer
  }
  transfer->result->body.append(data, n);
  return n;
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* result = static_cast<Transfer*>(user)->result;
  std::string line(data, size * count);
  size_t colon = line.find(':');
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a redirect): headers of the previous one do not apply.
    result->etag.clear();
    result->last_modified.clear();
    result->retry_after_seconds = -1;
    return size * count;
  }
  if (colon == std::string::npos) return size * count;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string value = Trim(line.substr(colon + 1));
  if (name == "etag") {
    result->etag = value;
  } else if (name == "last-modified") {
    result->last_modified = value;
  } else if (name == "retry-after") {
    if (!value.empty() && std::all_of(value.begin(), value.end(), ::isdigit)) {
      result->retry_after_seconds = std::stoll(value.substr(0, 9));
    } else if (auto when = datetime::ParseDateTime(value)) {
      result->retry_after_seconds = std::max<int64_t>(0, *when - std::time(nullptr));
    }
  }
  return size * count;
}

}  // namespace

bool IsPrivateAddress(const std::string& ip) {
  unsigned char v6[16];
  unsigned char v4[4];
  if (inet_pton(AF_INET, ip.c_str(), v4) == 1) {
    return v4[0] == 127 || v4[0] == 10 || v4[0] == 0 || (v4[0] == 172 && (v4[1] & 0xF0) == 16) ||
           (v4[0] == 192 && v4[1] == 168) || (v4[0] == 169 && v4[1] == 254) ||
           (v4[0] == 100 && (v4[1] & 0xC0) == 64);  // carrier-grade NAT
  }
  if (inet_pton(AF_INET6, ip.c_str(), v6) == 1) {
    static const unsigned char kZero[16] = {};
    bool unspecified = std::memcmp(v6, kZero, 16) == 0;
    bool loopback = std::memcmp(v6, kZero, 15) == 0 && v6[15] == 1;
    bool mapped_v4 = std::memcmp(v6, kZero, 10) == 0 && v6[10] == 0xFF && v6[11] == 0xFF;
    if (mapped_v4) {
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, v6 + 12, text, sizeof(text));
      return IsPrivateAddress(text);
    }
    return unspecified || loopback || (v6[0] & 0xFE) == 0xFC ||
           (v6[0] == 0xFE && (v6[1] & 0xC0) == 0x80);
  }
  return true;  // not an address: refuse rather than guess
}

void InitFetcher() {
  static bool done = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)done;
}

FetchResult Fetch(const std::string& url, const std::string& etag, const std::string& last_modified,
                  const FetchOptions& options) {
  InitFetcher();
  FetchResult result;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    result.error = "curl_easy_init failed";
    result.error_kind = "other";
    return result;
  }
  Transfer transfer{&result, options.max_body_bytes};
  transfer.allow_private = options.allow_private_addresses;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, OnPrerequest);
  curl_easy_setopt(h, CURLOPT_PREREQDATA, &transfer);
  struct curl_slist* headers = nullptr;
  if (!etag.empty()) headers = curl_slist_append(headers, ("If-None-Match: " + etag).c_str());
  if (!last_modified.empty()) {
    headers = curl_slist_append(headers, ("If-Modified-Since: " + last_modified).c_str());
  }
  headers =
      curl_slist_append(headers,
                        "Accept: application/rss+xml, application/atom+xml, application/feed+json, "
                        "application/xml;q=0.9, text/html;q=0.8, */*;q=0.5");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  CURLcode code = curl_easy_perform(h);
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  char* type = nullptr;
  curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type);
  if (type) result.content_type = type;
  char* effective = nullptr;
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective) result.effective_url = effective;
  if (code != CURLE_OK) {
    result.status = 0;
    if (transfer.refused_private) {
      result.error = "refused: the address is private or loopback (feeds.allow_private_addresses)";
      result.error_kind = "private_address";
    } else if (transfer.too_large) {
      result.error = "body larger than " + std::to_string(options.max_body_bytes) + " bytes";
      result.error_kind = "too_large";
    } else {
      result.error = curl_easy_strerror(code);
      result.error_kind =
          code == CURLE_OPERATION_TIMEDOUT                                            ? "timeout"
          : code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST       ? "connect"
          : code == CURLE_TOO_MANY_REDIRECTS                                          ? "redirects"
          : code == CURLE_UNSUPPORTED_PROTOCOL                                        ? "protocol"
          : code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR ? "tls"
                                                                                      : "other";
    }
    result.body.clear();
    return result;
  }
  result.status = static_cast<int>(status);
  return result;
}

}  // namespace newsflow::ingest
