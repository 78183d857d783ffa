#pragma once

// TaggedArticles modelled on the reference story (../shared/samples, January 2025): four outlets'
// versions of "Nvidia praises DeepSeek's R1 model" (one bilingual English/Chinese), a follow-up
// interview a month later, and an unrelated article. Entity ids are what a knowledge-base linker
// gives ("Q-nvidia" for both "Nvidia" and "輝達"). Shared by the sink tests and benchmarks.

#include <google/protobuf/util/time_util.h>

#include <string>
#include <vector>

#include "newsflow/v1/tagged_article.pb.h"

namespace newsflow::sink::fixtures {

struct EntitySpec {
  std::string id;
  v1::EntityType type;
  std::string name;
  float salience;
  // Mention texts, found in the body in order (each occurrence after the previous one).
  std::vector<std::string> mentions;
};

inline size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

inline v1::TaggedArticle MakeTagged(const std::string& id, const std::string& source,
                                    const std::string& title, const std::string& body,
                                    const std::string& published_rfc3339,
                                    const std::vector<EntitySpec>& entities, uint64_t simhash = 0) {
  v1::TaggedArticle tagged;
  auto* a = tagged.mutable_article();
  a->set_article_id(id);
  a->set_source_name(source);
  a->set_url("https://" + source + ".example/" + id);
  a->set_canonical_url("https://" + source + ".example/" + id);
  a->set_title(title);
  a->set_body(body);
  a->set_language("en");
  a->set_simhash(simhash);
  a->set_word_count(static_cast<uint32_t>(body.size() / 6));
  a->set_reading_time_seconds(10);
  if (!published_rfc3339.empty()) {
    google::protobuf::util::TimeUtil::FromString(published_rfc3339, a->mutable_published());
  }
  for (const auto& e : entities) {
    auto* summary = tagged.add_entities();
    summary->set_entity_id(e.id);
    summary->set_type(e.type);
    summary->set_name(e.name);
    summary->set_salience(e.salience);
    uint32_t count = 0;
    size_t from = 0;
    for (const auto& text : e.mentions) {
      size_t at = body.find(text, from);
      if (at == std::string::npos) continue;
      from = at + text.size();
      auto* m = tagged.add_mentions();
      m->set_type(e.type);
      m->set_text(text);
      m->set_start(static_cast<uint32_t>(CodePoints(body.substr(0, at))));
      m->set_end(static_cast<uint32_t>(m->start() + CodePoints(text)));
      m->set_entity_id(e.id);
      m->set_canonical_name(e.name);
      m->set_source(v1::MENTION_SOURCE_KNOWLEDGE_BASE);
      m->set_confidence(0.9f);
      ++count;
    }
    summary->set_mention_count(count);
  }
  return tagged;
}

// article-1: ReadWrite, English.
inline v1::TaggedArticle ReadWrite() {
  return MakeTagged(
      "article-1", "readwrite",
      "Nvidia praises DeepSeek’s R1 model as “an excellent AI advancement”",
      "In a statement to CNBC, Nvidia tipped its hat to DeepSeek, just hours after the company’s "
      "stock plunged by 17% following the impact of DeepSeek’s own AI model R1. DeepSeek’s "
      "self-reported training cost was less than $6 million, a fraction of what OpenAI spent.",
      "2025-01-28T09:00:00Z",
      {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.92f, {"Nvidia"}},
       {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.9f, {"DeepSeek", "DeepSeek"}},
       {"Q-deepseek-r1", v1::ENTITY_TYPE_PRODUCT, "DeepSeek-R1", 0.6f, {"R1"}},
       {"Q-cnbc", v1::ENTITY_TYPE_ORG, "CNBC", 0.3f, {"CNBC"}},
       {"Q-openai", v1::ENTITY_TYPE_ORG, "OpenAI", 0.15f, {"OpenAI"}},
       {"percent:17%", v1::ENTITY_TYPE_PERCENT, "17%", 0.1f, {"17%"}},
       {"money:6000000 USD", v1::ENTITY_TYPE_MONEY, "$6 million", 0.1f, {"$6 million"}}},
      0x1111'0000'aaaa'5555ULL);
}

// article-2: CNBC, English with a Chinese translation of each paragraph; the Chinese mentions
// link to the same ids.
inline v1::TaggedArticle CnbcBilingual() {
  auto tagged = MakeTagged(
      "article-2", "cnbc", "Nvidia calls China’s DeepSeek R1 model ‘an excellent AI advancement’",
      "Nvidia called DeepSeek’s R1 model “an excellent AI advancement,” despite the Chinese "
      "startup’s emergence causing the chip maker’s stock price to plunge 17% on Monday.\n\n"
      "儘管中國新創DeepSeek R1的出現造成晶片製造商的股價下滑17%，輝達稱DeepSeek "
      "R1模型是一個傑出的進化。\n\n"
      "That counters Scale AI CEO Alexandr Wang’s comments on CNBC last week.",
      "2025-01-28T02:00:00Z",
      {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.9f, {"Nvidia", "輝達"}},
       {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.88f, {"DeepSeek", "DeepSeek"}},
       {"Q-deepseek-r1", v1::ENTITY_TYPE_PRODUCT, "DeepSeek-R1", 0.6f, {"R1", "R1"}},
       {"Q-china", v1::ENTITY_TYPE_LOC, "China", 0.3f, {"中國"}},
       {"Q-cnbc", v1::ENTITY_TYPE_ORG, "CNBC", 0.2f, {"CNBC"}},
       {"Q-alexandr-wang", v1::ENTITY_TYPE_PERSON, "Alexandr Wang", 0.2f, {"Alexandr Wang"}},
       {"Q-scale-ai", v1::ENTITY_TYPE_ORG, "Scale AI", 0.2f, {"Scale AI"}}},
      0x2222'ffff'0000'3333ULL);
  tagged.mutable_article()->set_language("en");
  return tagged;
}

// article-3: a machine-translated version with odd spacing and a ticker.
inline v1::TaggedArticle Observer() {
  return MakeTagged(
      "article-3", "observer",
      "NVIDIA praises DeepSeek’s AI breakthrough, although the stock plummeted",
      "NVIDIA (NVDA) created expensive chips. Its stocks fell more than 16 % on Monday. "
      "Despite the negative impact, NVIDIA praised Deepseek’s breakthrough. The R1 model of "
      "Deepseek cost less than $ 6 million, says Alexandr Wang of SCALE AI.",
      "2025-01-29T15:30:00Z",
      {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.9f, {"NVIDIA", "NVIDIA"}},
       {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.85f, {"Deepseek", "Deepseek"}},
       {"Q-deepseek-r1", v1::ENTITY_TYPE_PRODUCT, "DeepSeek-R1", 0.5f, {"R1"}},
       {"ticker:NVDA", v1::ENTITY_TYPE_TICKER, "NVDA", 0.3f, {"NVDA"}},
       {"Q-alexandr-wang", v1::ENTITY_TYPE_PERSON, "Alexandr Wang", 0.2f, {"Alexandr Wang"}},
       {"Q-scale-ai", v1::ENTITY_TYPE_ORG, "Scale AI", 0.2f, {"SCALE AI"}}},
      0x3333'0f0f'f0f0'1234ULL);
}

// article-5: no headline line, bullet highlights, "(NASDAQ:NVDA)".
inline v1::TaggedArticle Highlights() {
  return MakeTagged(
      "article-5", "coincentral", "",
      "Nvidia (NASDAQ:NVDA) faces significant challenges as DeepSeek’s new AI model, R1, "
      "competes in the market. The use of Nvidia H100 GPUs in DeepSeek’s development remains "
      "uncertain. DeepSeek had far less funding than OpenAI and Meta Platforms.",
      "2025-01-30T12:00:00Z",
      {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.9f, {"Nvidia", "Nvidia"}},
       {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.9f, {"DeepSeek", "DeepSeek", "DeepSeek"}},
       {"Q-deepseek-r1", v1::ENTITY_TYPE_PRODUCT, "DeepSeek-R1", 0.7f, {"R1"}},
       {"ticker:NVDA", v1::ENTITY_TYPE_TICKER, "NVDA", 0.3f, {"NVDA"}},
       {"Q-nvidia-h100", v1::ENTITY_TYPE_PRODUCT, "Nvidia H100", 0.3f, {"H100"}},
       {"Q-openai", v1::ENTITY_TYPE_ORG, "OpenAI", 0.15f, {"OpenAI"}},
       {"Q-meta", v1::ENTITY_TYPE_ORG, "Meta Platforms", 0.15f, {"Meta Platforms"}}},
      0x5555'1234'4321'8888ULL);
}

// article-4: the follow-up interview, almost a month later.
inline v1::TaggedArticle FollowUpInterview() {
  return MakeTagged(
      "article-4", "gagadget", "NVIDIA CEO Speaks Out About Chinese AI DeepSeek for the First Time",
      "It's been almost a month since NVIDIA shares crashed due to the Chinese AI model DeepSeek, "
      "and the company's CEO Jensen Huang has finally commented. As Jensen Huang said in a recent "
      "interview with Business Insider, investors rushed to conclusions about R1.",
      "2025-02-24T08:00:00Z",
      {{"Q-nvidia", v1::ENTITY_TYPE_ORG, "Nvidia", 0.8f, {"NVIDIA"}},
       {"Q-deepseek", v1::ENTITY_TYPE_ORG, "DeepSeek", 0.8f, {"DeepSeek"}},
       {"Q-jensen-huang",
        v1::ENTITY_TYPE_PERSON,
        "Jensen Huang",
        0.7f,
        {"Jensen Huang", "Jensen Huang"}},
       {"Q-business-insider", v1::ENTITY_TYPE_ORG, "Business Insider", 0.3f, {"Business Insider"}},
       {"Q-deepseek-r1", v1::ENTITY_TYPE_PRODUCT, "DeepSeek-R1", 0.3f, {"R1"}}},
      0x4444'aaaa'bbbb'ccccULL);
}

// The same days, another event.
inline v1::TaggedArticle HarborRobotics() {
  return MakeTagged(
      "harbor-1", "wire-daily", "Harbor Robotics raises $40 million for warehouse robots",
      "Harbor Robotics said on Tuesday it raised $40 million to build warehouse robots in "
      "Rotterdam. Revenue grew 35% last year, the company said, with customers in the US.",
      "2025-01-28T11:00:00Z",
      {{"Q-harbor-robotics", v1::ENTITY_TYPE_ORG, "Harbor Robotics", 0.9f, {"Harbor Robotics"}},
       {"Q-rotterdam", v1::ENTITY_TYPE_LOC, "Rotterdam", 0.4f, {"Rotterdam"}},
       {"Q-us", v1::ENTITY_TYPE_LOC, "United States", 0.2f, {"US"}},
       {"money:40000000 USD", v1::ENTITY_TYPE_MONEY, "$40 million", 0.2f, {"$40 million"}}},
      0x9999'1111'2222'3333ULL);
}

}  // namespace newsflow::sink::fixtures
