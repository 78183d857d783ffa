#include "services/ingest/feed_poller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "services/core/time/datetime.h"
#include "services/core/url/canonical_url.h"
#include "services/ingest/seen_set.h"

namespace newsflow::ingest {

std::vector<v1::RawArticle> ArticlesFromFeed(const feed::ParsedFeed& parsed,
                                             const FeedConfig& config,
                                             std::vector<bool>* summary_only) {
  std::vector<v1::RawArticle> articles;
  for (const auto& entry : parsed.entries) {
    v1::RawArticle raw;
    raw.set_source_kind(v1::RawArticle::SOURCE_KIND_FEED);
    raw.set_source_name(config.name);
    std::string content;
    bool html = false;
    bool from_summary = false;
    if (!entry.content_html.empty()) {
      content = entry.content_html;
      html = true;
    } else if (!entry.content.empty()) {
      content = entry.content;
    } else if (!entry.summary_html.empty()) {
      content = entry.summary_html;
      html = true;
      from_summary = true;
    } else {
      content = entry.summary;
      from_summary = true;
    }
    if (content.empty() && entry.title.empty()) continue;  // nothing to publish
    std::string canonical = url::CanonicalizeUrl(entry.link).value_or("");
    raw.set_article_id(
        StableArticleId(canonical, config.name, entry.id, entry.title + "\n" + content));
    raw.set_content(content);
    raw.set_content_type(html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
    raw.set_url(entry.link);
    raw.set_guid(entry.id);
    raw.set_title(entry.title);
    raw.set_author(entry.author_name.empty() ? entry.author : entry.author_name);
    raw.set_summary(entry.summary);
    auto when = entry.published ? entry.published : entry.updated;
    if (when) {
      raw.mutable_published()->set_seconds(*when);
      raw.set_published_raw(datetime::FormatIso8601Utc(*when));
    }
    articles.push_back(std::move(raw));
    if (summary_only) summary_only->push_back(from_summary);
  }
  return articles;
}

FeedPoller::FeedPoller(FeedPollerOptions options, Ingester* ingester)
    : options_(std::move(options)), ingester_(ingester) {
  for (const auto& feed : options_.feeds) {
    states_.push_back({feed, 0, 0, "", ""});
    stats_[feed.name];
  }
}

std::map<std::string, FeedStats> FeedPoller::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void FeedPoller::PollDue(int64_t now) {
  for (auto& state : states_) {
    if (state.next_due <= now) Poll(state, now);
  }
}

int64_t FeedPoller::Backoff(const State& state, int64_t retry_after) {
  double base = static_cast<double>(state.config.interval_seconds) *
                std::pow(2.0, std::min(state.consecutive_errors, 10));
  base = std::min(base, static_cast<double>(options_.max_backoff_seconds));
  // +-20% jitter so many feeds failing together do not retry in lockstep.
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  int64_t wait = static_cast<int64_t>(base * jitter(random_));
  return std::max<int64_t>({1, wait, retry_after});
}

void FeedPoller::Poll(State& state, int64_t now) {
  FetchResult fetched = Fetch(state.config.url, state.etag, state.last_modified, options_.fetch);
  std::string result = fetched.status ? std::to_string(fetched.status) : fetched.error_kind;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_[state.config.name].fetches[result]++;
  }
  if (fetched.status == 304) {
    state.consecutive_errors = 0;
    state.next_due = now + state.config.interval_seconds;
    std::lock_guard<std::mutex> lock(mu_);
    stats_[state.config.name].last_success_seconds = now;
    return;
  }
  if (fetched.status != 200) {
    ++state.consecutive_errors;
    int64_t retry_after =
        (fetched.status == 429 || fetched.status == 503) ? fetched.retry_after_seconds : -1;
    int64_t wait = Backoff(state, retry_after);
    state.next_due = now + wait;
    spdlog::warn("feed {}: {} {}; next try in {} s", state.config.name, result, fetched.error,
                 wait);
    return;
  }
  feed::ParseOptions parse_options;
  parse_options.document_url =
      fetched.effective_url.empty() ? state.config.url : fetched.effective_url;
  parse_options.content_type = fetched.content_type;
  feed::ParsedFeed parsed = feed::ParseFeed(fetched.body, parse_options);
  if (parsed.entries.empty() && parsed.format == feed::FeedFormat::kUnknown) {
    ++state.consecutive_errors;
    state.next_due = now + Backoff(state, -1);
    std::lock_guard<std::mutex> lock(mu_);
    stats_[state.config.name].parse_errors++;
    spdlog::warn("feed {}: not a feed ({})", state.config.name,
                 parsed.errors.empty() ? "no entries" : parsed.errors.front());
    return;
  }
  std::vector<bool> summary_only;
  std::vector<v1::RawArticle> articles = ArticlesFromFeed(parsed, state.config, &summary_only);
  if (state.config.fetch_pages) {
    for (size_t i = 0; i < articles.size(); ++i) {
      if (!summary_only[i] || articles[i].url().empty()) continue;
      // Already published: no need to fetch its page again.
      if (ingester_->AlreadyPublished(articles[i].article_id())) continue;
      FetchResult page = Fetch(articles[i].url(), "", "", options_.fetch);
      if (page.status != 200) continue;
      auto& raw = articles[i];
      raw.set_source_kind(v1::RawArticle::SOURCE_KIND_PAGE);
      raw.set_content(page.body);
      raw.set_content_type(page.content_type.empty() ? "text/html" : page.content_type);
      raw.set_http_status(page.status);
    }
  }
  Ingester::Submission submission;
  PublishResult published = ingester_->Publish(std::move(articles), &submission);
  if (!published.ok) {
    // Nothing was marked seen: the next poll publishes these items again.
    ++state.consecutive_errors;
    state.next_due = now + Backoff(state, -1);
    spdlog::error("feed {}: publishing failed: {}", state.config.name, published.error);
    return;
  }
  state.etag = fetched.etag;
  state.last_modified = fetched.last_modified;
  state.consecutive_errors = 0;
  state.next_due = now + state.config.interval_seconds;
  std::lock_guard<std::mutex> lock(mu_);
  auto& stats = stats_[state.config.name];
  stats.items_new += submission.published_ids.size();
  stats.items_duplicate += submission.duplicate_ids.size();
  stats.last_success_seconds = now;
}

}  // namespace newsflow::ingest
