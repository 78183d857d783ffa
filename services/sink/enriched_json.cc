#include "services/sink/enriched_json.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "services/sink/json_writer.h"

namespace newsflow::sink {
namespace {

using google::protobuf::util::TimeUtil;

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void TimestampField(JsonWriter& w, std::string_view key, bool present,
                    const google::protobuf::Timestamp& t) {
  w.Key(key);
  if (present && (t.seconds() != 0 || t.nanos() != 0)) {
    w.String(Rfc3339(t));
  } else {
    w.Null();
  }
}

void WriteMention(JsonWriter& w, const v1::EntityMention& m) {
  w.BeginObject();
  w.Field("text", m.text());
  w.Field("start", m.start());
  w.Field("end", m.end());
  w.Field("source", MentionSourceName(m.source()));
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

std::string Rfc3339(const google::protobuf::Timestamp& t) { return TimeUtil::ToString(t); }

std::string Rfc3339Millis(int64_t ms) {
  return TimeUtil::ToString(TimeUtil::MillisecondsToTimestamp(ms));
}

std::vector<EntityView> EntitiesOf(const v1::TaggedArticle& tagged) {
  std::vector<EntityView> entities;
  std::map<std::string, size_t> by_id;
  std::map<std::pair<int, std::string>, size_t> by_type_name;
  for (const auto& summary : tagged.entities()) {
    if (by_id.count(summary.entity_id())) continue;  // a repeated summary adds nothing
    by_id[summary.entity_id()] = entities.size();
    by_type_name.try_emplace({summary.type(), Lower(summary.name())}, entities.size());
    entities.push_back({summary.entity_id(),
                        summary.type(),
                        summary.name(),
                        summary.mention_count(),
                        summary.salience(),
                        {}});
  }
  std::vector<const v1::EntityMention*> mentions;
  for (const auto& m : tagged.mentions()) mentions.push_back(&m);
  std::stable_sort(mentions.begin(), mentions.end(),
                   [](const auto* a, const auto* b) { return a->start() < b->start(); });
  for (const auto* m : mentions) {
    size_t index = entities.size();
    if (!m->entity_id().empty()) {
      if (auto it = by_id.find(m->entity_id()); it != by_id.end()) index = it->second;
    }
    if (index == entities.size()) {
      for (const std::string& name : {m->canonical_name(), m->text()}) {
        if (name.empty()) continue;
        if (auto it = by_type_name.find({m->type(), Lower(name)}); it != by_type_name.end()) {
          index = it->second;
          break;
        }
      }
    }
    if (index == entities.size()) {
      std::string id = m->entity_id().empty()
                           ? std::string(EntityTypeName(m->type())) + ":" + Lower(m->text())
                           : m->entity_id();
      if (auto it = by_id.find(id); it != by_id.end()) {
        index = it->second;
      } else {
        by_id[id] = index;
        std::string name = m->canonical_name().empty() ? m->text() : m->canonical_name();
        entities.push_back({id, m->type(), name, 0, 0, {}});
      }
    }
    entities[index].mentions.push_back(m);
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

std::string EnrichedArticleJson(const v1::TaggedArticle& tagged,
                                const std::vector<EntityView>& entities, std::string_view story_id,
                                const google::protobuf::Timestamp& processed) {
  const v1::Article& a = tagged.article();
  JsonWriter w;
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Field("id", a.article_id());
  w.StringOrNull("url", a.url());
  w.StringOrNull("canonical_url", a.canonical_url());
  w.Field("source", a.source_name());
  w.Field("title", a.title());
  w.StringOrNull("author", a.author());
  w.Field("body", a.body());
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
  for (const auto& e : entities) {
    w.BeginObject();
    w.Field("id", e.id);
    w.Field("type", EntityTypeName(e.type));
    w.Field("name", e.name);
    w.Field("count", e.count);
    w.Field("salience", e.salience);
    w.Key("mentions");
    w.BeginArray();
    for (const auto* m : e.mentions) WriteMention(w, *m);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

std::string EntityMentionsJson(const v1::TaggedArticle& tagged, const EntityView& entity,
                               std::string_view story_id) {
  const v1::Article& a = tagged.article();
  JsonWriter w;
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Key("entity");
  w.BeginObject();
  w.Field("id", entity.id);
  w.Field("type", EntityTypeName(entity.type));
  w.Field("name", entity.name);
  w.EndObject();
  w.Key("article");
  w.BeginObject();
  w.Field("id", a.article_id());
  w.Field("title", a.title());
  w.StringOrNull("url", a.url());
  w.Field("source", a.source_name());
  TimestampField(w, "published", a.has_published(), a.published());
  w.StringOrNull("story_id", story_id);
  w.EndObject();
  w.Field("mention_count", entity.count);
  w.Field("salience", entity.salience);
  w.Key("mentions");
  w.BeginArray();
  for (const auto* m : entity.mentions) WriteMention(w, *m);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

std::string StoryJson(const StorySnapshot& story) {
  JsonWriter w;
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Field("story_id", story.story_id);
  w.Field("headline", story.headline);
  w.Field("first_seen", Rfc3339Millis(story.first_seen_ms));
  w.Field("last_seen", Rfc3339Millis(story.last_seen_ms));
  w.Field("article_count", static_cast<uint64_t>(story.article_count));
  w.Key("articles");
  w.BeginArray();
  for (const auto& m : story.members) {
    w.BeginObject();
    w.Field("id", m.article_id);
    w.Field("source", m.source);
    w.Field("headline", m.headline);
    w.Field("seen", Rfc3339Millis(m.event_ms));
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
    w.Field("type", EntityTypeName(e.type));
    w.Field("name", e.name);
    w.Field("articles", e.articles);
    w.Field("weight", e.weight);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace newsflow::sink
