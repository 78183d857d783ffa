#include "services/normalize/normalize_stage.h"

#include <google/protobuf/util/time_util.h>

#include "newsflow/v1/article.pb.h"
#include "services/core/raw_article_input.h"
#include "services/core/text/hygiene.h"

namespace newsflow {
namespace {

constexpr double kWordsPerMinute = 230;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsHtml(const v1::RawArticle& raw) {
  const std::string& type = raw.content_type();
  if (type.find("html") != std::string::npos) return true;
  // Content without a declared type: sniff the first bytes.
  if (!type.empty()) return false;
  std::string_view head(raw.content().data(), std::min<size_t>(raw.content().size(), 512));
  size_t start = head.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (start == std::string_view::npos) return false;
  head = head.substr(start);
  return head.rfind("<!DOCTYPE", 0) == 0 || head.rfind("<!doctype", 0) == 0 ||
         head.rfind("<html", 0) == 0 || head.rfind("<HTML", 0) == 0;
}

}  // namespace

bool LooksLikeHeadline(std::string_view p) {
  if (p.empty() || text::CodePointCount(p) > 200) return false;
  for (std::string_view end : {".", "!", "?", ":", ";", ",", "。", "！", "？", "：", "”", "\""}) {
    if (EndsWith(p, end)) return false;
  }
  if (p[0] == '-' || p.rfind("•", 0) == 0 || p[0] == '*') return false;
  return text::WordCount(p) >= 3;
}

std::unique_ptr<NormalizeStage> NormalizeStage::Create(NormalizeOptions options,
                                                      std::string* error) {
  std::vector<text::BoilerplateRule> rules;
  for (const auto& [name, pattern] : options.boilerplate_rules) rules.push_back({name, pattern});
  auto filter = text::BoilerplateFilter::Create(std::move(rules), error);
  if (!filter) return nullptr;
  return std::unique_ptr<NormalizeStage>(new NormalizeStage(std::move(options), *filter));
}

NormalizeStage::NormalizeStage(NormalizeOptions options, text::BoilerplateFilter filter)
    : options_(std::move(options)), filter_(std::move(filter)) {}

std::vector<Component> NormalizeStage::Components() const {
  return {{"boilerplate_rules", filter_.version()}, {"hygiene", "1"}};
}

void NormalizeStage::Process(const InputRecord& input, StageResult* result) {
  v1::RawArticle raw;
  if (!ParseRawArticle(input, &raw, result)) return;
  if (static_cast<int64_t>(raw.content().size()) > options_.max_content_bytes) {
    result->Reject("content_too_large", "content is " + std::to_string(raw.content().size()) +
                                            " bytes; normalize.max_content_bytes is " +
                                            std::to_string(options_.max_content_bytes));
    return;
  }
  if (IsHtml(raw)) {
    result->Reject("html_not_supported",
                   "HTML extraction is not built yet; replay this record once it is");
    return;
  }

  text::HygieneReport hygiene;
  std::vector<std::string> paragraphs = text::CleanParagraphs(raw.content(), &hygiene);
  probe_.invalid_utf8_sequences.fetch_add(hygiene.invalid_utf8_sequences);
  probe_.control_characters_removed.fetch_add(hygiene.control_characters_removed);

  v1::Article article;
  if (!raw.title().empty()) {
    text::HygieneReport title_report;
    article.set_title(text::JoinParagraphs(text::CleanParagraphs(raw.title(), &title_report)));
  } else if (paragraphs.size() > 1 && LooksLikeHeadline(paragraphs.front())) {
    article.set_title(paragraphs.front());
    paragraphs.erase(paragraphs.begin());
    probe_.titles_detected.fetch_add(1);
  }

  text::BoilerplateResult cleaned = filter_.Apply(paragraphs);
  auto* report = article.mutable_report();
  report->set_invalid_utf8_sequences(hygiene.invalid_utf8_sequences);
  report->set_boilerplate_lines_removed(static_cast<uint32_t>(cleaned.removed.size()));
  for (const auto& removed : cleaned.removed) {
    probe_.boilerplate_removed.Add(removed.rule);
    bool seen = false;
    for (const auto& fired : report->boilerplate_rules_fired()) seen = seen || fired == removed.rule;
    if (!seen) report->add_boilerplate_rules_fired(removed.rule);
  }
  std::string body = text::JoinParagraphs(cleaned.kept);
  if (body.empty()) {
    result->Reject("empty_after_cleaning", "no article text left after cleaning (" +
                                               std::to_string(cleaned.removed.size()) +
                                               " boilerplate paragraph(s) removed)");
    return;
  }

  article.set_article_id(raw.article_id());
  article.set_source_name(raw.source_name());
  article.set_url(raw.url());
  article.set_canonical_url(raw.url());
  article.set_author(raw.author());
  size_t words = text::WordCount(body);
  article.set_body(std::move(body));
  article.set_word_count(static_cast<uint32_t>(words));
  article.set_reading_time_seconds(
      static_cast<uint32_t>(words == 0 ? 0 : std::max(1.0, words * 60 / kWordsPerMinute)));
  if (raw.has_published()) *article.mutable_published() = raw.published();
  if (raw.has_fetched_at()) *article.mutable_ingested() = raw.fetched_at();
  *article.mutable_normalized() = google::protobuf::util::TimeUtil::GetCurrentTime();
  auto* provenance = article.mutable_provenance();
  provenance->set_newsflow_version(options_.newsflow_version);
  provenance->set_stage("normalize");
  provenance->set_instance_id(options_.instance_id);
  for (const auto& c : Components()) {
    auto* component = provenance->add_components();
    component->set_name(c.name);
    component->set_version(c.version);
  }
  result->Emit(options_.output_topic, raw.article_id(), article.SerializeAsString());
}

}  // namespace newsflow
