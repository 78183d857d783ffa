#include "services/sink/enriched_json.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <unordered_map>

#include "services/core/entity_key.h"
#include "services/core/text/ascii.h"
#include "services/sink/json_writer.h"

namespace newsflow::sink {
namespace {

using google::protobuf::util::TimeUtil;

std::string ProtobufForm(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return TimeUtil::ToString(t);
}

TEST(Rfc3339Test, KnownInstants) {
  EXPECT_EQ(Rfc3339(0, 0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339(1737936000, 0), "2025-01-27T00:00:00Z");
  EXPECT_EQ(Rfc3339(951782400, 5000000), "2000-02-29T00:00:00.005Z");
  EXPECT_EQ(Rfc3339(-1, 999000000), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Rfc3339(-62135596800, 0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339(253402300799, 999999999), "9999-12-31T23:59:59.999999999Z");
  EXPECT_EQ(Rfc3339(1, 120000), "1970-01-01T00:00:01.000120Z");
  EXPECT_EQ(Rfc3339Millis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Rfc3339Millis(1737936000123), "2025-01-27T00:00:00.123Z");
}

// The hand-written formatter replaced TimeUtil::ToString on the hot path: it must say exactly
// what protobuf says, for every representable time and every precision of the fraction.
TEST(Rfc3339Test, MatchesProtobufAcrossTheWholeRange) {
  std::mt19937_64 rng(20261123);
  std::uniform_int_distribution<int64_t> seconds(-62135596800, 253402300799);
  std::uniform_int_distribution<int32_t> nanos(0, 999999999);
  for (int i = 0; i < 20000; ++i) {
    const int64_t s = seconds(rng);
    int32_t n = nanos(rng);
    switch (i % 4) {
      case 0:
        n = 0;
        break;
      case 1:
        n -= n % 1000000;
        break;
      case 2:
        n -= n % 1000;
        break;
      default:
        break;
    }
    ASSERT_EQ(Rfc3339(s, n), ProtobufForm(s, n)) << s << " " << n;
  }
  // Every day boundary around the epoch and the Gregorian century rules (1900, 2000, 2100).
  for (int64_t day = -800000; day <= 800000; day += 97) {
    ASSERT_EQ(Rfc3339(day * 86400, 0), ProtobufForm(day * 86400, 0)) << day;
    ASSERT_EQ(Rfc3339(day * 86400 - 1, 0), ProtobufForm(day * 86400 - 1, 0)) << day;
  }
}

// The date is kept from call to call while the day stays the same: times within a day, across
// midnight and alternating between two days must all read as protobuf writes them.
TEST(Rfc3339Test, MatchesProtobufWhenTheDayRepeatsOrAlternates) {
  const int64_t midnight = 1737936000;  // 2025-01-27
  for (int64_t s = midnight - 3600; s < midnight + 2 * 86400; s += 37) {
    const int32_t n = static_cast<int32_t>((s % 7) * 1000000);
    ASSERT_EQ(Rfc3339(s, n), ProtobufForm(s, n)) << s;
  }
  for (int i = 0; i < 1000; ++i) {
    const int64_t s = (i % 2 == 0 ? midnight : -86400 * 365) + i;
    ASSERT_EQ(Rfc3339(s, 0), ProtobufForm(s, 0)) << s;
  }
}

// Unlinked mentions are filed under the entity the tagger's summary gave them, by the same key:
// an amount written two ways, and a surname standing for the full name.
TEST(EntitiesOfTest, UnlinkedMentionsJoinTheirSummaryEntityByItsKey) {
  v1::TaggedArticle tagged;
  tagged.mutable_article()->set_body("Nancy Pelosi paid $6 million. Pelosi: 600萬美元.");
  auto add_summary = [&](const std::string& id, v1::EntityType type, const std::string& name) {
    auto* e = tagged.add_entities();
    e->set_entity_id(id);
    e->set_type(type);
    e->set_name(name);
    e->set_mention_count(2);
  };
  add_summary("person:nancy pelosi", v1::ENTITY_TYPE_PERSON, "Nancy Pelosi");
  add_summary("money:USD 6000000", v1::ENTITY_TYPE_MONEY, "$6 million");
  auto add_mention = [&](v1::EntityType type, const std::string& text, uint32_t start,
                         const std::string& canonical) {
    auto* m = tagged.add_mentions();
    m->set_type(type);
    m->set_text(text);
    m->set_start(start);
    m->set_canonical_name(canonical);
  };
  add_mention(v1::ENTITY_TYPE_PERSON, "Nancy Pelosi", 0, "");
  add_mention(v1::ENTITY_TYPE_MONEY, "$6 million", 18, "USD 6000000");
  add_mention(v1::ENTITY_TYPE_PERSON, "Pelosi", 30, "Nancy Pelosi");
  add_mention(v1::ENTITY_TYPE_MONEY, "600萬美元", 38, "USD 6000000");

  const std::vector<EntityView> entities = EntitiesOf(tagged);
  ASSERT_EQ(entities.size(), 2u) << "no entity of its own for \"Pelosi\" or \"600萬美元\"";
  EXPECT_EQ(entities[0].id, "person:nancy pelosi");
  ASSERT_EQ(entities[0].mentions.size(), 2u);
  EXPECT_EQ(entities[0].mentions[1]->text(), "Pelosi");
  EXPECT_EQ(entities[1].id, "money:USD 6000000");
  ASSERT_EQ(entities[1].mentions.size(), 2u);
  EXPECT_EQ(entities[1].mentions[1]->text(), "600萬美元");
}

// EntitiesOf as first written (a hash map of ids, a deque of synthesized keys, mention lists
// grown one by one): the reference the faster version must agree with.
std::vector<EntityView> EntitiesOfReference(const v1::TaggedArticle& tagged) {
  std::vector<EntityView> entities;
  std::unordered_map<std::string_view, size_t> by_id;
  std::deque<std::string> synthesized_ids;
  struct Named {
    int type;
    std::string_view name;
    size_t index;
  };
  std::vector<Named> by_type_name;
  for (const auto& summary : tagged.entities()) {
    if (by_id.count(summary.entity_id())) continue;
    by_id.emplace(summary.entity_id(), entities.size());
    by_type_name.push_back({summary.type(), summary.name(), entities.size()});
    entities.push_back({summary.entity_id(),
                        summary.type(),
                        summary.name(),
                        summary.mention_count(),
                        summary.salience(),
                        {}});
  }
  auto find_named = [&](int type, std::string_view name) -> size_t {
    for (const Named& n : by_type_name) {
      if (n.type == type && text::EqualsIgnoringAsciiCase(n.name, name)) return n.index;
    }
    return entities.size();
  };
  std::vector<const v1::EntityMention*> mentions;
  for (const auto& m : tagged.mentions()) mentions.push_back(&m);
  std::stable_sort(mentions.begin(), mentions.end(),
                   [](const auto* a, const auto* b) { return a->start() < b->start(); });
  for (const auto* m : mentions) {
    size_t index = entities.size();
    std::string id = m->entity_id().empty() ? UnlinkedEntityId(EntityTypeName(m->type()),
                                                               m->canonical_name(), m->text())
                                            : m->entity_id();
    if (auto it = by_id.find(id); it != by_id.end()) index = it->second;
    if (index == entities.size()) {
      for (const std::string& name : {m->canonical_name(), m->text()}) {
        if (name.empty()) continue;
        index = find_named(m->type(), name);
        if (index != entities.size()) break;
      }
    }
    if (index == entities.size()) {
      std::string name = m->canonical_name().empty() ? m->text() : m->canonical_name();
      by_id.emplace(synthesized_ids.emplace_back(id), index);
      entities.push_back({std::move(id), m->type(), std::move(name), 0, 0, {}});
    }
    entities[index].mentions.push_back(m);
  }
  for (auto& e : entities) {
    if (e.count == 0) e.count = static_cast<uint32_t>(e.mentions.size());
  }
  return entities;
}

// Random articles drawn from a small vocabulary, so that ids, names and keys collide: repeated
// and empty summary ids, linked and unlinked mentions, names differing in case only, mentions
// out of body order with ties, summaries without mentions and mentions without summaries.
TEST(EntitiesOfTest, AgreesWithTheReferenceOnRandomArticles) {
  std::mt19937 rng(5);
  const std::vector<std::string> ids = {"",
                                        "Q1",
                                        "Q2",
                                        "Q-long-linked-entity-id-3",
                                        "person:ada lovelace",
                                        "money:USD 6000000",
                                        "org:acme"};
  const std::vector<std::string> names = {"Ada Lovelace", "ada lovelace", "Acme", "ACME",
                                          "$6 million",   "USD 6000000",  "Ada",  ""};
  const std::vector<v1::EntityType> types = {v1::ENTITY_TYPE_PERSON, v1::ENTITY_TYPE_ORG,
                                             v1::ENTITY_TYPE_MONEY, v1::ENTITY_TYPE_DATE};
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  for (int round = 0; round < 2000; ++round) {
    v1::TaggedArticle tagged;
    const int summaries = static_cast<int>(rng() % 8);
    for (int i = 0; i < summaries; ++i) {
      auto* e = tagged.add_entities();
      e->set_entity_id(pick(ids));
      e->set_type(pick(types));
      e->set_name(pick(names));
      e->set_mention_count(rng() % 3);
      e->set_salience(static_cast<float>(rng() % 5) / 4);
    }
    const int mentions = static_cast<int>(rng() % 40);
    uint32_t start = 0;
    for (int i = 0; i < mentions; ++i) {
      auto* m = tagged.add_mentions();
      m->set_entity_id(rng() % 2 ? "" : pick(ids));
      m->set_type(pick(types));
      m->set_text(pick(names));
      m->set_canonical_name(rng() % 2 ? "" : pick(names));
      // Mostly in order, sometimes back or level (the stable order of ties matters).
      start = rng() % 4 == 0 ? static_cast<uint32_t>(rng() % 50) : start + rng() % 3;
      m->set_start(start);
    }
    const std::vector<EntityView> expected = EntitiesOfReference(tagged);
    const std::vector<EntityView> actual = EntitiesOf(tagged);
    ASSERT_EQ(actual.size(), expected.size()) << round;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(actual[i].id, expected[i].id) << round << " " << i;
      EXPECT_EQ(actual[i].type, expected[i].type) << round << " " << i;
      EXPECT_EQ(actual[i].name, expected[i].name) << round << " " << i;
      EXPECT_EQ(actual[i].count, expected[i].count) << round << " " << i;
      EXPECT_EQ(actual[i].salience, expected[i].salience) << round << " " << i;
      EXPECT_EQ(actual[i].mentions, expected[i].mentions) << round << " " << i;
    }
  }
}

// Entity types and mention sources are written without the escaper: they must need none.
TEST(EntitiesOfTest, TypeAndSourceNamesAreWrittenAsTheEscaperWritesThem) {
  for (int value = -1; value < 32; ++value) {
    for (std::string_view name : {EntityTypeName(value), MentionSourceName(value)}) {
      JsonWriter plain, escaped;
      plain.PlainString(name);
      escaped.String(name);
      EXPECT_EQ(plain.str(), escaped.str()) << value;
    }
  }
}

TEST(EntitiesOfTest, WeekdayInChineseMeetsTheEnglishWeekday) {
  // The rules give "星期一" the canonical name "Monday"; the model's "Monday" has none.
  EXPECT_EQ(UnlinkedEntityId("date", "Monday", "星期一"), UnlinkedEntityId("date", "", "Monday"));
  EXPECT_EQ(UnlinkedEntityId("date", "2025-01-27", "January 27"), "date:2025-01-27");
  EXPECT_EQ(UnlinkedEntityId("money", "USD 6000000", "$6 million"), "money:USD 6000000");
  EXPECT_EQ(UnlinkedEntityId("ticker", "NYSE:BA", "NYSE: BA"), "ticker:NYSE:BA");
  EXPECT_EQ(UnlinkedEntityId("person", "", " Alexandr \n Wang "), "person:alexandr wang");
}

// The mention arrays are written once per article and spliced into the enriched article and every
// entity-mentions record: the same bytes as writing them in place, for entities with several
// mentions, one, and none (a summary without mentions).
TEST(MentionArraysTest, SplicedRecordsEqualTheRecordsWrittenInPlace) {
  v1::TaggedArticle tagged;
  v1::Article& article = *tagged.mutable_article();
  article.set_article_id("a-1");
  article.set_title("Harbor Robotics raises money");
  article.set_body("Harbor Robotics raised $40 million, \"a record\", Lena Vos said in Rotterdam.");
  article.set_language("en");
  article.set_single_language_body(true);
  auto add_summary = [&](const std::string& id, v1::EntityType type, const std::string& name,
                         float salience) {
    auto* e = tagged.add_entities();
    e->set_entity_id(id);
    e->set_type(type);
    e->set_name(name);
    e->set_salience(salience);
  };
  add_summary("Q1", v1::ENTITY_TYPE_ORG, "Harbor Robotics", 0.9f);
  add_summary("money:USD 40000000", v1::ENTITY_TYPE_MONEY, "$40 million", 0.4f);
  add_summary("Q3", v1::ENTITY_TYPE_PERSON, "Lena Vos", 0.7f);
  add_summary("Q4", v1::ENTITY_TYPE_LOC, "Nowhere", 0.1f);  // no mention
  auto add_mention = [&](const std::string& id, v1::EntityType type, const std::string& text,
                         uint32_t start, float confidence) {
    auto* m = tagged.add_mentions();
    m->set_entity_id(id);
    m->set_type(type);
    m->set_text(text);
    m->set_start(start);
    m->set_end(start + static_cast<uint32_t>(text.size()));
    m->set_confidence(confidence);
    return m;
  };
  add_mention("Q1", v1::ENTITY_TYPE_ORG, "Harbor Robotics", 0, 0.93f);
  auto* money = add_mention("money:USD 40000000", v1::ENTITY_TYPE_MONEY, "$40 million", 23, 1.0f);
  money->mutable_money()->set_amount(40000000);
  money->mutable_money()->set_currency("USD");
  add_mention("Q3", v1::ENTITY_TYPE_PERSON, "Lena Vos", 49, 0.81f);
  add_mention("Q1", v1::ENTITY_TYPE_ORG, "Harbor", 70, 0.5f);
  google::protobuf::Timestamp processed;
  processed.set_seconds(1737936000);

  const std::vector<EntityView> entities = EntitiesOf(tagged);
  ASSERT_EQ(entities.size(), 4u);
  ASSERT_TRUE(entities[3].mentions.empty());
  const MentionArrays arrays(entities);
  const std::string article_json = MentionsArticleJson(tagged, "st-1");
  for (size_t i = 0; i < entities.size(); ++i) {
    std::string spliced = "previous contents of a recycled buffer";
    WriteEntityMentionsJson(article_json, entities[i], arrays.Of(i), &spliced);
    EXPECT_EQ(spliced, EntityMentionsJson(article_json, entities[i])) << entities[i].id;
  }
  EXPECT_EQ(arrays.Of(3), "[]");
  std::string enriched(100000, 'x');  // a recycled buffer, longer than the document
  WriteEnrichedArticleJson(tagged, entities, arrays, "st-1", processed, &enriched);
  EXPECT_EQ(enriched, EnrichedArticleJson(tagged, entities, "st-1", processed));
  // The single-language body is written twice ("body" and "texts"), escaped the same way.
  const std::string escaped_body = R"("Harbor Robotics raised $40 million, \"a record\", )"
                                   R"(Lena Vos said in Rotterdam.")";
  EXPECT_NE(enriched.find(R"("body":)" + escaped_body), std::string::npos) << enriched;
  EXPECT_NE(enriched.find(R"("texts":[{"language":"en","text":)" + escaped_body + "}]"),
            std::string::npos)
      << enriched;
}

}  // namespace
}  // namespace newsflow::sink
