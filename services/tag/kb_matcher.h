#pragma once

// Finds knowledge-base aliases in article text: one Hyperscan literal database holding every
// alias, then boundary, case and overlap rules applied to the raw hits.
//
// Matching rules (all byte-level on UTF-8; invalid UTF-8 is safe and simply never matches a
// multi-byte alias):
//  - Word boundaries: an alias that begins (ends) with an ASCII letter/digit must not be preceded
//    (followed) by a letter or digit of a space-delimited script (ASCII, Latin-1/Extended, Greek,
//    Cyrillic) or '_'. CJK text has no spaces, so an alias edge that is CJK matches anywhere, and
//    a CJK character next to a Latin alias is a boundary ("中國新創DeepSeek的").
//  - Possessives need no special case: "Nvidia's" / "Nvidia’s" match with span "Nvidia".
//  - Plural of model numbers: an alias ending in a digit may be followed by "s" ("H100s" -> span
//    "H100").
//  - Case: aliases match ASCII-case-insensitively ("NVIDIA" and "Nvidia" link to one id), except
//    aliases from entities marked `exact: true` and short acronyms (all letters upper case, at
//    most KbMatcherOptions::acronym_max_letters letters: "US", "IBM", "CNBC"), which match
//    exactly. An exact-case hit has confidence 1.0, a case-folded one `folded_confidence`. A
//    case-folded hit needs an upper-case letter when the alias has one: news writes names
//    capitalized, and an all-lower-case "youtube-dl", "the information" or "micron" is a word or
//    an identifier. Aliases written in lower case, and those of misc entities (currencies such
//    as "bitcoin", which news writes as common nouns), match in lower case too.
//  - Overlaps: leftmost-longest. Among the hits that survive the rules, a hit starting earlier
//    wins; at one start the longest wins ("Scale AI" over "Scale"); at one span an exact-case
//    alias beats a folded one, then the entity defined first.
//  - Ambiguous aliases (one alias on several entities) link to the entity defined first.
//  - Spans are bare names, as news annotation has them: an alias's leading article ("The New
//    York Times", "the Associated Press") and a person alias's leading title ("President Trump",
//    "Pope Francis", "King Charles III") match and link but are left out of the mention's span
//    ("New York Times", "Trump"). Overlaps are decided on the whole alias.
//
// Thread safety: a KbMatcher is immutable and may be used from any number of threads. Each Find
// borrows a Hyperscan scratch from a small pool owned by the matcher (one per concurrent caller,
// cloned on demand). Allocating a scratch per call is not an option: hs_alloc_scratch validates
// the whole database and costs about a millisecond for 100k aliases.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "services/tag/knowledge_base.h"
#include "services/tag/mention.h"
#include "services/tag/rules.h"

struct hs_database;
struct hs_scratch;

namespace newsflow::tag {

struct KbMatcherOptions {
  // Aliases whose letters are all upper case and number at most this many match case-exactly,
  // so "US" never matches "us" and "AMD" never "amd". Default 5.
  int acronym_max_letters = 5;
  // Confidence of a hit whose case differs from the alias ("NVIDIA" for alias "Nvidia").
  // Default 0.9.
  float folded_confidence = 0.9f;
};

class KbMatcher {
 public:
  // Compiles every alias of `kb`. Returns null and sets *error (when non-null) if Hyperscan
  // rejects the database (should not happen for validated KBs). A KB without aliases gives a
  // matcher that finds nothing.
  static std::unique_ptr<KbMatcher> Build(std::shared_ptr<const KnowledgeBase> kb,
                                          const KbMatcherOptions& options, std::string* error);
  ~KbMatcher();
  KbMatcher(const KbMatcher&) = delete;
  KbMatcher& operator=(const KbMatcher&) = delete;

  // Appends the non-overlapping KB mentions of `text` to *out, sorted by position, with byte
  // and code-point offsets, source kKnowledgeBase. `text` is any bytes.
  void Find(std::string_view text, std::vector<Mention>* out) const;

  const KnowledgeBase& kb() const { return *kb_; }
  const std::shared_ptr<const KnowledgeBase>& kb_ptr() const { return kb_; }
  size_t pattern_count() const { return patterns_.size(); }
  // Bytes of the compiled Hyperscan database (not counting the KB itself).
  size_t database_bytes() const;

  // One alias as compiled; public only so the .cc's helpers can see it.
  struct Pattern {
    uint32_t entity = 0;        // index into kb().entities()
    uint32_t alias_size = 0;    // bytes
    uint32_t alias_offset = 0;  // into alias_bytes_, for the exact-case comparison
    bool caseless = false;
    bool boundary_left = false;   // alias starts with an ASCII letter/digit
    bool boundary_right = false;  // alias ends with an ASCII letter/digit
    bool plural_ok = false;       // alias ends with a digit
    uint32_t span_skip = 0;       // leading article or title left out of the span (bytes)
    bool lowercase_ok = false;    // a case-folded hit may be all lower case
  };

 private:
  KbMatcher() = default;

  std::shared_ptr<const KnowledgeBase> kb_;
  KbMatcherOptions options_;
  std::vector<Pattern> patterns_;
  std::string alias_bytes_;
  hs_database* db_ = nullptr;
  hs_scratch* prototype_ = nullptr;  // sized for db_; cloned for each concurrent caller
  mutable std::mutex pool_mu_;
  mutable std::vector<hs_scratch*> pool_;  // idle scratches
};

// Hot-reloadable set of everything built from one KB: the KB, its matcher and the rule tagger
// that links tickers against it. Readers take a snapshot (a shared_ptr copy under a mutex,
// nanoseconds) and use it for a whole article, so a reload never changes the KB in the middle of
// one.
class KbHandle {
 public:
  struct Snapshot {
    std::shared_ptr<const KnowledgeBase> kb;
    std::shared_ptr<const KbMatcher> matcher;
    std::shared_ptr<const RuleTagger> rules;
  };

  // Null until the first successful Reload/Set.
  std::shared_ptr<const Snapshot> Get() const;
  void Set(std::shared_ptr<const Snapshot> snapshot);

  // Loads `dir` (KnowledgeBase::LoadDirectory), builds a matcher and a rule tagger and swaps
  // them in. On any error the current snapshot stays and the errors are returned; empty means
  // success.
  std::vector<KbError> ReloadFromDirectory(const std::string& dir,
                                           const KbMatcherOptions& matcher_options,
                                           const RuleOptions& rule_options = {});

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;
};

}  // namespace newsflow::tag
