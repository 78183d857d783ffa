#pragma once

// Story grouping: versions of the same event from different outlets share a story id.
//
// An article joins the live story it is most similar to, or founds a new one. Similarity:
//  - entities: cosine between the article's entity vector (salience-weighted, linked entity ids,
//    so an English and a Chinese mention of the same company count as one entity) and the sum
//    of the story members' vectors. Dates, amounts and percentages are not identities and are
//    left out; places weigh less (`location_weight`) because "China" or "US" says little.
//  - text: token-set Jaccard of the title against the titles of the story's recent members.
//  - near-duplicates: an article normalize flagged as a near-duplicate of a member, or whose
//    SimHash is within `near_duplicate_distance` bits of a recent member's, joins that story
//    whatever its entities (re-syndicated copies often carry no new tags).
// score = entity_weight * cosine + (1 - entity_weight) * jaccard; an article joins the
// best-scoring story with score >= join_threshold and at least min_shared_entities shared
// entities, among stories whose members lie within `window_ms` of its event time.
//
// Deterministic: the same articles in the same order give the same story ids. A story's id
// derives from its founding article's id; ties go to the earlier story, then the smaller id.
// Re-assigning an article that is already a member returns its story (a record re-processed
// after an aborted transaction keeps its story id).
//
// Bounded: a story expires once the newest event time seen (the watermark) passes its last
// member's event time by `window_ms`; beyond `max_stories` the least recently joined go first;
// a story keeps the features of at most `max_members_per_story` members (later members still
// join and count, by id only).
//
// State across restarts and instances: the grouper is a cache of a compacted changelog topic
// with one StoryMembership record per article (key: article id), which sink writes in the same
// transaction as the article's outputs and which every sink instance reads in full at start and
// then follows (ChangelogReader). Folding memberships is order-independent, so every instance
// converges to the same stories.
//
// The multi-instance race window: articles are partitioned by article id, so two articles of one
// event may be processed by two instances at once. An instance sees another's decisions only
// once that instance's transaction commits and its changelog follower has read the record
// (kafka.transaction_max_ms plus a poll, typically 100-500 ms; up to the transaction timeout if
// an instance dies mid-transaction). Two articles of a new event arriving on different
// instances within that window found two stories, which then stay apart (stories are never
// merged); later articles join whichever scores higher. Likewise the news.stories snapshot an
// instance writes may miss a member another instance added within the window; the next update of
// that story includes it. A single instance has no such window. When two memberships for one
// article disagree (an instance re-processed an article after a rebalance without having seen
// the first decision), the first one applied is kept and the conflict is counted.
//
// Thread-safe: the stage thread assigns while the changelog reader applies.

#include <cstdint>
#include <map>
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
  // Event-time window: an article joins only stories with a member within this distance, and a
  // story expires this long after its last member. Default 72 hours.
  int64_t window_ms = int64_t{72} * 3600 * 1000;
  size_t max_stories = 100'000;          // least recently joined stories go first beyond this
  size_t max_members_per_story = 500;    // members whose features a story keeps
  size_t max_entities_per_article = 16;  // heaviest groupable entities kept per article
  double join_threshold = 0.45;          // minimum score to join a story
  double entity_weight = 0.75;           // share of the score from entities (rest: title)
  int min_shared_entities = 2;           // entities an article must share with a story
  int near_duplicate_distance = 6;       // SimHash bits; 0 disables the SimHash test
  double location_weight = 0.5;          // weight factor of places
  size_t recent_members_compared = 32;   // members whose titles and SimHash are compared
  // Stories (those sharing the most entity weight) whose members' titles and SimHash are
  // compared; stories beyond these are not considered.
  size_t max_candidates_scored = 16;
  // An entity in more live stories than this ("US", a company having a busy week) does not
  // propose candidates, it only adds to the scores of stories proposed by rarer entities: it
  // keeps an Assign from visiting thousands of stories. An article whose entities are all this
  // common founds a story of its own unless it is a flagged near-duplicate.
  size_t common_entity_stories = 500;
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
  double score = 0;  // similarity to the joined story (1 for near-duplicates, 0 when created)
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
  size_t article_count = 0;             // all members, including those kept by id only
  std::vector<Member> members;          // members with features, by event time then id
  std::vector<std::string> sources;     // distinct, sorted
  std::vector<TopEntity> top_entities;  // heaviest first, at most 10
};

class StoryGrouper {
 public:
  explicit StoryGrouper(StoryGrouperOptions options);

  // Decides the story of `article` and records the decision.
  GroupingDecision Assign(const GroupingInput& article);

  // Records a decision read from the changelog (this or another instance's). Idempotent.
  void Apply(const std::string& story_id, const GroupingInput& article);

  std::optional<StorySnapshot> Snapshot(std::string_view story_id) const;

  size_t story_count() const;
  size_t member_count() const;  // articles known, over all live stories
  uint64_t expired() const;     // stories expired by age or by the cap, ever
  uint64_t conflicts() const;   // changelog memberships that disagreed with a known one
  const StoryGrouperOptions& options() const { return options_; }

 private:
  struct Member {
    std::string article_id;
    std::string source;
    std::string headline;
    int64_t event_ms = 0;
    uint64_t simhash = 0;
    std::vector<std::string> title_tokens;
  };
  struct EntityStat {
    int type = 0;
    std::string name;
    double weight_sum = 0;
    uint32_t articles = 0;
  };
  struct Story {
    std::string id;
    int64_t first_ms = 0;
    int64_t last_ms = 0;
    std::pair<int64_t, std::string> earliest;  // (event_ms, article id) of the headline member
    std::string headline;
    std::vector<Member> members;               // with features, in join order
    std::vector<std::string> id_only_members;  // beyond max_members_per_story
    std::unordered_map<std::string, EntityStat> entities;
    double norm2 = 0;  // squared norm of the summed entity vector
    // Scratch of one Assign (valid while scratch_epoch == the grouper's epoch_): cheaper than
    // a hash map of candidates when an entity proposes thousands of stories.
    uint64_t scratch_epoch = 0;
    double scratch_dot = 0;
    int scratch_shared = 0;
  };

  struct Posting {
    Story* story;            // nodes of stories_ are stable until erased
    const EntityStat* stat;  // the story's statistics of the posting's entity
  };

  void AddMemberLocked(Story& story, const GroupingInput& article);
  Story& CreateStoryLocked(const std::string& story_id, const GroupingInput& article);
  void AdvanceWatermarkLocked(int64_t event_ms);
  void RemoveStoryLocked(const std::string& story_id);

  const StoryGrouperOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Story> stories_;
  std::unordered_map<std::string, std::string> story_of_article_;
  std::unordered_map<std::string, std::vector<Posting>> postings_;  // entity -> its stories
  std::set<std::pair<int64_t, std::string>> by_last_seen_;          // expiry order
  int64_t watermark_ms_ = INT64_MIN;
  uint64_t expired_ = 0;
  uint64_t conflicts_ = 0;
  uint64_t epoch_ = 0;  // one per Assign, for Story::scratch_*
};

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
GroupingInput FromMembership(const v1::StoryMembership& record);

// Applies one changelog record to `grouper`. Returns false (changing nothing) for a tombstone or
// a record that is not a valid StoryMembership.
bool ApplyMembershipRecord(std::string_view key, std::string_view value, StoryGrouper* grouper);

}  // namespace newsflow::sink
