#include "services/normalize/normalize_stage.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/util/time_util.h>
#include <unicode/ucnv.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/dedupe_entry.pb.h"
#include "services/core/html/article_extractor.h"
#include "services/core/html/html_text.h"
#include "services/core/raw_article_input.h"
#include "services/core/text/hygiene.h"
#include "services/core/text/language.h"
#include "services/core/text/simhash.h"
#include "services/core/time/datetime.h"
#include "services/core/url/canonical_url.h"
#include "services/normalize/article_wire.h"

namespace newsflow {
namespace {

constexpr double kWordsPerMinute = 230;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A whole web page rather than a fragment: it has a document element or a doctype.
bool LooksLikeFullPage(const v1::RawArticle& raw) {
  std::string head = raw.content().substr(0, 2048);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head.find("<!doctype html") != std::string::npos ||
         head.find("<html") != std::string::npos || head.find("<body") != std::string::npos;
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

// The charset parameter of a Content-Type, lower-cased; empty when there is none.
std::string CharsetOf(std::string_view content_type) {
  std::string lowered;
  for (char c : content_type)
    lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  size_t at = lowered.find("charset=");
  if (at == std::string::npos) return "";
  std::string charset = lowered.substr(at + 8);
  charset = charset.substr(0, charset.find_first_of("; \t"));
  charset.erase(std::remove(charset.begin(), charset.end(), '"'), charset.end());
  charset.erase(std::remove(charset.begin(), charset.end(), '\''), charset.end());
  return charset;
}

// Converts `content` declared as `charset` to UTF-8. UTF-8 and ASCII are passed through (hygiene
// repairs invalid sequences later): `*view` then points into `content`; otherwise into `*out`.
// Returns false for a charset ICU does not know.
bool DecodeToUtf8(const std::string& content, const std::string& charset, std::string* out,
                  std::string_view* view) {
  if (charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii" ||
      charset == "ascii") {
    *view = content;
    return true;
  }
  UErrorCode status = U_ZERO_ERROR;
  UConverter* probe = ucnv_open(charset.c_str(), &status);
  if (U_FAILURE(status) || !probe) return false;
  ucnv_close(probe);
  status = U_ZERO_ERROR;
  std::string converted(content.size() * 4 + 16, '\0');
  int32_t length = ucnv_convert("UTF-8", charset.c_str(), converted.data(),
                                static_cast<int32_t>(converted.size()), content.data(),
                                static_cast<int32_t>(content.size()), &status);
  if (U_FAILURE(status)) return false;
  converted.resize(static_cast<size_t>(length));
  *out = std::move(converted);
  *view = *out;
  return true;
}

// Binary payloads (images, archives, protobuf sent to the wrong topic) rather than text: NUL
// bytes, or mostly bytes that are neither valid UTF-8 nor printable.
bool LooksBinary(std::string_view content, const text::HygieneReport& hygiene) {
  std::string_view head = content.substr(0, 8192);
  if (head.find('\0') != std::string_view::npos) return true;
  uint64_t bad = uint64_t{hygiene.invalid_utf8_sequences} + hygiene.control_characters_removed;
  return content.size() >= 32 && bad * 5 > content.size();
}

std::string Hex64(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

}  // namespace

bool ApplyDedupeRecord(std::string_view /*key*/, std::string_view value, DedupeIndex* index) {
  v1::DedupeEntry record;
  if (value.empty() || !record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
      record.article_id().empty()) {
    return false;
  }
  index->Insert({record.article_id(), record.body_hash(), record.simhash(), record.seen_at_ms(),
                 record.near_duplicate_of()});
  return true;
}

bool LooksLikeHeadline(std::string_view p) {
  if (p.empty() || text::CodePointCount(p) > 200) return false;
  for (std::string_view end : {".", "!", "?", ":", ";", ",", "。", "！", "？", "：", "”", "\""}) {
    if (EndsWith(p, end)) return false;
  }
  if (p[0] == '-' || p.rfind("•", 0) == 0 || p[0] == '*') return false;
  return text::WordCount(p) >= 3;
}

std::unique_ptr<NormalizeStage> NormalizeStage::Create(NormalizeOptions options,
                                                       DedupeIndex* dedupe, std::string* error) {
  std::vector<text::BoilerplateRule> rules;
  for (const auto& [name, pattern] : options.boilerplate_rules) rules.push_back({name, pattern});
  auto filter = text::BoilerplateFilter::Create(std::move(rules), error);
  if (!filter) return nullptr;
  return std::unique_ptr<NormalizeStage>(new NormalizeStage(std::move(options), dedupe, *filter));
}

NormalizeStage::NormalizeStage(NormalizeOptions options, DedupeIndex* dedupe,
                               text::BoilerplateFilter filter)
    : options_(std::move(options)),
      dedupe_(dedupe),
      filter_(std::move(filter)),
      components_({{"boilerplate_rules", filter_.version()},
                   {"hygiene", "1"},
                   {"language", "cld2-1"},
                   {"html", "libxml2-extract-1"},
                   {"dedupe", "simhash64-3shingle-1"}}) {}

std::vector<Component> NormalizeStage::Components() const { return components_; }

void NormalizeStage::Process(const InputRecord& input, StageResult* result) {
  // The messages' strings and submessages (a few dozen per article) come from one arena whose
  // first block is on the stack, instead of one heap allocation each.
  alignas(16) char arena_block[8192];
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = arena_block;
  arena_options.initial_block_size = sizeof(arena_block);
  google::protobuf::Arena arena(arena_options);
  v1::RawArticle& raw = *google::protobuf::Arena::CreateMessage<v1::RawArticle>(&arena);
  if (!ParseRawArticle(input, &raw, result)) return;
  if (static_cast<int64_t>(raw.content().size()) > options_.max_content_bytes) {
    result->Reject("content_too_large", "content is " + std::to_string(raw.content().size()) +
                                            " bytes; normalize.max_content_bytes is " +
                                            std::to_string(options_.max_content_bytes));
    return;
  }
  const bool html = IsHtml(raw);
  std::string charset = CharsetOf(raw.content_type());
  std::string decoded_storage;  // when the text had to be converted or assembled
  std::string_view decoded;     // the UTF-8 text, in raw.content() or decoded_storage
  html::ExtractedArticle page;  // metadata of a full web page
  bool full_page = false;
  if (html) {
    full_page = raw.source_kind() == v1::RawArticle::SOURCE_KIND_PAGE || LooksLikeFullPage(raw);
    if (full_page) {
      // libxml2 decodes the page itself: the declared charset first, else <meta charset>.
      html::ArticleExtractorOptions extract_options;
      extract_options.declared_encoding = charset;
      page = html::ExtractArticle(raw.content(), extract_options);
      decoded_storage = text::JoinParagraphs(page.paragraphs);
      decoded = decoded_storage;
    } else {
      // A fragment (feed item, pushed "html" field): UTF-8 unless declared otherwise.
      std::string utf8;
      std::string_view utf8_view;
      if (!DecodeToUtf8(raw.content(), charset, &utf8, &utf8_view)) {
        result->Reject("unsupported_charset", "content_type declares charset '" + charset +
                                                  "', which this build cannot decode");
        return;
      }
      decoded_storage = text::JoinParagraphs(html::HtmlToParagraphs(utf8_view));
      decoded = decoded_storage;
    }
  } else if (!DecodeToUtf8(raw.content(), charset, &decoded_storage, &decoded)) {
    result->Reject("unsupported_charset", "content_type declares charset '" + charset +
                                              "', which this build cannot decode");
    return;
  }
  text::HygieneReport hygiene;
  std::vector<std::string> paragraphs = text::CleanParagraphs(decoded, &hygiene);
  if (!html && LooksBinary(decoded, hygiene)) {
    result->Reject(
        "binary_content",
        "content is not text (NUL bytes or " + std::to_string(hygiene.invalid_utf8_sequences) +
            " invalid UTF-8 sequences and " + std::to_string(hygiene.control_characters_removed) +
            " control characters in " + std::to_string(decoded.size()) + " bytes)");
    return;
  }
  if (html && LooksBinary(raw.content(), hygiene)) {
    result->Reject("binary_content", "declared HTML but the bytes are not text");
    return;
  }
  probe_.invalid_utf8_sequences.fetch_add(hygiene.invalid_utf8_sequences);
  probe_.control_characters_removed.fetch_add(hygiene.control_characters_removed);
  if (html) probe_.extracted_from_html.fetch_add(1);

  v1::Article& article = *google::protobuf::Arena::CreateMessage<v1::Article>(&arena);
  article.mutable_report()->set_extracted_from_html(html);
  const std::string& explicit_title = !raw.title().empty() ? raw.title() : page.title;
  if (!explicit_title.empty()) {
    text::HygieneReport title_report;
    article.set_title(text::JoinParagraphs(text::CleanParagraphs(explicit_title, &title_report)));
    // Pages often repeat the headline as their first block.
    if (!paragraphs.empty() && paragraphs.front() == article.title()) {
      paragraphs.erase(paragraphs.begin());
    }
  } else if (!html && paragraphs.size() > 1 && LooksLikeHeadline(paragraphs.front())) {
    article.set_title(paragraphs.front());
    paragraphs.erase(paragraphs.begin());
    probe_.titles_detected.fetch_add(1);
  }

  text::BoilerplateResult cleaned = filter_.Apply(std::move(paragraphs));
  auto* report = article.mutable_report();
  report->set_invalid_utf8_sequences(hygiene.invalid_utf8_sequences);
  report->set_boilerplate_lines_removed(static_cast<uint32_t>(cleaned.removed.size()));
  for (const auto& removed : cleaned.removed) {
    probe_.boilerplate_removed.Add(removed.rule);
    bool seen = false;
    for (const auto& fired : report->boilerplate_rules_fired())
      seen = seen || fired == removed.rule;
    if (!seen) report->add_boilerplate_rules_fired(removed.rule);
  }
  std::string body = text::JoinParagraphs(cleaned.kept);
  if (body.empty()) {
    result->Reject("empty_after_cleaning", "no article text left after cleaning (" +
                                               std::to_string(cleaned.removed.size()) +
                                               " boilerplate paragraph(s) removed)");
    return;
  }

  report->set_control_characters_removed(hygiene.control_characters_removed);

  // The exact and similarity fingerprints and the word count, from one pass over the body.
  const text::TextFingerprints fingerprints = text::Fingerprints(body);
  const uint64_t body_hash = fingerprints.body;
  const uint64_t simhash = fingerprints.simhash;
  const size_t words = fingerprints.word_count;
  article.set_simhash(simhash);
  std::string near_duplicate_of;
  if (dedupe_) {
    DedupeMatch match = dedupe_->Find(body_hash, simhash, raw.article_id());
    if (match.kind == DedupeMatch::Kind::kExact) {
      // Dropped, not dead-lettered: nothing is wrong with the record, the article is already out.
      probe_.exact_duplicates_dropped.fetch_add(1);
      return;
    }
    if (match.kind == DedupeMatch::Kind::kNear) {
      probe_.near_duplicates_flagged.fetch_add(1);
      near_duplicate_of = match.first_article_id;
    }
  }

  text::LanguageResult languages = text::DetectLanguages(body);
  article.set_language(languages.language);
  probe_.articles_by_language.Add(languages.language);
  for (const auto& span : languages.spans) {
    auto* segment = article.add_segments();
    segment->set_language(span.language);
    segment->set_start(span.start);
    segment->set_end(span.end);
  }
  // One span over the whole body in the document's language: its text would be a copy of the
  // body, so it is neither built nor compared.
  const auto& spans = languages.spans;
  const bool single = spans.size() == 1 && spans[0].language == languages.language &&
                      spans[0].byte_start == 0 && spans[0].byte_end == body.size();
  std::vector<text::LanguageText> texts;  // Article.texts, written with the body (below)
  if (single) {
    article.set_single_language_body(true);
  } else {
    texts = text::TextPerLanguage(body, languages);
  }

  article.set_article_id(raw.article_id());
  article.set_source_name(raw.source_name());
  article.set_url(raw.url().empty() ? page.canonical_url : raw.url());
  if (auto canonical = url::CanonicalizeUrl(article.url())) article.set_canonical_url(*canonical);
  article.set_author(raw.author().empty() ? page.author : raw.author());
  article.set_near_duplicate_of(near_duplicate_of);
  article.set_word_count(static_cast<uint32_t>(words));
  article.set_reading_time_seconds(
      static_cast<uint32_t>(words == 0 ? 0 : std::max(1.0, words * 60 / kWordsPerMinute)));
  if (raw.has_published()) {
    *article.mutable_published() = raw.published();
  } else if (auto when = datetime::ParseDateTime(
                 raw.published_raw().empty() ? page.published : raw.published_raw())) {
    article.mutable_published()->set_seconds(*when);
  }
  if (raw.has_fetched_at()) *article.mutable_ingested() = raw.fetched_at();
  *article.mutable_normalized() = google::protobuf::util::TimeUtil::GetCurrentTime();
  auto* provenance = article.mutable_provenance();
  provenance->set_newsflow_version(options_.newsflow_version);
  provenance->set_stage("normalize");
  provenance->set_instance_id(options_.instance_id);
  for (const auto& c : components_) {
    auto* component = provenance->add_components();
    component->set_name(c.name);
    component->set_version(c.version);
  }
  // The body and texts are CleanParagraphs' valid UTF-8: written without protobuf's own check.
  result->Emit(options_.output_topic, raw.article_id(),
               SerializeArticleWithText(article, body, texts));

  if (dedupe_) {
    DedupeEntry entry{raw.article_id(), body_hash, simhash, input.timestamp_ms, near_duplicate_of};
    v1::DedupeEntry record;
    record.set_article_id(entry.article_id);
    record.set_body_hash(body_hash);
    record.set_simhash(simhash);
    record.set_seen_at_ms(entry.seen_at_ms);
    record.set_near_duplicate_of(near_duplicate_of);
    // In the index at once, so the next record of this batch sees it; on the changelog in the
    // same transaction as the Article. Should the transaction abort, the entry names an article
    // that the retry emits again under the same id, and never matches that article itself.
    dedupe_->Insert(std::move(entry));
    result->Emit(options_.dedupe_topic, Hex64(body_hash), record.SerializeAsString());
  }
}

}  // namespace newsflow
