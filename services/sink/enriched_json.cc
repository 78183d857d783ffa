#include "services/sink/enriched_json.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "services/core/entity_key.h"
#include "services/core/text/ascii.h"
#include "services/sink/json_writer.h"

namespace newsflow::sink {
namespace {

using google::protobuf::util::TimeUtil;

size_t CodePointCount(std::string_view s) {
  size_t n = 0, i = 0;
  // Eight ASCII bytes are eight code points: only words with a high bit are counted by byte.
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, sizeof(word));
    if ((word & 0x8080808080808080ULL) == 0) {
      n += 8;
      continue;
    }
    for (size_t k = i; k < i + 8; ++k) n += (static_cast<unsigned char>(s[k]) & 0xC0) != 0x80;
  }
  for (; i < s.size(); ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return n;
}

void WriteRfc3339(JsonWriter& w, int64_t seconds, int32_t nanos);  // below, by Rfc3339

template <size_t N>
void TimestampField(JsonWriter& w, const char (&key)[N], bool present,
                    const google::protobuf::Timestamp& t) {
  w.Key(key);
  if (present && (t.seconds() != 0 || t.nanos() != 0)) {
    WriteRfc3339(w, t.seconds(), t.nanos());
  } else {
    w.Null();
  }
}

void WriteMention(JsonWriter& w, const v1::EntityMention& m) {
  w.BeginObject();
  w.Field("text", m.text());
  w.Field("start", m.start());
  w.Field("end", m.end());
  w.Key("source");
  w.PlainString(MentionSourceName(m.source()));
  w.Field("confidence", m.confidence());
  if (m.has_money()) {
    w.Key("money");
    w.BeginObject();
    w.Field("amount", m.money().amount());
    w.Field("currency", m.money().currency());
    w.EndObject();
  }
  if (m.has_percent()) w.Field("percent", m.percent().value());
  w.EndObject();
}

}  // namespace

std::string_view EntityTypeName(int type) {
  switch (type) {
    case v1::ENTITY_TYPE_PERSON:
      return "person";
    case v1::ENTITY_TYPE_ORG:
      return "org";
    case v1::ENTITY_TYPE_LOC:
      return "location";
    case v1::ENTITY_TYPE_PRODUCT:
      return "product";
    case v1::ENTITY_TYPE_MONEY:
      return "money";
    case v1::ENTITY_TYPE_PERCENT:
      return "percent";
    case v1::ENTITY_TYPE_DATE:
      return "date";
    case v1::ENTITY_TYPE_TICKER:
      return "ticker";
    case v1::ENTITY_TYPE_MISC:
      return "misc";
    default:
      return "unspecified";
  }
}

std::string_view MentionSourceName(int source) {
  switch (source) {
    case v1::MENTION_SOURCE_KNOWLEDGE_BASE:
      return "knowledge_base";
    case v1::MENTION_SOURCE_RULE:
      return "rule";
    case v1::MENTION_SOURCE_MODEL:
      return "model";
    default:
      return "unspecified";
  }
}

namespace {

constexpr char kTwoDigits[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// "YYYY-MM-DD" of the day `days` after 1970-01-01 (proleptic Gregorian, years 1..9999), after
// Howard Hinnant's civil_from_days.
void WriteDate(int64_t days, char (&text)[10]) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2);
  std::memcpy(text, kTwoDigits + 2 * (year / 100), 2);
  std::memcpy(text + 2, kTwoDigits + 2 * (year % 100), 2);
  text[4] = '-';
  std::memcpy(text + 5, kTwoDigits + 2 * month, 2);
  text[7] = '-';
  std::memcpy(text + 8, kTwoDigits + 2 * day, 2);
}

// Rfc3339's text for a time in 0001..9999 with nanos in [0, 1e9), written into `buffer`; its
// length, or 0 for any other time.
size_t FormatRfc3339(int64_t seconds, int32_t nanos, char (&buffer)[32]) {
  // TimeUtil::ToString formats through printf and was a tenth of the sink's time (every
  // entity-mentions record carries a timestamp); this writes the same text directly.
  constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  if (seconds < kMinSeconds || seconds > kMaxSeconds || nanos < 0 || nanos > 999999999) {
    return 0;
  }
  const int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const int64_t second_of_day = seconds - days * 86400;
  // "YYYY-MM-DD", computed again only when the day changes (per thread): a story record has a
  // time per member, mostly of one day, and the date takes a dozen divisions.
  struct DateCache {
    int64_t days = INT64_MIN;
    char text[10];
  };
  static thread_local DateCache date;
  if (date.days != days) {
    WriteDate(days, date.text);
    date.days = days;
  }
  char* p = buffer;
  std::memcpy(p, date.text, sizeof(date.text));
  p += sizeof(date.text);
  auto two_digits = [&p](int64_t value) {
    std::memcpy(p, kTwoDigits + 2 * value, 2);
    p += 2;
  };
  auto digits = [&p](int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    p += width;
  };
  *p++ = 'T';
  two_digits(second_of_day / 3600);
  *p++ = ':';
  two_digits(second_of_day / 60 % 60);
  *p++ = ':';
  two_digits(second_of_day % 60);
  // Like protobuf: no fraction, or 3, 6 or 9 digits, whichever holds the value exactly.
  if (nanos != 0) {
    *p++ = '.';
    if (nanos % 1000000 == 0) {
      const int32_t millis = nanos / 1000000;
      *p++ = static_cast<char>('0' + millis / 100);
      two_digits(millis % 100);
    } else if (nanos % 1000 == 0) {
      digits(nanos / 1000, 6);
    } else {
      digits(nanos, 9);
    }
  }
  *p++ = 'Z';
  return static_cast<size_t>(p - buffer);
}

void MillisToTime(int64_t ms, int64_t* seconds, int32_t* nanos) {
  *seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  *nanos = static_cast<int32_t>((ms - *seconds * 1000) * 1000000);
}

}  // namespace

std::string Rfc3339(int64_t seconds, int32_t nanos) {
  char buffer[32];
  if (const size_t n = FormatRfc3339(seconds, nanos, buffer)) return std::string(buffer, n);
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return TimeUtil::ToString(t);  // whatever protobuf says of an invalid time
}

std::string Rfc3339(const google::protobuf::Timestamp& t) {
  return Rfc3339(t.seconds(), t.nanos());
}

std::string Rfc3339Millis(int64_t ms) {
  int64_t seconds;
  int32_t nanos;
  MillisToTime(ms, &seconds, &nanos);
  return Rfc3339(seconds, nanos);
}

namespace {

// Rfc3339(seconds, nanos) as a JSON string, without a std::string in between for a valid time
// (a story record has one per member).
void WriteRfc3339(JsonWriter& w, int64_t seconds, int32_t nanos) {
  char buffer[32];
  if (const size_t n = FormatRfc3339(seconds, nanos, buffer)) {
    w.PlainString(std::string_view(buffer, n));  // digits and "-:.TZ": nothing to escape
  } else {
    w.String(Rfc3339(seconds, nanos));
  }
}

void WriteRfc3339Millis(JsonWriter& w, int64_t ms) {
  int64_t seconds;
  int32_t nanos;
  MillisToTime(ms, &seconds, &nanos);
  WriteRfc3339(w, seconds, nanos);
}

}  // namespace

namespace {

// Entity ids of one article -> their index in its EntityView vector: open addressing over a flat
// array of indexes, so filing an article's mentions allocates once, not a node per entity (the
// unordered_map, its nodes and a deque for the keys were a third of EntitiesOf). Keys are
// compared against the entities' own ids, so the vector may grow (and move them) in between.
class EntityIdIndex {
 public:
  EntityIdIndex(const std::vector<EntityView>& entities, size_t max_entries) : entities_(entities) {
    size_t capacity = 16;
    while (capacity < 2 * max_entries) capacity *= 2;
    slots_.assign(capacity, kEmpty);
  }

  // The index of the entity with `id`, or kNone.
  size_t Find(std::string_view id) const {
    for (size_t slot = Start(id);; slot = (slot + 1) & (slots_.size() - 1)) {
      const uint32_t index = slots_[slot];
      if (index == kEmpty) return kNone;
      if (entities_[index].id == id) return index;
    }
  }

  // Files entities[index] under its id, which Find does not know yet.
  void Add(size_t index) {
    size_t slot = Start(entities_[index].id);
    while (slots_[slot] != kEmpty) slot = (slot + 1) & (slots_.size() - 1);
    slots_[slot] = static_cast<uint32_t>(index);
  }

  static constexpr size_t kNone = SIZE_MAX;

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  size_t Start(std::string_view id) const {
    return std::hash<std::string_view>{}(id) & (slots_.size() - 1);
  }

  const std::vector<EntityView>& entities_;
  std::vector<uint32_t> slots_;
};

}  // namespace

std::vector<EntityView> EntitiesOf(const v1::TaggedArticle& tagged) {
  std::vector<EntityView> entities;
  entities.reserve(static_cast<size_t>(tagged.entities_size()));
  EntityIdIndex by_id(entities,
                      static_cast<size_t>(tagged.entities_size() + tagged.mentions_size()));
  for (const auto& summary : tagged.entities()) {
    if (by_id.Find(summary.entity_id()) != EntityIdIndex::kNone) continue;  // a repeat adds nothing
    entities.push_back({summary.entity_id(),
                        summary.type(),
                        summary.name(),
                        summary.mention_count(),
                        summary.salience(),
                        {}});
    by_id.Add(entities.size() - 1);
  }
  // The summaries' entities, in order: the first one of a name wins.
  const size_t summarized = entities.size();
  auto find_named = [&](int type, std::string_view name) -> size_t {
    for (size_t i = 0; i < summarized; ++i) {
      if (entities[i].type == type && text::EqualsIgnoringAsciiCase(entities[i].name, name)) {
        return i;
      }
    }
    return EntityIdIndex::kNone;
  };
  // Mentions in body order (the tagger's order already, as a rule: sorted only when it is not).
  auto by_start = [](const v1::EntityMention* a, const v1::EntityMention* b) {
    return a->start() < b->start();
  };
  std::vector<const v1::EntityMention*> mentions;
  mentions.reserve(static_cast<size_t>(tagged.mentions_size()));
  for (const auto& m : tagged.mentions()) mentions.push_back(&m);
  if (!std::is_sorted(mentions.begin(), mentions.end(), by_start)) {
    std::stable_sort(mentions.begin(), mentions.end(), by_start);
  }
  // Each mention's entity first, then the entities' mention lists at their final sizes (growing
  // them one push_back at a time cost several allocations per entity).
  std::vector<uint32_t> entity_of(mentions.size());
  std::vector<uint32_t> mention_counts(entities.size());
  std::string unlinked_id;
  for (size_t k = 0; k < mentions.size(); ++k) {
    const v1::EntityMention* m = mentions[k];
    // The summary's id for this mention: the linked id, else the key the tagger's summary gave
    // the unlinked entity ("money:USD 6000000" for both "$6 million" and "600萬美元").
    std::string_view id = m->entity_id();
    if (id.empty()) {
      UnlinkedEntityIdInto(EntityTypeName(m->type()), m->canonical_name(), m->text(), &unlinked_id);
      id = unlinked_id;
    }
    size_t index = by_id.Find(id);
    if (index == EntityIdIndex::kNone) {
      for (const std::string& name : {m->canonical_name(), m->text()}) {
        if (name.empty()) continue;
        index = find_named(m->type(), name);
        if (index != EntityIdIndex::kNone) break;
      }
    }
    if (index == EntityIdIndex::kNone) {
      // Not in the summary (a producer that wrote none): an entity of its own mentions.
      const std::string& name = m->canonical_name().empty() ? m->text() : m->canonical_name();
      index = entities.size();
      entities.push_back({std::string(id), m->type(), name, 0, 0, {}});
      by_id.Add(index);
      mention_counts.push_back(0);
    }
    entity_of[k] = static_cast<uint32_t>(index);
    ++mention_counts[index];
  }
  for (size_t i = 0; i < entities.size(); ++i) entities[i].mentions.reserve(mention_counts[i]);
  for (size_t k = 0; k < mentions.size(); ++k) {
    entities[entity_of[k]].mentions.push_back(mentions[k]);
  }
  // Entities synthesized from mentions count what they have.
  for (auto& e : entities) {
    if (e.count == 0) e.count = static_cast<uint32_t>(e.mentions.size());
  }
  return entities;
}

std::optional<std::string> CheckSpans(const v1::TaggedArticle& tagged) {
  const size_t length = CodePointCount(tagged.article().body());
  for (int i = 0; i < tagged.mentions_size(); ++i) {
    const auto& m = tagged.mentions(i);
    if (m.start() > m.end() || m.end() > length) {
      return "mention " + std::to_string(i) + " ('" + m.text().substr(0, 40) + "') spans [" +
             std::to_string(m.start()) + ", " + std::to_string(m.end()) + ") but the body has " +
             std::to_string(length) + " code points";
    }
  }
  return std::nullopt;
}

MentionArrays::MentionArrays(const std::vector<EntityView>& entities) {
  size_t mentions = 0;
  for (const auto& e : entities) mentions += e.mentions.size();
  JsonWriter w;
  w.Reserve(160 * mentions + 2 * entities.size() + 64);
  spans_.reserve(entities.size());
  for (const auto& e : entities) {
    // One writer for all arrays: it puts a comma between them, which the spans leave out.
    w.BeginArray();
    const size_t begin = w.str().size() - 1;
    for (const auto* m : e.mentions) WriteMention(w, *m);
    w.EndArray();
    spans_.emplace_back(begin, w.str().size());
  }
  json_ = w.Take();
}

std::string EnrichedArticleJson(const v1::TaggedArticle& tagged,
                                const std::vector<EntityView>& entities, std::string_view story_id,
                                const google::protobuf::Timestamp& processed) {
  std::string out;
  WriteEnrichedArticleJson(tagged, entities, MentionArrays(entities), story_id, processed, &out);
  return out;
}

void WriteEnrichedArticleJson(const v1::TaggedArticle& tagged,
                              const std::vector<EntityView>& entities,
                              const MentionArrays& mention_arrays, std::string_view story_id,
                              const google::protobuf::Timestamp& processed, std::string* out) {
  const v1::Article& a = tagged.article();
  JsonWriter w(std::move(*out));
  size_t texts_bytes = a.single_language_body() ? a.body().size() : 0;
  for (const auto& t : a.texts()) texts_bytes += t.text().size();
  w.Reserve(a.body().size() + texts_bytes + 160 * static_cast<size_t>(tagged.mentions_size()) +
            1024);
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Field("id", a.article_id());
  w.StringOrNull("url", a.url());
  w.StringOrNull("canonical_url", a.canonical_url());
  w.Field("source", a.source_name());
  w.Field("title", a.title());
  w.StringOrNull("author", a.author());
  w.Key("body");
  const size_t body_begin = w.str().size();
  w.String(a.body());
  const size_t body_end = w.str().size();
  w.Field("language", a.language());
  w.Key("segments");
  w.BeginArray();
  for (const auto& s : a.segments()) {
    w.BeginObject();
    w.Field("language", s.language());
    w.Field("start", s.start());
    w.Field("end", s.end());
    w.EndObject();
  }
  w.EndArray();
  w.Key("texts");
  w.BeginArray();
  if (a.single_language_body()) {
    w.BeginObject();
    w.Field("language", a.language());
    w.Key("text");
    w.RepeatRaw(body_begin, body_end);  // the body, escaped above
    w.EndObject();
  }
  for (const auto& t : a.texts()) {
    w.BeginObject();
    w.Field("language", t.language());
    w.Field("text", t.text());
    w.EndObject();
  }
  w.EndArray();
  TimestampField(w, "published", a.has_published(), a.published());
  TimestampField(w, "ingested", a.has_ingested(), a.ingested());
  TimestampField(w, "normalized", a.has_normalized(), a.normalized());
  TimestampField(w, "processed", true, processed);
  w.Field("word_count", a.word_count());
  w.Field("reading_time_seconds", a.reading_time_seconds());
  w.StringOrNull("near_duplicate_of", a.near_duplicate_of());
  w.StringOrNull("story_id", story_id);
  w.Key("entities");
  w.BeginArray();
  for (size_t i = 0; i < entities.size(); ++i) {
    const EntityView& e = entities[i];
    w.BeginObject();
    w.Field("id", e.id);
    w.Key("type");
    w.PlainString(EntityTypeName(e.type));
    w.Field("name", e.name);
    w.Field("count", e.count);
    w.Field("salience", e.salience);
    w.Key("mentions");
    w.RawJson(mention_arrays.Of(i));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  *out = w.Take();
}

std::string MentionsArticleJson(const v1::TaggedArticle& tagged, std::string_view story_id) {
  const v1::Article& a = tagged.article();
  JsonWriter w;
  w.BeginObject();
  w.Field("id", a.article_id());
  w.Field("title", a.title());
  w.StringOrNull("url", a.url());
  w.Field("source", a.source_name());
  TimestampField(w, "published", a.has_published(), a.published());
  w.StringOrNull("story_id", story_id);
  w.EndObject();
  return w.Take();
}

std::string EntityMentionsJson(const v1::TaggedArticle& tagged, const EntityView& entity,
                               std::string_view story_id) {
  return EntityMentionsJson(MentionsArticleJson(tagged, story_id), entity);
}

std::string EntityMentionsJson(std::string_view article_json, const EntityView& entity) {
  JsonWriter w;
  w.BeginArray();
  for (const auto* m : entity.mentions) WriteMention(w, *m);
  w.EndArray();
  std::string out;
  WriteEntityMentionsJson(article_json, entity, w.str(), &out);
  return out;
}

void WriteEntityMentionsJson(std::string_view article_json, const EntityView& entity,
                             std::string_view mentions_json, std::string* out) {
  JsonWriter w(std::move(*out));
  w.Reserve(article_json.size() + mentions_json.size() + entity.id.size() + entity.name.size() +
            192);
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Key("entity");
  w.BeginObject();
  w.Field("id", entity.id);
  w.Key("type");
  w.PlainString(EntityTypeName(entity.type));
  w.Field("name", entity.name);
  w.EndObject();
  w.Key("article");
  w.RawJson(article_json);
  w.Field("mention_count", entity.count);
  w.Field("salience", entity.salience);
  w.Key("mentions");
  w.RawJson(mentions_json);
  w.EndObject();
  *out = w.Take();
}

std::string StoryJson(const StorySnapshot& story) {
  std::string out;
  WriteStoryJson(story, &out);
  return out;
}

namespace {

// Either form of a story (owning or viewing): the fields have the same names.
template <typename Story>
void WriteStoryJsonOf(const Story& story, std::string* out) {
  JsonWriter w(std::move(*out));
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Field("story_id", story.story_id);
  w.Field("headline", story.headline);
  w.Key("first_seen");
  WriteRfc3339Millis(w, story.first_seen_ms);
  w.Key("last_seen");
  WriteRfc3339Millis(w, story.last_seen_ms);
  w.Field("article_count", static_cast<uint64_t>(story.article_count));
  w.Key("articles");
  w.BeginArray();
  for (const auto& m : story.members) {
    w.BeginObject();
    w.Field("id", m.article_id);
    w.Field("source", m.source);
    w.Field("headline", m.headline);
    w.Key("seen");
    WriteRfc3339Millis(w, m.event_ms);
    w.EndObject();
  }
  w.EndArray();
  w.Key("sources");
  w.BeginArray();
  for (const auto& s : story.sources) w.String(s);
  w.EndArray();
  w.Key("top_entities");
  w.BeginArray();
  for (const auto& e : story.top_entities) {
    w.BeginObject();
    w.Field("id", e.entity_id);
    w.Key("type");
    w.PlainString(EntityTypeName(e.type));
    w.Field("name", e.name);
    w.Field("articles", e.articles);
    w.Field("weight", e.weight);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  *out = w.Take();
}

}  // namespace

void WriteStoryJson(const StorySnapshot& story, std::string* out) { WriteStoryJsonOf(story, out); }

void WriteStoryJson(const StorySnapshotView& story, std::string* out) {
  WriteStoryJsonOf(story, out);
}

}  // namespace newsflow::sink
