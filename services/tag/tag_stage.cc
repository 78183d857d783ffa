#include "services/tag/tag_stage.h"

#include <google/protobuf/arena.h>

#include <array>

#include "services/core/proto_wire.h"

namespace newsflow {
namespace {

v1::EntityType ToProto(tag::EntityType type) {
  // tag::EntityType follows the proto's order, without UNSPECIFIED.
  return static_cast<v1::EntityType>(static_cast<int>(type) + 1);
}

v1::MentionSource ToProto(tag::MentionSource source) {
  switch (source) {
    case tag::MentionSource::kKnowledgeBase:
      return v1::MENTION_SOURCE_KNOWLEDGE_BASE;
    case tag::MentionSource::kRule:
      return v1::MENTION_SOURCE_RULE;
    case tag::MentionSource::kModel:
      return v1::MENTION_SOURCE_MODEL;
  }
  return v1::MENTION_SOURCE_UNSPECIFIED;
}

}  // namespace

void FillTaggedArticle(const tag::TagResult& result, v1::TaggedArticle* tagged) {
  for (const auto& m : result.mentions) {
    auto* mention = tagged->add_mentions();
    mention->set_type(ToProto(m.type));
    mention->set_text(m.text);
    mention->set_start(m.start);
    mention->set_end(m.end);
    mention->set_entity_id(m.entity_id);
    mention->set_canonical_name(m.canonical_name);
    mention->set_source(ToProto(m.source));
    mention->set_confidence(m.confidence);
    if (m.money) {
      mention->mutable_money()->set_amount(m.money->amount);
      mention->mutable_money()->set_currency(m.money->currency);
    }
    if (m.percent) mention->mutable_percent()->set_value(m.percent->value);
  }
  for (const auto& e : result.entities) {
    auto* entity = tagged->add_entities();
    entity->set_entity_id(e.entity_id);
    entity->set_type(ToProto(e.type));
    entity->set_name(e.name);
    entity->set_mention_count(e.mention_count);
    entity->set_first_position(e.first_position);
    entity->set_salience(e.salience);
  }
}

TagStage::TagStage(TagStageOptions options, std::unique_ptr<tag::EntityTagger> tagger)
    : options_(std::move(options)), tagger_(std::move(tagger)) {}

std::vector<Component> TagStage::Components() const {
  return {{"knowledge_base", tagger_->kb_version()},
          {"ner_model", tagger_->model_version()},
          {"rules", "1"}};
}

void TagStage::Process(const InputRecord& input, StageResult* result) {
  // The messages' strings and submessages (a few per mention) come from one arena whose first
  // block is on the stack, instead of one heap allocation each.
  alignas(16) char arena_block[16384];
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = arena_block;
  arena_options.initial_block_size = sizeof(arena_block);
  google::protobuf::Arena arena(arena_options);
  auto& article = *google::protobuf::Arena::CreateMessage<v1::Article>(&arena);
  if (!article.ParseFromArray(input.value.data(), static_cast<int>(input.value.size()))) {
    result->Reject("invalid_protobuf", "value is not a newsflow.v1.Article");
    return;
  }
  if (article.article_id().empty()) {
    result->Reject("missing_article_id", "Article has no article_id");
    return;
  }
  if (article.body().empty()) {
    result->Reject("empty_body", "Article has an empty body");
    return;
  }
  if (static_cast<int64_t>(article.body().size()) > options_.max_body_bytes) {
    result->Reject("content_too_large", "body is " + std::to_string(article.body().size()) +
                                            " bytes; tag.max_body_bytes is " +
                                            std::to_string(options_.max_body_bytes));
    return;
  }
  tag::TagResult tags = tagger_->Tag(article.body(), article.title());
  auto& tagged = *google::protobuf::Arena::CreateMessage<v1::TaggedArticle>(&arena);
  FillTaggedArticle(tags, &tagged);
  CountMentions(tags.mentions);
  auto* provenance = tagged.mutable_provenance();
  provenance->set_newsflow_version(options_.newsflow_version);
  provenance->set_stage("entity-tag");
  provenance->set_instance_id(options_.instance_id);
  for (const auto& c : Components()) {
    auto* component = provenance->add_components();
    component->set_name(c.name);
    component->set_version(c.version);
  }
  // Add, not Emit: the value reuses the buffer of an earlier article's (StageResult::Clear).
  SerializeTaggedArticle(input.value, tagged,
                         &result->Add(options_.output_topic, article.article_id()).value);
}

void TagStage::CountMentions(const std::vector<tag::Mention>& mentions) {
  // Counted per article first: the probe takes a lock and a label string per call, and an
  // article has dozens of mentions but a few distinct types.
  constexpr size_t kTypes = static_cast<size_t>(tag::EntityType::kMisc) + 1;
  constexpr size_t kSources = static_cast<size_t>(tag::MentionSource::kModel) + 1;
  std::array<uint64_t, kTypes> by_type{};
  std::array<uint64_t, kSources> by_source{};
  for (const auto& m : mentions) {
    ++by_type[static_cast<size_t>(m.type)];
    ++by_source[static_cast<size_t>(m.source)];
  }
  for (size_t t = 0; t < kTypes; ++t) {
    if (by_type[t] == 0) continue;
    probe_.mentions.Add(std::string(tag::EntityTypeName(static_cast<tag::EntityType>(t))),
                        by_type[t]);
  }
  for (size_t s = 0; s < kSources; ++s) {
    if (by_source[s] == 0) continue;
    probe_.mentions_by_source.Add(
        std::string(tag::MentionSourceName(static_cast<tag::MentionSource>(s))), by_source[s]);
  }
  if (mentions.empty()) probe_.articles_without_entities.fetch_add(1);
}

std::string SerializeTaggedArticle(std::string_view article_bytes,
                                   const v1::TaggedArticle& tagged) {
  std::string out;
  SerializeTaggedArticle(article_bytes, tagged, &out);
  return out;
}

void SerializeTaggedArticle(std::string_view article_bytes, const v1::TaggedArticle& tagged,
                            std::string* out) {
  out->clear();
  // ByteSizeLong once: it caches the submessages' sizes, which SerializeWithCachedSizesToArray
  // uses (AppendToString would compute them all again).
  const size_t tagged_size = tagged.ByteSizeLong();
  out->reserve(
      wire::LengthDelimitedSize(v1::TaggedArticle::kArticleFieldNumber, article_bytes.size()) +
      tagged_size);
  wire::AppendLengthDelimited(v1::TaggedArticle::kArticleFieldNumber, article_bytes, out);
  const size_t offset = out->size();
  out->resize(offset + tagged_size);
  tagged.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out->data() + offset));
}

}  // namespace newsflow
