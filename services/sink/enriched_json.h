#pragma once

// The JSON forms of sink's outputs (documented in docs/enriched-format.md, schema in
// docs/schema/enriched-article.schema.json): one enriched article, one entity-mentions record,
// one story. Pure functions of their inputs.

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/v1/tagged_article.pb.h"
#include "services/sink/story_grouper.h"

namespace newsflow::sink {

// Bumped on any incompatible change of the JSON (and protobuf) output; additions of optional
// fields keep it.
inline constexpr int kSchemaVersion = 1;

// One distinct entity of an article with its mentions in body order.
struct EntityView {
  std::string id;
  int type = 0;  // v1::EntityType
  std::string name;
  uint32_t count = 0;
  float salience = 0;
  std::vector<const v1::EntityMention*> mentions;  // point into the TaggedArticle
};

// The article's entities: its EntitySummaries in order, each with the mentions linked to it
// (same entity id, else an unlinked mention of the same type whose text or canonical name equals
// the summary's name). Mentions that match no summary become entities of their own with id
// "<type>:<lower-cased text>", salience 0. Valid while `tagged` lives.
std::vector<EntityView> EntitiesOf(const v1::TaggedArticle& tagged);

// Why the article cannot be published (a mention span outside the body or reversed), or nullopt.
std::optional<std::string> CheckSpans(const v1::TaggedArticle& tagged);

// "person", "org", "location", "product", "money", "percent", "date", "ticker", "misc",
// "unspecified".
std::string_view EntityTypeName(int type);
// "knowledge_base", "rule", "model", "unspecified".
std::string_view MentionSourceName(int source);
// RFC 3339 in UTC ("2025-01-27T10:00:00Z", fractional seconds only when present).
// Times outside 0001..9999 or with nanos outside [0, 1e9) are formatted as protobuf's TimeUtil
// formats them.
std::string Rfc3339(const google::protobuf::Timestamp& t);
std::string Rfc3339(int64_t seconds, int32_t nanos);
std::string Rfc3339Millis(int64_t ms);

// The "mentions" array of each entity of an article, serialized once: the enriched article and
// the entity's news.entity-mentions record carry the same array, and writing every mention twice
// (floats through std::to_chars) was a sixth of the stage's instructions.
class MentionArrays {
 public:
  explicit MentionArrays(const std::vector<EntityView>& entities);
  // The array of entities[i] (for the `entities` given to the constructor).
  std::string_view Of(size_t i) const {
    return std::string_view(json_).substr(spans_[i].first, spans_[i].second - spans_[i].first);
  }

 private:
  std::string json_;
  std::vector<std::pair<size_t, size_t>> spans_;  // [begin, end) of each array in json_
};

std::string EnrichedArticleJson(const v1::TaggedArticle& tagged,
                                const std::vector<EntityView>& entities, std::string_view story_id,
                                const google::protobuf::Timestamp& processed);
// The same, with the entities' mention arrays built already (MentionArrays(entities)), written
// into `*out` (replacing its contents, reusing its capacity).
void WriteEnrichedArticleJson(const v1::TaggedArticle& tagged,
                              const std::vector<EntityView>& entities,
                              const MentionArrays& mention_arrays, std::string_view story_id,
                              const google::protobuf::Timestamp& processed, std::string* out);

// One news.entity-mentions record. The "article" object is the same for every entity of an
// article: build it once with MentionsArticleJson and pass it to the second form.
std::string EntityMentionsJson(const v1::TaggedArticle& tagged, const EntityView& entity,
                               std::string_view story_id);
std::string MentionsArticleJson(const v1::TaggedArticle& tagged, std::string_view story_id);
std::string EntityMentionsJson(std::string_view article_json, const EntityView& entity);
// The same, with the entity's mention array built already (MentionArrays::Of), written into
// `*out` (replacing its contents, reusing its capacity).
void WriteEntityMentionsJson(std::string_view article_json, const EntityView& entity,
                             std::string_view mentions_json, std::string* out);

std::string StoryJson(const StorySnapshot& story);
// The same, written into `*out` (replacing its contents, reusing its capacity).
void WriteStoryJson(const StorySnapshot& story, std::string* out);
// The same from a view (StoryGrouper::VisitSnapshot), without copying the story first.
void WriteStoryJson(const StorySnapshotView& story, std::string* out);

}  // namespace newsflow::sink
