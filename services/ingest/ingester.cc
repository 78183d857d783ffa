#include "services/ingest/ingester.h"

#include <google/protobuf/util/time_util.h>

namespace newsflow::ingest {

std::string SourceKindName(v1::RawArticle::SourceKind kind) {
  switch (kind) {
    case v1::RawArticle::SOURCE_KIND_FEED:
      return "feed";
    case v1::RawArticle::SOURCE_KIND_PUSH:
      return "push";
    case v1::RawArticle::SOURCE_KIND_FILE:
      return "file";
    case v1::RawArticle::SOURCE_KIND_PAGE:
      return "page";
    default:
      return "unknown";
  }
}

Ingester::Submission Ingester::Submit(std::vector<v1::RawArticle> articles) {
  Submission submission;
  std::vector<OutputRecord> records;
  std::vector<std::string>& kinds = submission.kinds;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& article : articles) {
      const std::string& id = article.article_id();
      if (seen_->Contains(id) || in_flight_.count(id)) {
        submission.duplicate_ids.push_back(id);
        probe_.articles_duplicate.Add(SourceKindName(article.source_kind()));
        continue;
      }
      if (!article.has_fetched_at()) {
        *article.mutable_fetched_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
      }
      auto* provenance = article.mutable_provenance();
      provenance->set_stage("ingest");
      provenance->set_instance_id(options_.instance_id);
      provenance->set_newsflow_version(options_.newsflow_version);
      records.push_back(
          {options_.raw_topic,
           id,
           article.SerializeAsString(),
           {{"newsflow-version", options_.newsflow_version}, {"newsflow-stage", "ingest"}}});
      records.push_back({options_.seen_topic, id, article.source_name(), {}});
      submission.published_ids.push_back(id);
      kinds.push_back(SourceKindName(article.source_kind()));
      in_flight_.insert(id);
    }
  }
  if (records.empty()) return submission;
  auto submitted = publisher_->Submit(std::move(records));
  if (auto* refusal = std::get_if<Publisher::Refusal>(&submitted)) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& id : submission.published_ids) in_flight_.erase(id);
    submission.published_ids.clear();
    submission.refused = *refusal;
    return submission;
  }
  submission.done = std::move(std::get<std::future<PublishResult>>(submitted));
  return submission;
}

PublishResult Ingester::Complete(Submission& submission) {
  if (submission.refused) {
    return {false,
            *submission.refused == Publisher::Refusal::kQueueFull ? "queue full" : "stopping"};
  }
  if (!submission.done.valid()) return {true, ""};
  PublishResult result = submission.done.get();
  int64_t now_ms = google::protobuf::util::TimeUtil::TimestampToMilliseconds(
      google::protobuf::util::TimeUtil::GetCurrentTime());
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& id : submission.published_ids) {
    if (result.ok) seen_->Add(id, now_ms);
    in_flight_.erase(id);
  }
  if (result.ok) {
    for (const auto& kind : submission.kinds) probe_.articles_published.Add(kind);
  }
  return result;
}

bool Ingester::AlreadyPublished(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_->Contains(id) || in_flight_.count(id) > 0;
}

PublishResult Ingester::Publish(std::vector<v1::RawArticle> articles, Submission* out) {
  Submission submission = Submit(std::move(articles));
  PublishResult result = Complete(submission);
  if (out) *out = std::move(submission);
  return result;
}

}  // namespace newsflow::ingest
