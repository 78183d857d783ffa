#pragma once

// Story grouping: versions of the same event from different outlets share a story id.
//
// A story is a connected component of the "same event" relation between articles (single link):
// a new article is compared with every live article that shares an entity with it, links to
// each one it passes the pair test with, and joins the story of those articles; when it links
// articles of several stories, those stories merge into one. Each pair is judged once, by the
// two articles alone, so the final grouping does not depend on arrival order (see "Order" below).
//
// The pair test, for two articles within `window_ms` of each other:
//  - near-duplicates link whatever their entities: normalize flagged one `near_duplicate_of` the
//    other, or their SimHashes are within `near_duplicate_distance` bits (re-syndicated copies
//    often carry no new tags);
//  - otherwise entities: each entity weighs its salience (places, amounts and percentages less,
//    dates not at all), times its rarity: an entity in more than `rare_entity_stories` live
//    stories ("United States", "AI", a company having a busy week) weighs
//    sqrt(rare_entity_stories / stories), and below half weight it is generic and does not count
//    as a shared entity. Linked ids make an English and a Chinese mention one entity. The pair
//    must share at least `min_shared_entities` non-generic entities, score
//    entity_weight * cosine + (1 - entity_weight) * title Jaccard >= join_threshold, and either
//    share `strong_shared_entities` non-generic entities (a shared amount or percentage counts
//    twice: two reports quoting the same figure is the fingerprint of one event) or have the
//    shared ones cover `min_coverage` of the smaller article's entity weight. Sharing a few
//    topic entities ("Nvidia", "DeepSeek", "R1") is how a follow-up or an analysis of the same
//    topic looks; the same event shares more (the people quoted, the outlet, the figures) or
//    almost everything.
//
// Merging: the story with the earliest first member (then the smaller id) keeps its id and
// absorbs the others; the absorbed ids resolve to it from then on. The decision lists the
// absorbed ids and the moved members, so sink re-writes their changelog records and tells
// news.stories consumers (see sink_stage.cc).
//
// Order: for a fixed set of articles the stories are the same whatever the arrival order, as
// long as rarity does not change (below `rare_entity_stories` stories per entity it is 1) and no
// story exceeds `max_members_per_story`. Story ids are "st-" + a hash of the founding article's
// id, so which id a story carries depends on which of its articles arrived first.
//
// Bounded: a story expires once the newest event time seen (the watermark) passes its last
// member's event time by `window_ms`; beyond `max_stories` the least recently joined go first;
// a story keeps the features of at most `max_members_per_story` members (later members still
// join and count, by id only; a merged story keeps those of its parts).
//
// State across restarts and instances: the grouper is a cache of a compacted changelog topic
// with one StoryMembership record per article (key: article id), which sink writes in the same
// transaction as the article's outputs (and again for each member a merge moved) and which every
// sink instance reads in full at start and then follows (ChangelogReader). A record is a fact
// "this article is in this story": a record naming another story than the one the article is in
// merges the two under the record's id, so folding is order-independent and every instance ends
// with the writer's ids.
//
// The multi-instance race window: articles are partitioned by article id, so two articles of one
// event may be processed by two instances at once. An instance sees another's decisions only
// once that instance's transaction commits and its changelog follower has read the record
// (kafka.transaction_max_ms plus a poll, typically 100-500 ms; up to the transaction timeout if
// an instance dies mid-transaction). Two articles of a new event arriving on different
// instances within that window found two stories; a later article linking both merges them.
// The news.stories snapshot an instance writes may miss a member another instance added within
// the window; the next update of that story includes it. A single instance has no such window.
// When two memberships for one article disagree (another instance's merge, or an article
// re-decided after a rebalance), the stories merge and the disagreement is counted.
//
// Thread-safe: the stage thread assigns while the changelog reader applies.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "newsflow/v1/story_membership.pb.h"
#include "newsflow/v1/tagged_article.pb.h"

namespace newsflow::sink {

struct StoryGrouperOptions {
  // Event-time window: two articles link only within this distance, and a story expires this
  // long after its last member. Default 72 hours.
  int64_t window_ms = int64_t{72} * 3600 * 1000;
  size_t max_stories = 100'000;  // least recently joined stories go first beyond this
  // Articles kept across all live stories, the bulk of the grouper's memory (~0.8 kB each with
  // their features): least recently joined stories go first beyond this. The default holds the
  // state near 80 MB.
  size_t max_articles = 100'000;
  size_t max_members_per_story = 500;  // members whose features a story keeps
  // Members a snapshot lists (`articles` on news.stories), the latest by event time; 0 lists every
  // featured member. A snapshot is published each time an article joins, so listing all members
  // made a story of n members cost O(n^2) bytes and CPU over its life: at 1,000 articles/s on
  // re-syndicated copies the sink's CPU per article grew with its stories (docs/benchmarks.md,
  // session 10). `article_count` still counts every member. Default 50.
  size_t max_listed_members = 50;
  size_t max_entities_per_article = 16;  // heaviest groupable entities kept per article
  double join_threshold = 0.45;          // minimum pair score to link two articles
  double entity_weight = 0.75;           // share of the score from entities (rest: title)
  int min_shared_entities = 2;           // non-generic entities a linked pair must share
  // Non-generic shared entities that are enough evidence without `min_coverage`. Default 4.
  int strong_shared_entities = 4;
  // With fewer shared entities than that, the share of the smaller article's entity weight the
  // shared entities must carry. Default 0.7.
  double min_coverage = 0.7;
  int near_duplicate_distance = 6;  // SimHash bits; 0 disables the SimHash test
  double location_weight = 0.5;     // weight factor of places
  double amount_weight = 0.5;       // weight factor of amounts of money and percentages
  // An entity in more live stories than this weighs sqrt(rare_entity_stories / stories); one
  // weighing less than half is generic. Default 10.
  size_t rare_entity_stories = 10;
  // An entity in more live stories than this does not propose candidates, it only adds to the
  // scores of articles proposed by rarer entities: it keeps an Assign from visiting thousands of
  // articles. An article whose entities are all this common founds a story of its own unless it
  // is a flagged near-duplicate. Default 500.
  size_t common_entity_stories = 500;
  // Members of one story scored against a new article, the most recently indexed first; 0 scores
  // all. Re-syndicated copies pile up in one story by the hundred with the same entities, and
  // each would otherwise be a candidate of every later article sharing one of them: the scoring
  // grew with the copies (docs/benchmarks.md, session 8). A story links on its best-scoring
  // member, and its members are alike, so a few of them decide as all would. The postings are
  // kept per story, newest first, so an Assign visits about this many of a story's members per
  // entity however many copies the story holds. Default 16.
  size_t max_scored_members_per_story = 16;
};

// One groupable entity of an article.
struct GroupingEntity {
  std::string entity_id;
  int type = 0;  // v1::EntityType
  std::string name;
  double weight = 0;  // 0..1
};

// What grouping needs to know of an article.
struct GroupingInput {
  std::string article_id;
  std::string source;
  std::string headline;
  int64_t event_ms = 0;
  uint64_t simhash = 0;
  std::string near_duplicate_of;          // from normalize; not stored on the changelog
  std::vector<GroupingEntity> entities;   // heaviest first, ids unique
  std::vector<std::string> title_tokens;  // sorted, unique
};

struct GroupingDecision {
  enum class Kind { kCreated, kJoined, kAlreadyMember };
  Kind kind = Kind::kCreated;
  std::string story_id;
  double score = 0;  // best pair score (1 for near-duplicates, 0 when created)
  // Stories the article linked besides `story_id`, merged into it (their ids now resolve to
  // `story_id`), and their members, which moved: their changelog records must be re-written.
  std::vector<std::string> merged_story_ids;
  std::vector<GroupingInput> moved_members;
};

// A story as published on news.stories.
struct StorySnapshot {
  struct Member {
    std::string article_id;
    std::string source;
    std::string headline;
    int64_t event_ms = 0;
  };
  struct TopEntity {
    std::string entity_id;
    int type = 0;
    std::string name;
    uint32_t articles = 0;  // members mentioning it
    double weight = 0;      // summed grouping weight over members
  };
  std::string story_id;
  std::string headline;  // of the earliest member
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  size_t article_count = 0;  // all members, including those kept by id only
  // Featured members by event time then id; the latest `max_listed_members` of them.
  std::vector<Member> members;
  std::vector<std::string> sources;     // distinct, sorted
  std::vector<TopEntity> top_entities;  // heaviest first, at most 10
};

// The same story viewing the grouper's state: what VisitSnapshot passes its callback, valid only
// during the call (the grouper's lock is held). Building it copies no string: the snapshot's
// copies of every member's id, source and headline were a twentieth of the stage.
struct StorySnapshotView {
  struct Member {
    std::string_view article_id;
    std::string_view source;
    std::string_view headline;
    int64_t event_ms = 0;
  };
  struct TopEntity {
    std::string_view entity_id;
    int type = 0;
    std::string_view name;
    uint32_t articles = 0;
    double weight = 0;
  };
  std::string_view story_id;
  std::string_view headline;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  size_t article_count = 0;
  std::vector<Member> members;            // as StorySnapshot's
  std::vector<std::string_view> sources;  // as StorySnapshot's
  std::vector<TopEntity> top_entities;    // as StorySnapshot's
};

class StoryGrouper {
 public:
  explicit StoryGrouper(StoryGrouperOptions options);

  // Decides the story of `article` and records the decision (merging the stories it links).
  GroupingDecision Assign(const GroupingInput& article);

  // Records a membership read from the changelog (this or another instance's). Idempotent; a
  // membership naming another story than the article's merges the two under `story_id`.
  void Apply(const std::string& story_id, const GroupingInput& article);

  // `story_id` may be one that was merged into another: the snapshot is the surviving story's.
  std::optional<StorySnapshot> Snapshot(std::string_view story_id) const;
  // Calls `visit(const StorySnapshotView&)` with the story Snapshot would return, under the
  // grouper's lock (keep it short: the changelog reader waits), and returns true; false, without
  // calling it, when there is no such story.
  template <typename Visit>
  bool VisitSnapshot(std::string_view story_id, Visit&& visit) const {
    std::lock_guard<std::mutex> lock(mu_);
    StorySnapshotView view;
    if (!SnapshotViewLocked(story_id, &view)) return false;
    visit(static_cast<const StorySnapshotView&>(view));
    return true;
  }

  size_t story_count() const;
  size_t member_count() const;  // articles known, over all live stories
  // Entity ids in the index: those a featured member of a live story mentions, and no other.
  size_t entity_count() const;
  // The (type, name) pairs kept for those ids, which featured members refer to instead of
  // copying them: bounded by what live members name (a freed pair's slot is reused).
  size_t entity_name_count() const;
  uint64_t expired() const;  // stories expired by age or by the cap, ever
  uint64_t merged() const;   // stories merged into another, ever
  // Changelog memberships that disagreed with a known one (and merged two stories).
  uint64_t conflicts() const;
  const StoryGrouperOptions& options() const { return options_; }

 private:
  struct Story;
  struct EntityIndex;
  struct Article;
  // An article's id, source, headline and sorted title tokens in one block: the token count,
  // where the id, the source, the headline and each token end, then their bytes back to back.
  // One allocation instead of a string each, and the id is not kept twice: articles_'s key views
  // it (the bytes stay put while the block lives, however the block is moved).
  class ArticleText {
   public:
    // The sorted title tokens of an article, valid while its block lives.
    class Tokens {
     public:
      explicit Tokens(const uint32_t* data) : data_(data) {}
      size_t size() const { return data_[0]; }
      std::string_view operator[](size_t i) const {  // i < size()
        return ArticleText::Range(data_, data_[kHeader - 1 + i], data_[kHeader + i]);
      }

     private:
      const uint32_t* data_;
    };

    ArticleText() = default;
    // With the input's title tokens or none (a member kept by id only).
    ArticleText(const GroupingInput& input, bool with_tokens);
    std::string_view id() const { return Range(data_.get(), 0, data_[1]); }
    std::string_view source() const { return Range(data_.get(), data_[1], data_[2]); }
    std::string_view headline() const { return Range(data_.get(), data_[2], data_[3]); }
    Tokens title_tokens() const { return Tokens(data_.get()); }

   private:
    static constexpr size_t kHeader = 4;  // token count, id, source and headline ends
    static std::string_view Range(const uint32_t* data, uint32_t begin, uint32_t end) {
      return {reinterpret_cast<const char*>(data + kHeader + data[0]) + begin, end - begin};
    }
    std::unique_ptr<uint32_t[]> data_;
  };
  // One entity of a featured article: a posting of the entity's index, linked to the next older
  // featured member of the same story that mentions the entity (the story's postings of the
  // entity form a list, newest first, headed by its EntityStat). It is also all the article keeps
  // of the entity: the id is the index's key, the type and name are index->names[name].
  struct Link {
    EntityIndex* index;
    Article* older;       // null at the end of the list
    double weight;        // the entity's weight in this article
    uint32_t older_slot;  // the entity's position in `older`'s links
    uint32_t name;        // the article's (type, name) of the entity: index->names[name]
  };
  struct Article {
    ArticleText text;  // no title tokens once kept by id only
    int64_t event_ms = 0;
    uint64_t simhash = 0;
    // The article's entities in its input order (heaviest first), while featured; empty once
    // kept by id only. Exactly sized.
    std::vector<Link> links;
    Story* story = nullptr;
    uint64_t indexed = 0;  // when it was featured (StoryGrouper::indexed_), later ones higher
    // Scratch of one Assign (valid while scratch_epoch == the grouper's epoch_).
    uint64_t scratch_epoch = 0;
    double scratch_dot = 0;         // rarity-weighted dot product with the new article
    double scratch_mass = 0;        // rarity-weighted shared weight (minimum of the two sides)
    int scratch_shared = 0;         // non-generic shared entities (amounts count twice)
    uint32_t scratch_entity = 0;    // 1 + position of the new article's entity added last
    uint32_t scratch_proposer = 0;  // 1 + position of the new article's entity that proposed it
    // In the postings and its story's entity statistics (last: it fits the padding).
    bool featured = false;
  };
  // An entity in one story: its statistics over the featured members, and their postings.
  struct EntityStat {
    uint32_t index_slot = 0;  // position in the EntityIndex's story_stats
    // The (type, name) of the member that added the entity to the story, index->names[name]:
    // that member stays in the story (merged along with it), so its reference keeps the pair.
    uint32_t name = 0;
    double weight_sum = 0;
    uint32_t articles = 0;
    uint32_t newest_slot = 0;   // the entity's position in `newest`'s links
    Article* newest = nullptr;  // the latest indexed member mentioning it (the list's head)
  };
  struct Story {
    std::string id;
    int64_t first_ms = 0;
    int64_t last_ms = 0;
    std::pair<int64_t, std::string> earliest;  // (event_ms, article id) of the headline member
    std::string headline;
    std::vector<Article*> members;  // in join order; nodes of articles_ are stable
    size_t featured = 0;            // members with features
    // Over featured members, by the entity's index (a node of entities_, stable while a featured
    // member mentions it, so while this story has the entry).
    std::unordered_map<const EntityIndex*, EntityStat> entities;
    std::vector<std::string> absorbed;  // ids merged into this story
    // Scratch of one Assign (valid while scratch_epoch == the grouper's epoch_): members proposed.
    uint64_t scratch_epoch = 0;
    std::vector<Article*> scratch_candidates;
  };
  struct EntityIndex {
    const std::string* id = nullptr;  // its key in entities_
    // The entity in every live story with a featured member mentioning it, in no order; each
    // heads that story's postings of the entity.
    std::vector<EntityStat*> story_stats;
    size_t postings = 0;  // featured articles mentioning the entity, over all stories
    // The (type, name) pairs the featured members gave the id (a tagger may name one id
    // differently from article to article, and each member's pair goes back on the changelog
    // when it moves), with the links referring to each; one with none is free for the next.
    struct Name {
      int type = 0;
      std::string name;
      uint32_t refs = 0;
    };
    std::vector<Name> names;
    size_t stories() const { return story_stats.size(); }
  };

  bool SnapshotViewLocked(std::string_view story_id, StorySnapshotView* view) const;
  // The weight factor of an entity in `stories` live stories.
  double Rarity(size_t stories) const;
  Story& CreateStoryLocked(const std::string& story_id, int64_t event_ms);
  // Stores `input`, which must not be a live article, as a member of `story` (with its features
  // while the story has fewer than max_members_per_story featured members).
  void AddMemberLocked(Story& story, const GroupingInput& input);
  // Indexes `entities` (the article's input entities) as `article`'s links.
  void AddFeaturesLocked(Story& story, Article& article,
                         const std::vector<GroupingEntity>& entities);
  // Takes `stat` (of a story being merged or removed) out of its entity's index.
  static void UnindexStatLocked(EntityIndex& index, const EntityStat& stat);
  // Moves the postings of `from` into `into`'s list, keeping it newest first.
  static void MergePostingsLocked(EntityStat& into, EntityStat& from);
  void TouchLocked(Story& story, int64_t event_ms, std::string_view article_id,
                   std::string_view headline);
  // Moves every member of `loser` into `winner` and erases `loser`; appends the moved members'
  // changelog view to `moved` when not null.
  void MergeLocked(Story& winner, Story& loser, std::vector<GroupingInput>* moved);
  // The slot of (type, name) in `index`'s names, with one more reference.
  static uint32_t RefNameLocked(EntityIndex& index, int type, const std::string& name);
  // The changelog view of a member: its entities and title tokens while featured.
  static GroupingInput MemberInputLocked(const Article& article);
  void AdvanceWatermarkLocked(int64_t event_ms);
  void EnforceCapLocked(const Story* keep);
  void RemoveStoryLocked(Story& story);
  Story* FindLocked(const std::string& story_id);
  const Story* FindLocked(const std::string& story_id) const;

  const StoryGrouperOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Story> stories_;
  // Every member of a live story, keyed by a view of its own id (Article::text).
  std::unordered_map<std::string_view, Article> articles_;
  std::unordered_map<std::string, std::string> aliases_;    // merged story id -> survivor
  std::unordered_map<std::string, EntityIndex> entities_;   // entity id -> its articles
  std::set<std::pair<int64_t, std::string>> by_last_seen_;  // expiry order
  int64_t watermark_ms_ = INT64_MIN;
  uint64_t expired_ = 0;
  uint64_t merged_ = 0;
  uint64_t conflicts_ = 0;
  uint64_t epoch_ = 0;    // one per Assign, for Article::scratch_*
  uint64_t indexed_ = 0;  // articles featured, ever: Article::indexed
};

// text::HammingDistance(a, b), with the popcnt instruction where the CPU has it (checked once per
// process). The build's baseline x86-64 target has no popcnt, so the plain version is a library
// call (__popcountdi2) costing ~20 instructions, and Assign measures it against hundreds of
// candidates per article. Same result on every CPU.
int SimHashDistance(uint64_t a, uint64_t b);

// The story id an article founds: "st-" and 16 hex digits of a hash of its id.
std::string StoryIdFor(std::string_view article_id);

// Lower-cased title tokens for the Jaccard test: ASCII letter/digit runs of 2+ characters minus
// a few function words, other-script letter runs as words, and Han/kana characters as
// overlapping bigrams. Sorted, unique.
std::vector<std::string> TitleTokens(std::string_view title);

// The grouping view of a tagged article. `fallback_event_ms` (the record's timestamp) is used
// when the article has neither a published nor an ingested time.
GroupingInput GroupingInputFrom(const v1::TaggedArticle& tagged, int64_t fallback_event_ms,
                                const StoryGrouperOptions& options);

// The changelog record of a decision, and back.
v1::StoryMembership ToMembership(const std::string& story_id, const GroupingInput& article);
// The same into `*record` (replacing its contents, reusing its strings and messages).
void ToMembership(const std::string& story_id, const GroupingInput& article,
                  v1::StoryMembership* record);
GroupingInput FromMembership(const v1::StoryMembership& record);

// Applies one changelog record to `grouper`. Returns false (changing nothing) for a tombstone or
// a record that is not a valid StoryMembership.
bool ApplyMembershipRecord(std::string_view key, std::string_view value, StoryGrouper* grouper);

}  // namespace newsflow::sink
