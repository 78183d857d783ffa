#include "services/tag/kb_matcher.h"

#include <hs/hs.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstring>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "services/core/text/ascii.h"
#include "services/tag/utf8_scan.h"

namespace newsflow::tag {
namespace {

bool IsAsciiAlnumByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// All letters upper case and few of them: "US", "IBM", "U.S.", "TSMC", "GPT-4" (3 letters).
bool IsAcronym(std::string_view alias, int max_letters) {
  int letters = 0;
  for (unsigned char c : alias) {
    if (c >= 0x80) return false;
    if (c >= 'a' && c <= 'z') return false;
    if (c >= 'A' && c <= 'Z') ++letters;
  }
  return letters > 0 && letters <= max_letters;
}

bool HasAsciiLetter(std::string_view alias) {
  for (unsigned char c : alias) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  }
  return false;
}

// Bytes at the start of `alias` that the mention's span leaves out: a leading article ("The New
// York Times") or, for a person, a leading title ("President Trump", "Pope Francis"). News
// annotation spans are bare names (the model learned that convention too), so the alias still
// matches and links with them but the span starts at the name. 0 when nothing is left out or
// nothing would remain.
uint32_t SpanSkip(std::string_view alias, EntityType type) {
  static constexpr std::string_view kArticles[] = {"The ", "the "};
  static constexpr std::string_view kTitles[] = {"Ayatollah ", "King ",  "Pope ",   "President ",
                                                 "Prince ",    "Queen ", "Sheikh ", "Sir "};
  auto skip_if = [&](std::string_view prefix) -> uint32_t {
    return alias.size() > prefix.size() && alias.starts_with(prefix)
               ? static_cast<uint32_t>(prefix.size())
               : 0;
  };
  for (std::string_view article : kArticles) {
    if (const uint32_t n = skip_if(article)) return n;
  }
  if (type != EntityType::kPerson) return 0;
  for (std::string_view title : kTitles) {
    if (const uint32_t n = skip_if(title)) return n;
  }
  return 0;
}

struct Hit {
  uint32_t start;
  uint32_t end;
  uint32_t pattern;
  bool exact_case;
};

struct ScanContext {
  std::string_view text;
  const std::vector<KbMatcher::Pattern>* patterns;
  const std::string* alias_bytes;
  std::vector<Hit>* hits;
};

bool AcceptBoundaries(std::string_view text, const KbMatcher::Pattern& p, size_t start,
                      size_t end) {
  if (p.boundary_left && start > 0) {
    size_t len = 0;
    if (utf8::IsSpacedWordChar(utf8::DecodeBefore(text, start, &len))) return false;
  }
  if (p.boundary_right && end < text.size()) {
    size_t len = 0;
    if (utf8::IsSpacedWordChar(utf8::DecodeAt(text, end, &len))) {
      if (!p.plural_ok || text[end] != 's') return false;
      if (end + 1 < text.size() && utf8::IsSpacedWordChar(utf8::DecodeAt(text, end + 1, &len))) {
        return false;
      }
    }
  }
  return true;
}

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context) {
  auto* ctx = static_cast<ScanContext*>(context);
  const KbMatcher::Pattern& p = (*ctx->patterns)[id];
  const size_t end = static_cast<size_t>(to);
  const size_t start = end - p.alias_size;
  if (!AcceptBoundaries(ctx->text, p, start, end)) return 0;
  const bool exact_case =
      !p.caseless || std::memcmp(ctx->text.data() + start,
                                 ctx->alias_bytes->data() + p.alias_offset, p.alias_size) == 0;
  if (!exact_case && !p.lowercase_ok &&
      !text::HasAsciiUpper(ctx->text.substr(start, p.alias_size))) {
    return 0;  // "youtube-dl", "the information": a name written all in lower case is a word
  }
  ctx->hits->push_back(
      Hit{static_cast<uint32_t>(start), static_cast<uint32_t>(end), id, exact_case});
  return 0;
}

}  // namespace

std::unique_ptr<KbMatcher> KbMatcher::Build(std::shared_ptr<const KnowledgeBase> kb,
                                            const KbMatcherOptions& options, std::string* error) {
  std::unique_ptr<KbMatcher> m(new KbMatcher());
  m->kb_ = std::move(kb);
  m->options_ = options;
  const std::vector<Entity>& entities = m->kb_->entities();

  std::unordered_map<std::string, uint32_t> seen;  // folded or exact key -> pattern
  seen.reserve(m->kb_->alias_count());
  m->patterns_.reserve(m->kb_->alias_count());
  for (uint32_t e = 0; e < entities.size(); ++e) {
    for (const Alias& alias : entities[e].aliases) {
      const std::string& text = alias.text;
      if (text.empty() || text.size() > std::numeric_limits<uint32_t>::max()) continue;
      const bool caseless = !alias.case_sensitive && HasAsciiLetter(text) &&
                            !IsAcronym(text, options.acronym_max_letters);
      std::string key = caseless ? "~" : "=";
      key += text;
      if (caseless) {
        for (char& c : key) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
      }
      // Ambiguous alias: the entity defined first keeps it.
      if (!seen.emplace(std::move(key), static_cast<uint32_t>(m->patterns_.size())).second) {
        continue;
      }
      Pattern p;
      p.entity = e;
      p.alias_size = static_cast<uint32_t>(text.size());
      p.alias_offset = static_cast<uint32_t>(m->alias_bytes_.size());
      p.caseless = caseless;
      const auto first = static_cast<unsigned char>(text.front());
      const auto last = static_cast<unsigned char>(text.back());
      p.boundary_left = IsAsciiAlnumByte(first);
      p.boundary_right = IsAsciiAlnumByte(last);
      p.plural_ok = last >= '0' && last <= '9';
      p.span_skip = SpanSkip(text, entities[e].type);
      // Currencies and the like (type misc: "bitcoin") are common nouns in lower case.
      p.lowercase_ok = !text::HasAsciiUpper(text) || entities[e].type == EntityType::kMisc;
      m->alias_bytes_ += text;
      m->patterns_.push_back(p);
    }
  }
  if (m->patterns_.empty()) return m;

  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  expressions.reserve(m->patterns_.size());
  lengths.reserve(m->patterns_.size());
  flags.reserve(m->patterns_.size());
  ids.reserve(m->patterns_.size());
  for (uint32_t i = 0; i < m->patterns_.size(); ++i) {
    const Pattern& p = m->patterns_[i];
    expressions.push_back(m->alias_bytes_.data() + p.alias_offset);
    lengths.push_back(p.alias_size);
    flags.push_back(p.caseless ? HS_FLAG_CASELESS : 0);
    ids.push_back(i);
  }
  hs_compile_error_t* compile_error = nullptr;
  const hs_error_t rc = hs_compile_lit_multi(
      expressions.data(), flags.data(), ids.data(), lengths.data(),
      static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, &m->db_, &compile_error);
  if (rc != HS_SUCCESS) {
    if (error != nullptr) {
      *error = "hyperscan: ";
      *error += compile_error != nullptr && compile_error->message != nullptr
                    ? compile_error->message
                    : "compile failed";
    }
    hs_free_compile_error(compile_error);
    return nullptr;
  }
  if (hs_alloc_scratch(m->db_, &m->prototype_) != HS_SUCCESS) {
    if (error != nullptr) *error = "hyperscan: cannot allocate scratch";
    return nullptr;
  }
  return m;
}

KbMatcher::~KbMatcher() {
  for (hs_scratch_t* s : pool_) hs_free_scratch(s);
  if (prototype_ != nullptr) hs_free_scratch(prototype_);
  if (db_ != nullptr) hs_free_database(db_);
}

size_t KbMatcher::database_bytes() const {
  size_t size = 0;
  if (db_ != nullptr) hs_database_size(db_, &size);
  return size;
}

void KbMatcher::Find(std::string_view text, std::vector<Mention>* out) const {
  if (db_ == nullptr || text.empty() || text.size() > std::numeric_limits<unsigned>::max()) {
    return;
  }
  hs_scratch_t* scratch = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      scratch = pool_.back();
      pool_.pop_back();
    }
  }
  if (scratch == nullptr && hs_clone_scratch(prototype_, &scratch) != HS_SUCCESS) {
    return;  // out of memory only
  }
  thread_local std::vector<Hit> hits;
  hits.clear();
  ScanContext ctx{text, &patterns_, &alias_bytes_, &hits};
  hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch, OnMatch, &ctx);
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    pool_.push_back(scratch);
  }
  if (hits.empty()) return;

  std::sort(hits.begin(), hits.end(), [this](const Hit& a, const Hit& b) {
    const uint32_t la = a.end - a.start;
    const uint32_t lb = b.end - b.start;
    return std::make_tuple(a.start, -static_cast<int64_t>(la), !a.exact_case,
                           patterns_[a.pattern].entity) <
           std::make_tuple(b.start, -static_cast<int64_t>(lb), !b.exact_case,
                           patterns_[b.pattern].entity);
  });
  const std::vector<Entity>& entities = kb_->entities();
  const size_t first_new = out->size();
  out->reserve(first_new + hits.size());  // an upper bound: overlapping hits are rare
  uint32_t covered_until = 0;
  for (const Hit& h : hits) {
    if (h.start < covered_until) continue;
    covered_until = h.end;
    const Pattern& p = patterns_[h.pattern];
    const Entity& entity = entities[p.entity];
    Mention& m = out->emplace_back();
    m.type = entity.type;
    m.byte_start = h.start + p.span_skip;
    m.byte_end = h.end;
    m.text.assign(text.data() + m.byte_start, h.end - m.byte_start);
    m.entity_id = entity.id;
    m.canonical_name = entity.name;
    m.source = MentionSource::kKnowledgeBase;
    m.confidence = h.exact_case ? 1.0f : options_.folded_confidence;
  }
  CodePointOffsets offsets(text);
  for (size_t i = first_new; i < out->size(); ++i) {
    Mention& m = (*out)[i];
    m.start = offsets.ToCodePoint(m.byte_start);
    m.end = offsets.ToCodePoint(m.byte_end);
  }
}

std::shared_ptr<const KbHandle::Snapshot> KbHandle::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void KbHandle::Set(std::shared_ptr<const Snapshot> snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(snapshot);
}

namespace {

// Loading a large knowledge base is two big transient allocations in turn: the YAML node trees
// (~2 KB per entity) and then Hyperscan's compiler. glibc keeps freed heap pages, so without a
// trim in between the compiler's peak stacks on the parser's (100,000 aliases: 327 MB peak RSS
// instead of ~250 MB), and the daemon keeps both for its lifetime.
void ReturnFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace

std::vector<KbError> KbHandle::ReloadFromDirectory(const std::string& dir,
                                                   const KbMatcherOptions& matcher_options,
                                                   const RuleOptions& rule_options) {
  KbLoadResult loaded = KnowledgeBase::LoadDirectory(dir);
  ReturnFreedMemory();
  if (!loaded.errors.empty()) return loaded.errors;
  std::string error;
  std::shared_ptr<const KbMatcher> matcher = KbMatcher::Build(loaded.kb, matcher_options, &error);
  ReturnFreedMemory();
  if (matcher == nullptr) return {KbError{dir, 0, "", error}};
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->rules = std::make_shared<RuleTagger>(rule_options, loaded.kb);
  snapshot->kb = std::move(loaded.kb);
  snapshot->matcher = std::move(matcher);
  Set(std::move(snapshot));
  return {};
}

}  // namespace newsflow::tag
