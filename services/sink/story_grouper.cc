#include "services/sink/story_grouper.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "services/core/text/hygiene.h"
#include "services/core/text/simhash.h"

namespace newsflow::sink {
namespace {

constexpr size_t kTopEntities = 10;
constexpr size_t kHeadlineCodePoints = 120;

// Decodes the code point at `s[*i]` and advances `*i`; invalid bytes decode as U+FFFD.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  size_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (c >= 0x80 && c < 0xC0) length = 1;
  if (*i + length > s.size()) {
    *i = s.size();
    return 0xFFFD;
  }
  uint32_t cp = length == 1 ? c : length == 2 ? c & 0x1F : length == 3 ? c & 0x0F : c & 0x07;
  for (size_t k = 1; k < length; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += length;
  return length == 1 && c >= 0x80 ? 0xFFFD : cp;
}

bool IsHanOrKana(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x2FA1F);
}

// Punctuation and spacing outside ASCII that separates words: general punctuation (quotes,
// dashes, primes), CJK punctuation, full-width forms, no-break and ideographic spaces.
bool IsSeparator(uint32_t cp) {
  return cp == 0xA0 || cp == 0xAB || cp == 0xBB || (cp >= 0x2000 && cp <= 0x206F) ||
         (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
         (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
         (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xFFFD;
}

bool IsStopWord(std::string_view w) {
  static const std::unordered_set<std::string_view> kStop = {
      "a",    "an",   "and",   "are",  "as",   "at",   "be",   "by",    "for",  "from",
      "has",  "have", "in",    "is",   "it",   "its",  "of",   "on",    "or",   "that",
      "the",  "this", "to",    "was",  "were", "will", "with", "after", "over", "says",
      "said", "new",  "first", "than", "how",  "why",  "what", "who",   "into", "about"};
  return kStop.count(w) > 0;
}

double Jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return 0;
  size_t shared = 0, i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int c = a[i].compare(b[j]);
    if (c == 0) {
      ++shared, ++i, ++j;
    } else if (c < 0) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<double>(shared) / static_cast<double>(a.size() + b.size() - shared);
}

bool Groupable(int type) {
  return type != v1::ENTITY_TYPE_DATE && type != v1::ENTITY_TYPE_MONEY &&
         type != v1::ENTITY_TYPE_PERCENT;
}

int64_t ToMillis(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1'000'000;
}

// The article's title, else the start of its body cut at a word boundary.
std::string HeadlineOf(const v1::Article& article) {
  if (!article.title().empty()) return article.title();
  std::string_view body = article.body();
  body = body.substr(0, body.find('\n'));
  size_t i = 0, code_points = 0, last_space = std::string_view::npos;
  while (i < body.size() && code_points < kHeadlineCodePoints) {
    if (body[i] == ' ') last_space = i;
    NextCodePoint(body, &i);
    ++code_points;
  }
  if (i >= body.size()) return std::string(body);
  size_t cut = last_space != std::string_view::npos && last_space > 0 ? last_space : i;
  return std::string(body.substr(0, cut)) + "…";
}

}  // namespace

std::string StoryIdFor(std::string_view article_id) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, then a final avalanche (splitmix64)
  for (unsigned char c : article_id) h = (h ^ c) * 0x100000001b3ULL;
  h ^= h >> 30, h *= 0xbf58476d1ce4e5b9ULL, h ^= h >> 27, h *= 0x94d049bb133111ebULL, h ^= h >> 31;
  char buffer[20];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(h));
  return std::string("st-") + buffer;
}

std::vector<std::string> TitleTokens(std::string_view title) {
  std::vector<std::string> tokens;
  std::string word;
  std::vector<uint32_t> han_run;
  auto flush_word = [&] {
    if (word.size() >= 2 && !IsStopWord(word)) tokens.push_back(word);
    word.clear();
  };
  // A lone character stands for itself; in a run, overlapping bigrams carry the words.
  auto flush_han = [&] {
    if (han_run.size() == 1) {
      tokens.emplace_back();
      text::AppendUtf8(han_run[0], &tokens.back());
    }
    for (size_t k = 1; k < han_run.size(); ++k) {
      tokens.emplace_back();
      text::AppendUtf8(han_run[k - 1], &tokens.back());
      text::AppendUtf8(han_run[k], &tokens.back());
    }
    han_run.clear();
  };
  size_t i = 0;
  while (i < title.size()) {
    uint32_t cp = NextCodePoint(title, &i);
    if (IsHanOrKana(cp)) {
      flush_word();
      han_run.push_back(cp);
      continue;
    }
    flush_han();
    if (cp < 0x80 && std::isalnum(static_cast<int>(cp))) {
      word.push_back(static_cast<char>(std::tolower(static_cast<int>(cp))));
    } else if (cp >= 0x80 && !IsSeparator(cp)) {
      text::AppendUtf8(cp, &word);
    } else {
      flush_word();
    }
  }
  flush_word();
  flush_han();
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

GroupingInput GroupingInputFrom(const v1::TaggedArticle& tagged, int64_t fallback_event_ms,
                                const StoryGrouperOptions& options) {
  const v1::Article& article = tagged.article();
  GroupingInput input;
  input.article_id = article.article_id();
  input.source = article.source_name();
  input.headline = HeadlineOf(article);
  if (article.has_published() && article.published().seconds() > 0) {
    input.event_ms = ToMillis(article.published());
  } else if (article.has_ingested() && article.ingested().seconds() > 0) {
    input.event_ms = ToMillis(article.ingested());
  } else {
    input.event_ms = fallback_event_ms;
  }
  input.simhash = article.simhash();
  input.near_duplicate_of = article.near_duplicate_of();
  std::map<std::string, GroupingEntity> by_id;
  for (const auto& summary : tagged.entities()) {
    if (summary.entity_id().empty() || !Groupable(summary.type())) continue;
    // Taggers without a salience model leave it 0: fall back on how often the entity occurs.
    double weight = summary.salience() > 0 ? std::min(1.0, static_cast<double>(summary.salience()))
                                           : std::min(0.8, 0.2 + 0.1 * summary.mention_count());
    if (summary.type() == v1::ENTITY_TYPE_LOC) weight *= options.location_weight;
    if (!(weight > 0)) continue;
    auto [it, added] = by_id.try_emplace(summary.entity_id());
    if (added || weight > it->second.weight) {
      it->second = {summary.entity_id(), summary.type(), summary.name(), weight};
    }
  }
  for (auto& [id, entity] : by_id) input.entities.push_back(std::move(entity));
  std::sort(input.entities.begin(), input.entities.end(), [](const auto& a, const auto& b) {
    return a.weight != b.weight ? a.weight > b.weight : a.entity_id < b.entity_id;
  });
  if (input.entities.size() > options.max_entities_per_article) {
    input.entities.resize(options.max_entities_per_article);
  }
  input.title_tokens = TitleTokens(article.title());
  return input;
}

v1::StoryMembership ToMembership(const std::string& story_id, const GroupingInput& article) {
  v1::StoryMembership record;
  record.set_story_id(story_id);
  record.set_article_id(article.article_id);
  record.set_source(article.source);
  record.set_headline(article.headline);
  record.set_event_ms(article.event_ms);
  record.set_simhash(article.simhash);
  for (const auto& e : article.entities) {
    auto* entity = record.add_entities();
    entity->set_entity_id(e.entity_id);
    entity->set_type(static_cast<v1::EntityType>(e.type));
    entity->set_name(e.name);
    entity->set_weight(static_cast<float>(e.weight));
  }
  for (const auto& token : article.title_tokens) record.add_title_tokens(token);
  return record;
}

GroupingInput FromMembership(const v1::StoryMembership& record) {
  GroupingInput input;
  input.article_id = record.article_id();
  input.source = record.source();
  input.headline = record.headline();
  input.event_ms = record.event_ms();
  input.simhash = record.simhash();
  for (const auto& e : record.entities()) {
    input.entities.push_back({e.entity_id(), e.type(), e.name(), e.weight()});
  }
  input.title_tokens.assign(record.title_tokens().begin(), record.title_tokens().end());
  return input;
}

bool ApplyMembershipRecord(std::string_view /*key*/, std::string_view value,
                           StoryGrouper* grouper) {
  v1::StoryMembership record;
  if (value.empty() || !record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
      record.story_id().empty() || record.article_id().empty()) {
    return false;
  }
  grouper->Apply(record.story_id(), FromMembership(record));
  return true;
}

StoryGrouper::StoryGrouper(StoryGrouperOptions options) : options_(options) {}

void StoryGrouper::AdvanceWatermarkLocked(int64_t event_ms) {
  watermark_ms_ = std::max(watermark_ms_, event_ms);
  while (!by_last_seen_.empty() &&
         by_last_seen_.begin()->first < watermark_ms_ - options_.window_ms) {
    RemoveStoryLocked(by_last_seen_.begin()->second);
    ++expired_;
  }
}

void StoryGrouper::RemoveStoryLocked(const std::string& story_id) {
  auto it = stories_.find(story_id);
  if (it == stories_.end()) return;
  Story& story = it->second;
  by_last_seen_.erase({story.last_ms, story.id});
  for (const auto& [entity_id, stat] : story.entities) {
    auto posting = postings_.find(entity_id);
    if (posting == postings_.end()) continue;
    auto& list = posting->second;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].story == &story) {
        list[i] = list.back();
        list.pop_back();
        break;
      }
    }
    if (list.empty()) postings_.erase(posting);
  }
  for (const auto& member : story.members) story_of_article_.erase(member.article_id);
  for (const auto& id : story.id_only_members) story_of_article_.erase(id);
  stories_.erase(it);
}

StoryGrouper::Story& StoryGrouper::CreateStoryLocked(const std::string& story_id,
                                                     const GroupingInput& article) {
  Story& story = stories_[story_id];
  story.id = story_id;
  story.first_ms = story.last_ms = article.event_ms;
  story.earliest = {article.event_ms, article.article_id};
  story.headline = article.headline;
  by_last_seen_.insert({story.last_ms, story.id});
  while (stories_.size() > options_.max_stories && !by_last_seen_.empty()) {
    auto oldest = *by_last_seen_.begin();
    if (oldest.second == story_id) break;
    RemoveStoryLocked(oldest.second);
    ++expired_;
  }
  return story;
}

void StoryGrouper::AddMemberLocked(Story& story, const GroupingInput& article) {
  story_of_article_[article.article_id] = story.id;
  if (article.event_ms > story.last_ms) {
    by_last_seen_.erase({story.last_ms, story.id});
    story.last_ms = article.event_ms;
    by_last_seen_.insert({story.last_ms, story.id});
  }
  story.first_ms = std::min(story.first_ms, article.event_ms);
  // The headline is the earliest member's, whatever order members arrive in.
  std::pair<int64_t, std::string> key{article.event_ms, article.article_id};
  if (story.members.empty() || key < story.earliest) {
    story.earliest = key;
    story.headline = article.headline;
  }
  if (story.members.size() >= options_.max_members_per_story) {
    story.id_only_members.push_back(article.article_id);
    return;
  }
  for (const auto& e : article.entities) {
    EntityStat& stat = story.entities[e.entity_id];
    if (stat.articles == 0) {
      stat.type = e.type;
      stat.name = e.name;
      postings_[e.entity_id].push_back({&story, &stat});
    }
    story.norm2 += 2 * stat.weight_sum * e.weight + e.weight * e.weight;
    stat.weight_sum += e.weight;
    stat.articles += 1;
  }
  story.members.push_back({article.article_id, article.source, article.headline, article.event_ms,
                           article.simhash, article.title_tokens});
}

GroupingDecision StoryGrouper::Assign(const GroupingInput& article) {
  std::lock_guard<std::mutex> lock(mu_);
  GroupingDecision decision;
  if (auto it = story_of_article_.find(article.article_id); it != story_of_article_.end()) {
    decision.kind = GroupingDecision::Kind::kAlreadyMember;
    decision.story_id = it->second;
    return decision;
  }
  AdvanceWatermarkLocked(article.event_ms);

  const int64_t window = options_.window_ms;
  auto in_window = [&](const Story& story) {
    return article.event_ms >= story.first_ms - window &&
           article.event_ms <= story.last_ms + window;
  };

  // A near-duplicate of a member belongs with it.
  if (!article.near_duplicate_of.empty()) {
    auto it = story_of_article_.find(article.near_duplicate_of);
    if (it != story_of_article_.end()) {
      Story& story = stories_.at(it->second);
      if (in_window(story)) {
        AddMemberLocked(story, article);
        return {GroupingDecision::Kind::kJoined, story.id, 1.0};
      }
    }
  }

  // Sparse dot products with the stories sharing an entity; common entities only add to the
  // scores of stories that rarer ones proposed.
  const uint64_t epoch = ++epoch_;
  std::vector<Story*> candidates;
  std::vector<std::pair<const GroupingEntity*, const std::vector<Posting>*>> common;
  double article_norm2 = 0;
  for (const auto& e : article.entities) {
    article_norm2 += e.weight * e.weight;
    auto posting = postings_.find(e.entity_id);
    if (posting == postings_.end()) continue;
    if (posting->second.size() > options_.common_entity_stories) {
      common.push_back({&e, &posting->second});
      continue;
    }
    for (const Posting& p : posting->second) {
      Story* story = p.story;
      if (story->scratch_epoch != epoch) {
        story->scratch_epoch = epoch;
        story->scratch_dot = 0;
        story->scratch_shared = 0;
        candidates.push_back(story);
      }
      story->scratch_dot += e.weight * p.stat->weight_sum;
      story->scratch_shared += 1;
    }
  }
  // Common entities add to the candidates' scores: by walking the posting when it is short
  // next to the candidates, else by a lookup per candidate.
  for (const auto& [e, posting] : common) {
    if (posting->size() < 8 * candidates.size()) {
      for (const Posting& p : *posting) {
        if (p.story->scratch_epoch != epoch) continue;
        p.story->scratch_dot += e->weight * p.stat->weight_sum;
        p.story->scratch_shared += 1;
      }
    } else {
      for (Story* story : candidates) {
        if (auto it = story->entities.find(e->entity_id); it != story->entities.end()) {
          story->scratch_dot += e->weight * it->second.weight_sum;
          story->scratch_shared += 1;
        }
      }
    }
  }

  struct Ranked {
    Story* story;
    double cosine;
    int shared;
  };
  std::vector<Ranked> ranked;
  ranked.reserve(candidates.size());
  for (Story* story : candidates) {
    if (!in_window(*story)) continue;
    double cosine =
        story->norm2 > 0 && article_norm2 > 0
            ? std::min(1.0, story->scratch_dot / std::sqrt(story->norm2 * article_norm2))
            : 0;
    ranked.push_back({story, cosine, story->scratch_shared});
  }
  // Highest cosine first; ties to the earlier story, then the smaller id (deterministic).
  auto ahead = [](const Ranked& a, const Ranked& b) {
    if (a.cosine != b.cosine) return a.cosine > b.cosine;
    if (a.story->first_ms != b.story->first_ms) return a.story->first_ms < b.story->first_ms;
    return a.story->id < b.story->id;
  };
  size_t scored = std::min(ranked.size(), options_.max_candidates_scored);
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(scored),
                    ranked.end(), ahead);

  const Story* best = nullptr;
  double best_score = 0;
  for (size_t r = 0; r < scored; ++r) {
    const Story* story = ranked[r].story;
    double jaccard = 0;
    bool near_duplicate = false;
    size_t from = story->members.size() > options_.recent_members_compared
                      ? story->members.size() - options_.recent_members_compared
                      : 0;
    for (size_t m = from; m < story->members.size(); ++m) {
      const Member& member = story->members[m];
      jaccard = std::max(jaccard, Jaccard(article.title_tokens, member.title_tokens));
      if (options_.near_duplicate_distance > 0 && article.simhash != 0 && member.simhash != 0 &&
          text::HammingDistance(article.simhash, member.simhash) <=
              options_.near_duplicate_distance) {
        near_duplicate = true;
      }
    }
    double score = near_duplicate ? 1.0
                                  : options_.entity_weight * ranked[r].cosine +
                                        (1 - options_.entity_weight) * jaccard;
    bool eligible = near_duplicate || (ranked[r].shared >= options_.min_shared_entities &&
                                       score >= options_.join_threshold);
    // Ranked order already breaks ties, so only a strictly higher score displaces.
    if (eligible && (!best || score > best_score)) {
      best = story;
      best_score = score;
    }
  }

  if (best) {
    Story& story = stories_.at(best->id);
    AddMemberLocked(story, article);
    return {GroupingDecision::Kind::kJoined, story.id, best_score};
  }
  const std::string story_id = StoryIdFor(article.article_id);
  Story& story = CreateStoryLocked(story_id, article);
  AddMemberLocked(story, article);
  return {GroupingDecision::Kind::kCreated, story_id, 0};
}

void StoryGrouper::Apply(const std::string& story_id, const GroupingInput& article) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = story_of_article_.find(article.article_id); it != story_of_article_.end()) {
    if (it->second != story_id) ++conflicts_;
    return;
  }
  AdvanceWatermarkLocked(article.event_ms);
  // Too old to matter: it would expire at once.
  if (article.event_ms < watermark_ms_ - options_.window_ms) return;
  auto it = stories_.find(story_id);
  Story& story = it != stories_.end() ? it->second : CreateStoryLocked(story_id, article);
  AddMemberLocked(story, article);
}

std::optional<StorySnapshot> StoryGrouper::Snapshot(std::string_view story_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = stories_.find(std::string(story_id));
  if (it == stories_.end()) return std::nullopt;
  const Story& story = it->second;
  StorySnapshot snapshot;
  snapshot.story_id = story.id;
  snapshot.headline = story.headline;
  snapshot.first_seen_ms = story.first_ms;
  snapshot.last_seen_ms = story.last_ms;
  snapshot.article_count = story.members.size() + story.id_only_members.size();
  std::set<std::string> sources;
  for (const auto& m : story.members) {
    snapshot.members.push_back({m.article_id, m.source, m.headline, m.event_ms});
    if (!m.source.empty()) sources.insert(m.source);
  }
  std::sort(snapshot.members.begin(), snapshot.members.end(), [](const auto& a, const auto& b) {
    return a.event_ms != b.event_ms ? a.event_ms < b.event_ms : a.article_id < b.article_id;
  });
  snapshot.sources.assign(sources.begin(), sources.end());
  for (const auto& [id, stat] : story.entities) {
    snapshot.top_entities.push_back({id, stat.type, stat.name, stat.articles, stat.weight_sum});
  }
  std::sort(snapshot.top_entities.begin(), snapshot.top_entities.end(),
            [](const auto& a, const auto& b) {
              return a.weight != b.weight ? a.weight > b.weight : a.entity_id < b.entity_id;
            });
  if (snapshot.top_entities.size() > kTopEntities) snapshot.top_entities.resize(kTopEntities);
  return snapshot;
}

size_t StoryGrouper::story_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stories_.size();
}

size_t StoryGrouper::member_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return story_of_article_.size();
}

uint64_t StoryGrouper::expired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expired_;
}

uint64_t StoryGrouper::conflicts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return conflicts_;
}

}  // namespace newsflow::sink
