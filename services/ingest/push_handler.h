#pragma once

// POST /v1/articles, decided without HTTP or Kafka: authorization, media type, size, validation,
// and the RawArticles to publish. The daemon publishes them and answers 202 only after the
// broker acknowledged every record.

#include <map>
#include <string>
#include <vector>

#include "newsflow/v1/raw_article.pb.h"
#include "services/ingest/json_article.h"

namespace newsflow::ingest {

struct PushOptions {
  std::string token;                  // bearer token; empty: no authorization (tests only)
  size_t max_body_bytes = 16u << 20;  // larger bodies: 413
  JsonArticleOptions json;            // per-object limits
};

struct PushRequest {
  std::string authorization;  // the Authorization header
  std::string content_type;   // the Content-Type header
  std::string body;
};

struct PushDecision {
  int status = 0;                        // non-zero: answer now with `body` (an error)
  std::string body;                      // JSON
  std::vector<v1::RawArticle> articles;  // status == 0: publish these, then answer 202
};

PushDecision DecidePush(const PushRequest& request, const PushOptions& options);

// Constant-time comparison, so response timing does not reveal how much of a token matched.
bool ConstantTimeEquals(const std::string& a, const std::string& b);

// The RawArticle for one pushed article.
v1::RawArticle RawFromPushed(const PushedArticle& pushed, const std::string& original_json);

// {"accepted":["id",...],"duplicates":["id",...]}
std::string AcceptedJson(const std::vector<std::string>& accepted,
                         const std::vector<std::string>& duplicates);

// A JSON string literal for `text` (quotes included).
std::string JsonQuote(const std::string& text);

}  // namespace newsflow::ingest
