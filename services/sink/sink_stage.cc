#include "services/sink/sink_stage.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/util/time_util.h>

#include "newsflow/v1/enriched_article.pb.h"
#include "newsflow/v1/tagged_article.pb.h"
#include "services/sink/enriched_json.h"
#include "services/sink/json_writer.h"

namespace newsflow::sink {

std::unique_ptr<SinkStage> SinkStage::Create(SinkOptions options, StoryGrouper* grouper,
                                             std::string* error) {
  if (options.enriched_format != "json" && options.enriched_format != "protobuf") {
    *error = "key 'sink.enriched_format': '" + options.enriched_format +
             "' is not one of json, protobuf";
    return nullptr;
  }
  return std::unique_ptr<SinkStage>(new SinkStage(std::move(options), grouper));
}

SinkStage::SinkStage(SinkOptions options, StoryGrouper* grouper)
    : options_(std::move(options)),
      grouper_(grouper),
      arena_block_(std::make_unique<char[]>(kArenaBlockBytes)) {}

std::vector<Component> SinkStage::Components() const {
  return {{"enriched_schema", std::to_string(kSchemaVersion)},
          {"story_grouping", "single-link-rarity-2"}};
}

namespace {

// The news.stories record of a story merged into another (key: the absorbed id).
void WriteMergedStoryJson(const std::string& story_id, const std::string& merged_into,
                          std::string* out) {
  JsonWriter w(std::move(*out));
  w.BeginObject();
  w.Field("schema_version", kSchemaVersion);
  w.Field("story_id", story_id);
  w.Field("merged_into", merged_into);
  w.EndObject();
  *out = w.Take();
}

constexpr std::pair<std::string_view, std::string_view> kJsonContentType{"content-type",
                                                                         "application/json"};

}  // namespace

void SinkStage::Process(const InputRecord& input, StageResult* result) {
  // Parsed into an arena over a block the stage keeps: a tagged article is hundreds of small
  // messages and strings, and allocating them one by one was a tenth of the stage's time.
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = arena_block_.get();
  arena_options.initial_block_size = kArenaBlockBytes;
  google::protobuf::Arena arena(arena_options);
  v1::TaggedArticle& tagged = *google::protobuf::Arena::CreateMessage<v1::TaggedArticle>(&arena);
  if (!tagged.ParseFromArray(input.value.data(), static_cast<int>(input.value.size()))) {
    result->Reject("invalid_protobuf", "value (" + std::to_string(input.value.size()) +
                                           " bytes) is not a TaggedArticle");
    return;
  }
  if (!tagged.has_article()) {
    result->Reject("missing_article", "TaggedArticle has no article");
    return;
  }
  const v1::Article& article = tagged.article();
  if (article.article_id().empty()) {
    result->Reject("missing_article_id", "TaggedArticle.article.article_id is empty");
    return;
  }
  if (auto bad = CheckSpans(tagged)) {
    result->Reject("invalid_mention_span", *bad);
    return;
  }

  std::string story_id;
  GroupingInput grouping;
  GroupingDecision decision;
  if (grouper_) {
    grouping = GroupingInputFrom(tagged, input.timestamp_ms, grouper_->options());
    decision = grouper_->Assign(grouping);
    story_id = decision.story_id;
    switch (decision.kind) {
      case GroupingDecision::Kind::kCreated:
        probe_.stories_created.fetch_add(1);
        break;
      case GroupingDecision::Kind::kJoined:
        probe_.stories_joined.fetch_add(1);
        break;
      case GroupingDecision::Kind::kAlreadyMember:
        probe_.articles_regrouped.fetch_add(1);
        break;
    }
  }

  const auto processed = google::protobuf::util::TimeUtil::GetCurrentTime();
  if (article.has_ingested()) {
    const auto latency = processed - article.ingested();
    probe_.end_to_end_latency.Observe(
        static_cast<double>(google::protobuf::util::TimeUtil::DurationToMicroseconds(latency)) /
        1e6);
  }
  const std::vector<EntityView> entities = EntitiesOf(tagged);
  const MentionArrays mention_arrays(entities);
  // The stores keep the JSON form whatever the topic's format.
  std::string enriched_json;
  if (options_.enriched_format == "json") {
    // Written straight into the record (records are added through StageResult::Add, whose
    // buffers are recycled from article to article); copied only when the stores need it.
    std::string& value =
        result->Add(options_.enriched_topic, article.article_id(), {kJsonContentType}).value;
    WriteEnrichedArticleJson(tagged, entities, mention_arrays, story_id, processed, &value);
    if (!stores_.empty()) enriched_json = value;
  } else {
    if (!stores_.empty()) {
      WriteEnrichedArticleJson(tagged, entities, mention_arrays, story_id, processed,
                               &enriched_json);
    }
    v1::EnrichedArticle enriched;
    enriched.set_schema_version(kSchemaVersion);
    *enriched.mutable_article() = article;
    if (article.single_language_body()) {
      // Published with `texts` filled, whatever the internal topics carry.
      auto* only = enriched.mutable_article()->add_texts();
      only->set_language(article.language());
      only->set_text(article.body());
      enriched.mutable_article()->set_single_language_body(false);
    }
    *enriched.mutable_mentions() = tagged.mentions();
    *enriched.mutable_entities() = tagged.entities();
    enriched.set_story_id(story_id);
    *enriched.mutable_processed() = processed;
    auto* provenance = enriched.mutable_provenance();
    provenance->set_newsflow_version(options_.newsflow_version);
    provenance->set_stage("sink");
    provenance->set_instance_id(options_.instance_id);
    for (const auto& c : Components()) {
      auto* component = provenance->add_components();
      component->set_name(c.name);
      component->set_version(c.version);
    }
    result->Emit(
        options_.enriched_topic, article.article_id(), enriched.SerializeAsString(),
        {{"content-type", "application/x-protobuf; messageType=newsflow.v1.EnrichedArticle"}});
  }
  probe_.records_by_output.Add("enriched");

  const std::string mentions_article =
      entities.empty() ? std::string() : MentionsArticleJson(tagged, story_id);
  for (size_t i = 0; i < entities.size(); ++i) {
    WriteEntityMentionsJson(
        mentions_article, entities[i], mention_arrays.Of(i),
        &result->Add(options_.entity_mentions_topic, entities[i].id, {kJsonContentType}).value);
  }
  if (!entities.empty()) probe_.records_by_output.Add("entity_mentions", entities.size());

  std::optional<StorySnapshot> snapshot;
  if (grouper_) {
    // The story as this instance knows it now; a later member re-publishes it. Written from a
    // view of the grouper's state unless the stores need a copy of it anyway.
    bool found = false;
    if (stores_.empty()) {
      found = grouper_->VisitSnapshot(story_id, [&](const StorySnapshotView& story) {
        WriteStoryJson(story,
                       &result->Add(options_.stories_topic, story_id, {kJsonContentType}).value);
      });
    } else {
      snapshot = grouper_->Snapshot(story_id);
      found = snapshot.has_value();
      if (found) {
        WriteStoryJson(*snapshot,
                       &result->Add(options_.stories_topic, story_id, {kJsonContentType}).value);
      }
    }
    if (found) probe_.records_by_output.Add("stories");
    // Stories this article merged into its own: consumers learn where their articles went, and
    // the compacted topic keeps that answer for the absorbed id.
    for (const auto& absorbed : decision.merged_story_ids) {
      WriteMergedStoryJson(
          absorbed, story_id,
          &result->Add(options_.stories_topic, absorbed, {kJsonContentType}).value);
      probe_.records_by_output.Add("stories");
    }
    // Always written, even for an article already grouped: the transaction that first carried
    // its membership may have aborted.
    ToMembership(story_id, grouping, &membership_);
    membership_.SerializeToString(
        &result->Add(options_.stories_changelog_topic, article.article_id()).value);
    // Moved members are re-written under their new story, so a restore (and compaction, which
    // keeps the last record per article) finds them there.
    for (const auto& moved : decision.moved_members) {
      ToMembership(story_id, moved, &membership_);
      membership_.SerializeToString(
          &result->Add(options_.stories_changelog_topic, moved.article_id).value);
    }
  }
  if (!stores_.empty()) {
    StoredArticle stored;
    stored.tagged = &tagged;
    stored.entities = &entities;
    stored.story_id = story_id;
    stored.story = snapshot ? &*snapshot : nullptr;
    stored.enriched_json = enriched_json;
    stored.processed_ms = google::protobuf::util::TimeUtil::TimestampToMilliseconds(processed);
    for (ArticleStore* store : stores_) store->Add(stored);
  }
  probe_.articles.fetch_add(1);
}

std::optional<std::string> SinkStage::PrepareCommit() {
  for (ArticleStore* store : stores_) {
    if (auto error = store->Commit()) {
      return "store '" + std::string(store->Name()) + "': " + *error;
    }
  }
  return std::nullopt;
}

void SinkStage::Aborted() {
  for (ArticleStore* store : stores_) store->Discard();
}

}  // namespace newsflow::sink
