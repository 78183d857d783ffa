#include "services/sink/story_grouper.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

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

// `b` is a vector<string> or an ArticleText's tokens (same order: std::string compares as its
// string_view does).
template <typename Tokens>
double Jaccard(const std::vector<std::string>& a, const Tokens& b) {
  if (a.empty() || b.size() == 0) return 0;
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

// Dates are not evidence of one event ("Monday" is in every article of a week); amounts and
// percentages are ("$40 million" in two funding reports), though weaker than names.
bool Groupable(int type) { return type != v1::ENTITY_TYPE_DATE; }

bool IsAmount(int type) { return type == v1::ENTITY_TYPE_MONEY || type == v1::ENTITY_TYPE_PERCENT; }

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

#if defined(__x86_64__) && defined(__GNUC__)
#define NEWSFLOW_SINK_POPCNT 1
// Not inlined into its callers (their target lacks popcnt), so a call, but 5 instructions.
[[gnu::target("popcnt")]] int PopcntDistance(uint64_t a, uint64_t b) {
  return std::popcount(a ^ b);
}

// Chosen once per process: the branch on it is always predicted.
const bool kHasPopcnt = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("popcnt") != 0;
}();
#endif

}  // namespace

int SimHashDistance(uint64_t a, uint64_t b) {
#if defined(NEWSFLOW_SINK_POPCNT)
  if (kHasPopcnt) return PopcntDistance(a, b);
#endif
  return text::HammingDistance(a, b);
}

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
  // The heaviest summary of each id (the first of equals), found by sorting pointers: a map of
  // GroupingEntity copies, most of them cut below, was a fifth of this function.
  struct Weighed {
    const v1::EntitySummary* summary;
    double weight;
    int order;
  };
  std::vector<Weighed> weighed;
  weighed.reserve(static_cast<size_t>(tagged.entities_size()));
  for (int i = 0; i < tagged.entities_size(); ++i) {
    const v1::EntitySummary& summary = tagged.entities(i);
    if (summary.entity_id().empty() || !Groupable(summary.type())) continue;
    // Taggers without a salience model leave it 0: fall back on how often the entity occurs.
    double weight = summary.salience() > 0 ? std::min(1.0, static_cast<double>(summary.salience()))
                                           : std::min(0.8, 0.2 + 0.1 * summary.mention_count());
    if (summary.type() == v1::ENTITY_TYPE_LOC) weight *= options.location_weight;
    if (IsAmount(summary.type())) weight *= options.amount_weight;
    if (!(weight > 0)) continue;
    weighed.push_back({&summary, weight, i});
  }
  std::sort(weighed.begin(), weighed.end(), [](const Weighed& a, const Weighed& b) {
    const int c = a.summary->entity_id().compare(b.summary->entity_id());
    return c != 0 ? c < 0 : a.order < b.order;
  });
  size_t kept = 0;
  for (size_t i = 0; i < weighed.size();) {
    size_t best = i, j = i + 1;
    for (; j < weighed.size() && weighed[j].summary->entity_id() == weighed[i].summary->entity_id();
         ++j) {
      if (weighed[j].weight > weighed[best].weight) best = j;
    }
    weighed[kept++] = weighed[best];
    i = j;
  }
  weighed.resize(kept);
  // Ids are unique now, so this order is total.
  auto heavier = [](const Weighed& a, const Weighed& b) {
    return a.weight != b.weight ? a.weight > b.weight
                                : a.summary->entity_id() < b.summary->entity_id();
  };
  const size_t top = std::min(weighed.size(), options.max_entities_per_article);
  std::partial_sort(weighed.begin(), weighed.begin() + top, weighed.end(), heavier);
  input.entities.reserve(top);
  for (size_t i = 0; i < top; ++i) {
    const v1::EntitySummary& summary = *weighed[i].summary;
    input.entities.push_back(
        {summary.entity_id(), summary.type(), summary.name(), weighed[i].weight});
  }
  input.title_tokens = TitleTokens(article.title());
  return input;
}

v1::StoryMembership ToMembership(const std::string& story_id, const GroupingInput& article) {
  v1::StoryMembership record;
  ToMembership(story_id, article, &record);
  return record;
}

void ToMembership(const std::string& story_id, const GroupingInput& article,
                  v1::StoryMembership* out) {
  // Cleared, not replaced: a record kept from call to call keeps its strings and entity messages
  // (building a fresh one allocated each of them, a twentieth of the stage).
  out->Clear();
  v1::StoryMembership& record = *out;
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

StoryGrouper::ArticleText::ArticleText(const GroupingInput& input, bool with_tokens) {
  const std::vector<std::string> none;
  const std::vector<std::string>& tokens = with_tokens ? input.title_tokens : none;
  size_t bytes = input.article_id.size() + input.source.size() + input.headline.size();
  for (const auto& token : tokens) bytes += token.size();
  const size_t words = kHeader + tokens.size();
  data_ = std::make_unique_for_overwrite<uint32_t[]>(words + (bytes + 3) / 4);
  data_[0] = static_cast<uint32_t>(tokens.size());
  char* out = reinterpret_cast<char*>(data_.get() + words);
  uint32_t end = 0;
  auto append = [&](const std::string& text, size_t word) {
    std::memcpy(out + end, text.data(), text.size());
    end += static_cast<uint32_t>(text.size());
    data_[word] = end;
  };
  append(input.article_id, 1);
  append(input.source, 2);
  append(input.headline, 3);
  for (size_t i = 0; i < tokens.size(); ++i) append(tokens[i], kHeader + i);
}

StoryGrouper::StoryGrouper(StoryGrouperOptions options) : options_(options) {}

StoryGrouper::Story* StoryGrouper::FindLocked(const std::string& story_id) {
  auto it = stories_.find(story_id);
  if (it != stories_.end()) return &it->second;
  auto alias = aliases_.find(story_id);
  if (alias == aliases_.end()) return nullptr;
  it = stories_.find(alias->second);
  return it != stories_.end() ? &it->second : nullptr;
}

const StoryGrouper::Story* StoryGrouper::FindLocked(const std::string& story_id) const {
  return const_cast<StoryGrouper*>(this)->FindLocked(story_id);
}

double StoryGrouper::Rarity(size_t stories) const {
  if (stories <= options_.rare_entity_stories) return 1.0;
  return std::sqrt(static_cast<double>(options_.rare_entity_stories) /
                   static_cast<double>(stories));
}

void StoryGrouper::AdvanceWatermarkLocked(int64_t event_ms) {
  watermark_ms_ = std::max(watermark_ms_, event_ms);
  while (!by_last_seen_.empty() &&
         by_last_seen_.begin()->first < watermark_ms_ - options_.window_ms) {
    RemoveStoryLocked(stories_.at(by_last_seen_.begin()->second));
    ++expired_;
  }
}

void StoryGrouper::EnforceCapLocked(const Story* keep) {
  while (stories_.size() > options_.max_stories || articles_.size() > options_.max_articles) {
    auto oldest = by_last_seen_.begin();
    if (oldest != by_last_seen_.end() && keep && oldest->second == keep->id) ++oldest;
    if (oldest == by_last_seen_.end()) break;
    RemoveStoryLocked(stories_.at(oldest->second));
    ++expired_;
  }
}

void StoryGrouper::UnindexStatLocked(EntityIndex& index, const EntityStat& stat) {
  EntityStat* last = index.story_stats.back();
  index.story_stats[stat.index_slot] = last;
  last->index_slot = stat.index_slot;
  index.story_stats.pop_back();
}

void StoryGrouper::MergePostingsLocked(EntityStat& into, EntityStat& from) {
  Article* a = into.newest;
  uint32_t a_slot = into.newest_slot;
  Article* b = from.newest;
  uint32_t b_slot = from.newest_slot;
  // Where the next posting of the merged list goes: the head, then each one's `older`.
  Article** next = &into.newest;
  uint32_t* next_slot = &into.newest_slot;
  while (a != nullptr && b != nullptr) {
    const bool take_a = a->indexed > b->indexed;
    Article*& taken = take_a ? a : b;
    uint32_t& taken_slot = take_a ? a_slot : b_slot;
    *next = taken;
    *next_slot = taken_slot;
    Link& link = taken->links[taken_slot];
    next = &link.older;
    next_slot = &link.older_slot;
    taken = link.older;
    taken_slot = link.older_slot;
  }
  // The rest of the list left is linked already.
  *next = a != nullptr ? a : b;
  *next_slot = a != nullptr ? a_slot : b_slot;
  from.newest = nullptr;
}

void StoryGrouper::RemoveStoryLocked(Story& story) {
  by_last_seen_.erase({story.last_ms, story.id});
  // The members' (type, name) references go first: an entity whose last story this is goes
  // below with all its names, and a name other stories still use stays for them.
  for (const Article* article : story.members) {
    for (const Link& link : article->links) --link.index->names[link.name].refs;
  }
  // The story's postings go with its statistics: no posting list is searched.
  for (const auto& [index_key, stat] : story.entities) {
    EntityIndex& index = *stat.newest->links[stat.newest_slot].index;
    index.postings -= stat.articles;
    UnindexStatLocked(index, stat);
    if (index.story_stats.empty()) entities_.erase(entities_.find(*index.id));
  }
  // By iterator: the key is the node's own, which the erasure frees.
  for (const Article* article : story.members) articles_.erase(articles_.find(article->text.id()));
  for (const auto& id : story.absorbed) aliases_.erase(id);
  const std::string id = story.id;
  stories_.erase(id);
}

StoryGrouper::Story& StoryGrouper::CreateStoryLocked(const std::string& story_id,
                                                     int64_t event_ms) {
  auto [it, added] = stories_.try_emplace(story_id);
  Story& story = it->second;
  if (!added) return story;  // a hash collision of founding ids: share the story
  story.id = story_id;
  story.first_ms = story.last_ms = event_ms;
  story.earliest = {INT64_MAX, ""};
  by_last_seen_.insert({story.last_ms, story.id});
  return story;
}

void StoryGrouper::TouchLocked(Story& story, int64_t event_ms, std::string_view article_id,
                               std::string_view headline) {
  if (event_ms > story.last_ms) {
    by_last_seen_.erase({story.last_ms, story.id});
    story.last_ms = event_ms;
    by_last_seen_.insert({story.last_ms, story.id});
  }
  story.first_ms = std::min(story.first_ms, event_ms);
  // The headline is the earliest member's, whatever order members arrive in.
  std::pair<int64_t, std::string> key{event_ms, std::string(article_id)};
  if (key < story.earliest) {
    story.earliest = std::move(key);
    story.headline = headline;
  }
}

uint32_t StoryGrouper::RefNameLocked(EntityIndex& index, int type, const std::string& name) {
  // Linear: an id has one name or a few.
  size_t free = index.names.size();
  for (size_t i = 0; i < index.names.size(); ++i) {
    EntityIndex::Name& n = index.names[i];
    if (n.refs == 0) {
      free = std::min(free, i);
    } else if (n.type == type && n.name == name) {
      ++n.refs;
      return static_cast<uint32_t>(i);
    }
  }
  if (free == index.names.size()) index.names.emplace_back();
  EntityIndex::Name& n = index.names[free];
  n.type = type;
  n.name = name;
  n.refs = 1;
  return static_cast<uint32_t>(free);
}

void StoryGrouper::AddFeaturesLocked(Story& story, Article& article,
                                     const std::vector<GroupingEntity>& entities) {
  article.featured = true;
  article.indexed = ++indexed_;
  ++story.featured;
  article.links.reserve(entities.size());  // exactly: the vector never grows after this
  for (size_t k = 0; k < entities.size(); ++k) {
    const GroupingEntity& e = entities[k];
    auto [it, added] = entities_.try_emplace(e.entity_id);
    EntityIndex& index = it->second;
    if (added) index.id = &it->first;
    const uint32_t name = RefNameLocked(index, e.type, e.name);
    EntityStat& stat = story.entities[&index];
    if (stat.articles == 0) {
      stat.name = name;
      stat.index_slot = static_cast<uint32_t>(index.story_stats.size());
      index.story_stats.push_back(&stat);
    }
    stat.weight_sum += e.weight;
    stat.articles += 1;
    ++index.postings;
    // The latest indexed member heads the list.
    article.links.push_back({&index, stat.newest, e.weight, stat.newest_slot, name});
    stat.newest = &article;
    stat.newest_slot = static_cast<uint32_t>(k);
  }
}

void StoryGrouper::AddMemberLocked(Story& story, const GroupingInput& input) {
  const bool featured = story.featured < options_.max_members_per_story;
  Article stored;
  stored.text = ArticleText(input, featured);
  stored.event_ms = input.event_ms;
  stored.simhash = input.simhash;
  // Keyed by the block's own id: moving the article into the node moves the block's pointer,
  // not its bytes.
  const std::string_view id = stored.text.id();
  Article& article = articles_.try_emplace(id, std::move(stored)).first->second;
  article.story = &story;
  story.members.push_back(&article);
  TouchLocked(story, article.event_ms, id, article.text.headline());
  if (featured) AddFeaturesLocked(story, article, input.entities);
}

GroupingInput StoryGrouper::MemberInputLocked(const Article& article) {
  const ArticleText::Tokens tokens = article.text.title_tokens();
  GroupingInput input{std::string(article.text.id()),
                      std::string(article.text.source()),
                      std::string(article.text.headline()),
                      article.event_ms,
                      article.simhash,
                      "",
                      {},
                      {}};
  input.title_tokens.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) input.title_tokens.emplace_back(tokens[i]);
  input.entities.reserve(article.links.size());
  for (const Link& link : article.links) {
    const EntityIndex::Name& n = link.index->names[link.name];
    input.entities.push_back({*link.index->id, n.type, n.name, link.weight});
  }
  return input;
}

void StoryGrouper::MergeLocked(Story& winner, Story& loser, std::vector<GroupingInput>* moved) {
  for (Article* article : loser.members) {
    if (moved) moved->push_back(MemberInputLocked(*article));
    article->story = &winner;
    winner.members.push_back(article);
  }
  winner.featured += loser.featured;
  for (auto& [index_key, stat] : loser.entities) {
    EntityIndex& index = *stat.newest->links[stat.newest_slot].index;
    auto [it, added] = winner.entities.try_emplace(index_key, std::move(stat));
    if (added) {  // the same statistics and postings, now the winner's
      index.story_stats[it->second.index_slot] = &it->second;
      continue;
    }
    it->second.weight_sum += stat.weight_sum;
    it->second.articles += stat.articles;
    UnindexStatLocked(index, stat);
    MergePostingsLocked(it->second, stat);
  }
  if (loser.earliest < winner.earliest) {
    winner.earliest = loser.earliest;
    winner.headline = loser.headline;
  }
  winner.first_ms = std::min(winner.first_ms, loser.first_ms);
  if (loser.last_ms > winner.last_ms) {
    by_last_seen_.erase({winner.last_ms, winner.id});
    winner.last_ms = loser.last_ms;
    by_last_seen_.insert({winner.last_ms, winner.id});
  }
  by_last_seen_.erase({loser.last_ms, loser.id});
  aliases_[loser.id] = winner.id;
  for (const auto& id : loser.absorbed) aliases_[id] = winner.id;
  winner.absorbed.push_back(loser.id);
  winner.absorbed.insert(winner.absorbed.end(), loser.absorbed.begin(), loser.absorbed.end());
  ++merged_;
  const std::string id = loser.id;
  stories_.erase(id);
}

GroupingDecision StoryGrouper::Assign(const GroupingInput& article) {
  std::lock_guard<std::mutex> lock(mu_);
  GroupingDecision decision;
  if (auto it = articles_.find(article.article_id); it != articles_.end()) {
    decision.kind = GroupingDecision::Kind::kAlreadyMember;
    decision.story_id = it->second.story->id;
    return decision;
  }
  AdvanceWatermarkLocked(article.event_ms);

  auto within_window = [&](const Article& other) {
    const int64_t distance = other.event_ms > article.event_ms ? other.event_ms - article.event_ms
                                                               : article.event_ms - other.event_ms;
    return distance <= options_.window_ms;
  };
  std::vector<Story*> linked;
  double best_score = 0;
  auto link = [&](Story* story, double score) {
    if (std::find(linked.begin(), linked.end(), story) == linked.end()) linked.push_back(story);
    best_score = std::max(best_score, score);
  };

  // A near-duplicate of a member belongs with it.
  if (!article.near_duplicate_of.empty()) {
    auto it = articles_.find(article.near_duplicate_of);
    if (it != articles_.end() && within_window(it->second)) link(it->second.story, 1.0);
  }

  // Sparse rarity-weighted dot products with the articles sharing an entity; common entities
  // only add to those that rarer ones proposed.
  const uint64_t epoch = ++epoch_;
  std::vector<Article*> candidates;
  // A story linked already (a flagged near-duplicate's) needs no second pair test: the final
  // loop would skip its members, so they are not scored at all. Re-syndicated copies pile up in
  // one story, and this keeps an Assign from walking all of them.
  const Story* linked_first = linked.empty() ? nullptr : linked.front();
  std::vector<Story*> candidate_stories;  // stories with candidates, in no order
  // A common entity's share of a candidate's sums (common entities propose no candidates).
  // Inlined: called per posting of the common entities, where the call cost more than its body.
  // (clang-format takes the attribute for a multiplication.)
  // clang-format off
  auto accumulate = [&](Article* other, const GroupingEntity& entity, double other_weight,
                        double rarity) __attribute__((always_inline)) {
    // clang-format on
    const double weight = entity.weight;
    if (other->scratch_epoch != epoch) return;
    other->scratch_dot += weight * other_weight * rarity * rarity;
    other->scratch_mass += std::min(weight, other_weight) * rarity;
    // The same figure in two reports is the fingerprint of one event: it counts twice.
    if (rarity >= 0.5) other->scratch_shared += IsAmount(entity.type) ? 2 : 1;
  };
  struct Common {
    const GroupingEntity* entity;
    double rarity;
    const EntityIndex* index;
  };
  std::vector<Common> common;
  const size_t scored_per_story = options_.max_scored_members_per_story;
  double norm2 = 0, mass = 0;
  for (size_t position = 0; position < article.entities.size(); ++position) {
    const GroupingEntity& e = article.entities[position];
    // One lookup for the rarity and the postings (there were two).
    auto it = entities_.find(e.entity_id);
    const double rarity = Rarity(it == entities_.end() ? 0 : it->second.stories());
    norm2 += e.weight * e.weight * rarity * rarity;
    mass += e.weight * rarity;
    if (it == entities_.end()) continue;
    const EntityIndex* index = &it->second;
    if (index->stories() > options_.common_entity_stories) {
      common.push_back({&e, rarity, index});
      continue;
    }
    // accumulate's sums, written out with the entity's constants hoisted: this runs once per
    // posting visited. The float expressions are accumulate's, so the sums are bit-identical.
    const int shared = rarity >= 0.5 ? (IsAmount(e.type) ? 2 : 1) : 0;
    const double weight = e.weight;
    const uint32_t mark = static_cast<uint32_t>(position) + 1;
    // clang-format off
    auto add = [&](Article* other, double other_weight) __attribute__((always_inline)) {
      // clang-format on
      other->scratch_entity = mark;
      other->scratch_dot += weight * other_weight * rarity * rarity;
      other->scratch_mass += std::min(weight, other_weight) * rarity;
      other->scratch_shared += shared;
    };
    for (EntityStat* stat : index->story_stats) {
      Story* story = stat->newest->story;
      if (story == linked_first) continue;
      if (story->scratch_epoch != epoch) {  // its walk below proposes a candidate at least
        story->scratch_epoch = epoch;
        story->scratch_candidates.clear();
        candidate_stories.push_back(story);
      }
      // The story's postings of the entity, newest first (with a cap on the members scored per
      // story, a story's latest reports are the ones a new article is most like): members become
      // candidates while the story has fewer than the cap, and candidates add the entity.
      Article* other = stat->newest;
      uint32_t slot = stat->newest_slot;
      while (other != nullptr &&
             (scored_per_story == 0 || story->scratch_candidates.size() < scored_per_story)) {
        if (other->scratch_epoch != epoch) {
          other->scratch_epoch = epoch;
          other->scratch_dot = 0;
          other->scratch_mass = 0;
          other->scratch_shared = 0;
          other->scratch_proposer = mark;
          candidates.push_back(other);
          story->scratch_candidates.push_back(other);
        }
        const Link& link = other->links[slot];
        add(other, link.weight);
        other = link.older;
        slot = link.older_slot;
      }
      if (other == nullptr) continue;
      // The cap is reached with postings left: only the story's candidates among them count.
      // Each looks the entity up among its own few entities, instead of the walk visiting every
      // copy the story holds (two cache misses each, and copies pile up by the hundred).
      for (Article* candidate : story->scratch_candidates) {
        if (candidate->scratch_entity == mark) continue;
        for (const Link& link : candidate->links) {
          if (link.index != index) continue;
          add(candidate, link.weight);
          break;
        }
      }
    }
  }
  // Common entities add to the candidates' scores: by walking the postings when they are few
  // next to the candidates, else by a lookup per candidate.
  for (const Common& c : common) {
    if (c.index->postings < 8 * candidates.size()) {
      for (const EntityStat* stat : c.index->story_stats) {
        Article* other = stat->newest;
        uint32_t slot = stat->newest_slot;
        while (other != nullptr) {
          const Link& link = other->links[slot];
          accumulate(other, *c.entity, link.weight, c.rarity);
          other = link.older;
          slot = link.older_slot;
        }
      }
    } else {
      for (Article* other : candidates) {
        for (const Link& link : other->links) {
          if (link.index != c.index) continue;
          accumulate(other, *c.entity, link.weight, c.rarity);
          break;
        }
      }
    }
  }

  // The pair test of `other`: its score when the two link, else a negative number.
  auto pair_score = [&](const Article& other) {
    if (!within_window(other)) return -1.0;
    if (options_.near_duplicate_distance > 0 && article.simhash != 0 && other.simhash != 0 &&
        SimHashDistance(article.simhash, other.simhash) <= options_.near_duplicate_distance) {
      return 1.0;
    }
    if (other.scratch_shared < options_.min_shared_entities) return -1.0;
    double other_norm2 = 0, other_mass = 0;
    for (const Link& link : other.links) {
      const double rarity = Rarity(link.index->stories());
      const double w = link.weight * rarity;
      other_norm2 += w * w;
      other_mass += w;
    }
    const double smaller_mass = std::min(mass, other_mass);
    const double coverage = smaller_mass > 0 ? other.scratch_mass / smaller_mass : 0;
    if (other.scratch_shared < options_.strong_shared_entities &&
        coverage < options_.min_coverage) {
      return -1.0;
    }
    const double cosine = norm2 > 0 && other_norm2 > 0
                              ? std::min(1.0, other.scratch_dot / std::sqrt(norm2 * other_norm2))
                              : 0;
    const double score =
        options_.entity_weight * cosine +
        (1 - options_.entity_weight) * Jaccard(article.title_tokens, other.text.title_tokens());
    return score >= options_.join_threshold ? score : -1.0;
  };
  // One link is enough to join a story: a story's candidates are tested in the order they were
  // proposed until one links. The stories then link in the order of those members in a single
  // list of all candidates (by the entity that proposed them, then newest first), which is the
  // order stories merge in; sorting the few linked stories instead of all candidates keeps the
  // cost of that order off every Assign.
  struct Found {
    uint32_t proposer;
    uint64_t indexed;
    Story* story;
  };
  std::vector<Found> found;
  for (Story* candidate_story : candidate_stories) {
    for (const Article* other : candidate_story->scratch_candidates) {
      const double score = pair_score(*other);
      if (score < 0) continue;
      found.push_back({other->scratch_proposer, other->indexed, candidate_story});
      best_score = std::max(best_score, score);
      break;
    }
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.proposer != b.proposer ? a.proposer < b.proposer : a.indexed > b.indexed;
  });
  for (const Found& f : found) linked.push_back(f.story);

  Story* story = nullptr;
  if (linked.empty()) {
    story = &CreateStoryLocked(StoryIdFor(article.article_id), article.event_ms);
    decision.kind = GroupingDecision::Kind::kCreated;
  } else {
    // The story with the earliest member keeps its id; ties to the smaller id.
    story = *std::min_element(linked.begin(), linked.end(), [](const Story* a, const Story* b) {
      return a->first_ms != b->first_ms ? a->first_ms < b->first_ms : a->id < b->id;
    });
    for (Story* other : linked) {
      if (other == story) continue;
      decision.merged_story_ids.push_back(other->id);
      MergeLocked(*story, *other, &decision.moved_members);
    }
    decision.kind = GroupingDecision::Kind::kJoined;
    decision.score = best_score;
  }
  AddMemberLocked(*story, article);
  decision.story_id = story->id;
  EnforceCapLocked(story);
  return decision;
}

void StoryGrouper::Apply(const std::string& story_id, const GroupingInput& article) {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceWatermarkLocked(article.event_ms);
  Story* target = FindLocked(story_id);
  if (auto it = articles_.find(article.article_id); it != articles_.end()) {
    Story* current = it->second.story;
    if (current == target) return;
    // Both memberships are facts: the two stories are one, under the record's id (the writer's
    // decision, so instances converge on the same ids).
    ++conflicts_;
    if (!target) target = &CreateStoryLocked(story_id, current->first_ms);
    MergeLocked(*target, *current, nullptr);
    EnforceCapLocked(target);
    return;
  }
  // Too old to matter: it would expire at once.
  if (article.event_ms < watermark_ms_ - options_.window_ms) return;
  if (!target) target = &CreateStoryLocked(story_id, article.event_ms);
  AddMemberLocked(*target, article);
  EnforceCapLocked(target);
}

bool StoryGrouper::SnapshotViewLocked(std::string_view story_id, StorySnapshotView* view) const {
  const Story* found = FindLocked(std::string(story_id));
  if (!found) return false;
  const Story& story = *found;
  view->story_id = story.id;
  view->headline = story.headline;
  view->first_seen_ms = story.first_ms;
  view->last_seen_ms = story.last_ms;
  view->article_count = story.members.size();
  view->members.reserve(story.featured);
  view->sources.reserve(story.members.size());
  for (const Article* m : story.members) {
    if (!m->text.source().empty()) view->sources.push_back(m->text.source());
    if (m->featured) {
      view->members.push_back({m->text.id(), m->text.source(), m->text.headline(), m->event_ms});
    }
  }
  // Article ids are unique, so this order is total: the same whatever the order of the input.
  const auto by_event_time = [](const auto& a, const auto& b) {
    return a.event_ms != b.event_ms ? a.event_ms < b.event_ms : a.article_id < b.article_id;
  };
  const size_t listed = options_.max_listed_members;
  if (listed != 0 && view->members.size() > listed) {
    const auto first_listed = view->members.end() - static_cast<std::ptrdiff_t>(listed);
    std::nth_element(view->members.begin(), first_listed, view->members.end(), by_event_time);
    view->members.erase(view->members.begin(), first_listed);
  }
  std::sort(view->members.begin(), view->members.end(), by_event_time);
  std::sort(view->sources.begin(), view->sources.end());
  view->sources.erase(std::unique(view->sources.begin(), view->sources.end()), view->sources.end());
  for (const auto& [index, stat] : story.entities) {
    const EntityIndex::Name& name = index->names[stat.name];
    // Amounts are evidence for grouping but say nothing about what the story is about.
    if (IsAmount(name.type)) continue;
    view->top_entities.push_back(
        {*index->id, name.type, name.name, stat.articles, stat.weight_sum});
  }
  // Entity ids are unique too: the first kTopEntities of the full order.
  const size_t top = std::min(kTopEntities, view->top_entities.size());
  std::partial_sort(view->top_entities.begin(), view->top_entities.begin() + top,
                    view->top_entities.end(), [](const auto& a, const auto& b) {
                      return a.weight != b.weight ? a.weight > b.weight : a.entity_id < b.entity_id;
                    });
  view->top_entities.resize(top);
  return true;
}

std::optional<StorySnapshot> StoryGrouper::Snapshot(std::string_view story_id) const {
  std::optional<StorySnapshot> snapshot;
  VisitSnapshot(story_id, [&](const StorySnapshotView& view) {
    StorySnapshot& s = snapshot.emplace();
    s.story_id = view.story_id;
    s.headline = view.headline;
    s.first_seen_ms = view.first_seen_ms;
    s.last_seen_ms = view.last_seen_ms;
    s.article_count = view.article_count;
    s.members.reserve(view.members.size());
    for (const auto& m : view.members) {
      s.members.push_back(
          {std::string(m.article_id), std::string(m.source), std::string(m.headline), m.event_ms});
    }
    s.sources.assign(view.sources.begin(), view.sources.end());
    s.top_entities.reserve(view.top_entities.size());
    for (const auto& e : view.top_entities) {
      s.top_entities.push_back(
          {std::string(e.entity_id), e.type, std::string(e.name), e.articles, e.weight});
    }
  });
  return snapshot;
}

size_t StoryGrouper::story_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stories_.size();
}

size_t StoryGrouper::member_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return articles_.size();
}

size_t StoryGrouper::entity_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entities_.size();
}

size_t StoryGrouper::entity_name_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t names = 0;
  for (const auto& [id, index] : entities_) names += index.names.size();
  return names;
}

uint64_t StoryGrouper::expired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expired_;
}

uint64_t StoryGrouper::merged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return merged_;
}

uint64_t StoryGrouper::conflicts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return conflicts_;
}

}  // namespace newsflow::sink
