#include "services/ingest/push_handler.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "services/core/url/canonical_url.h"
#include "services/ingest/seen_set.h"

namespace newsflow::ingest {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

PushDecision Error(int status, const std::string& message) {
  return {status, "{\"error\":" + JsonQuote(message) + "}", {}};
}

}  // namespace

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  // Length differences leak only the length; the loop always runs over the expected token.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= x ^ static_cast<unsigned char>(b[i]);
  }
  return diff == 0;
}

v1::RawArticle RawFromPushed(const PushedArticle& pushed, const std::string& original_json) {
  v1::RawArticle raw;
  raw.set_source_kind(v1::RawArticle::SOURCE_KIND_PUSH);
  raw.set_source_name(pushed.source.empty() ? "push" : pushed.source);
  std::string canonical = url::CanonicalizeUrl(pushed.url).value_or("");
  std::string guid = pushed.guid.value_or(pushed.id.value_or(""));
  const std::string& content = pushed.html.empty() ? pushed.body : pushed.html;
  raw.set_article_id(StableArticleId(canonical, raw.source_name(), guid, content));
  raw.set_content(content);
  raw.set_content_type(pushed.html.empty() ? "text/plain; charset=utf-8"
                                           : "text/html; charset=utf-8");
  raw.set_url(pushed.url);
  raw.set_guid(guid);
  raw.set_title(pushed.title);
  raw.set_author(pushed.author);
  if (pushed.published) {
    raw.mutable_published()->set_seconds(*pushed.published);
  }
  (void)original_json;
  return raw;
}

PushDecision DecidePush(const PushRequest& request, const PushOptions& options) {
  if (!options.token.empty()) {
    const std::string prefix = "Bearer ";
    if (request.authorization.size() <= prefix.size() ||
        Lower(request.authorization.substr(0, prefix.size())) != "bearer " ||
        !ConstantTimeEquals(request.authorization.substr(prefix.size()), options.token)) {
      return Error(401, "missing or invalid bearer token");
    }
  }
  if (request.body.size() > options.max_body_bytes) {
    return Error(413, "body is " + std::to_string(request.body.size()) + " bytes; the limit is " +
                          std::to_string(options.max_body_bytes));
  }
  std::string type = Lower(request.content_type.substr(0, request.content_type.find(';')));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  ArticleBatch batch;
  if (type == "application/json") {
    batch = ParseArticleObject(request.body, options.json);
  } else if (type == "application/x-ndjson" || type == "application/ndjson" ||
             type == "application/jsonl" || type == "application/json-lines") {
    batch = ParseArticleNdjson(request.body, options.json);
  } else {
    return Error(415,
                 "Content-Type must be application/json (one article) or "
                 "application/x-ndjson (one article per line), not '" +
                     request.content_type + "'");
  }
  if (!batch.errors.empty()) {
    std::string body = "{\"error\":\"invalid articles; nothing was accepted\",\"errors\":[";
    for (size_t i = 0; i < batch.errors.size(); ++i) {
      if (i) body += ",";
      body += ArticleErrorToJson(batch.errors[i]);
    }
    return {400, body + "]}", {}};
  }
  if (batch.articles.empty()) return Error(400, "no article in the body");
  PushDecision decision;
  for (const auto& pushed : batch.articles) decision.articles.push_back(RawFromPushed(pushed, ""));
  return decision;
}

std::string AcceptedJson(const std::vector<std::string>& accepted,
                         const std::vector<std::string>& duplicates) {
  std::string out = "{\"accepted\":[";
  for (size_t i = 0; i < accepted.size(); ++i) out += (i ? "," : "") + JsonQuote(accepted[i]);
  out += "],\"duplicates\":[";
  for (size_t i = 0; i < duplicates.size(); ++i) out += (i ? "," : "") + JsonQuote(duplicates[i]);
  return out + "]}";
}

}  // namespace newsflow::ingest
