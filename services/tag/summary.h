#pragma once

// Per-article entity summary: one row per distinct entity of the merged mentions, with a
// salience score that ranks what the article is about (newsflow.v1.EntitySummary).
//
// Identity: mentions are grouped by key, where key is the entity_id when linked, else the
// canonical_name when the tagger normalized it (MONEY "USD 6000000", DATE "2025-01-27", TICKER
// "NYSE:XYZ"), else the surface text lower-cased (ASCII) with whitespace collapsed; a name's
// canonical name (a surname standing for the full name) is normalized like a surface. The
// summary's entity_id is the linked id, or "<type>:<key>" ("person:alexandr wang") for unlinked
// entities, stable across articles; services/core/entity_key.h computes it, for the sink too.
// A linked entity is one row whatever its mentions' types: a ticker mention ("(NVDA)") counts
// for its company, which gives the row its type and name.
//
// Salience, in [0, 1]:
//   salience = frequency_weight * log(1 + count) / log(1 + max_count)
//            + position_weight  * (1 - first_position / body_length)
//            + title_weight     * (1 if the entity is also mentioned in the title else 0)
// where count is the entity's number of body mentions, max_count the largest count in the
// article, first_position the code-point offset of its first body mention. Frequency is
// log-damped so one entity repeated 20 times does not drown everything else; the first position
// rewards the lede, where news puts what the story is about; the title is the editor's own
// statement of salience. With the default weights (0.5, 0.3, 0.2) an entity in the title, first
// and most mentioned scores 1.0.

#include <cstdint>
#include <string>
#include <vector>

#include "services/tag/mention.h"

namespace newsflow::tag {

struct SummaryOptions {
  float frequency_weight = 0.5f;  // default 0.5
  float position_weight = 0.3f;   // default 0.3
  float title_weight = 0.2f;      // default 0.2
};

struct EntitySummary {
  std::string entity_id;  // linked id, or "<type>:<key>"
  EntityType type = EntityType::kMisc;
  // Canonical name when linked; the first surface for MONEY and PERCENT ("$6 million" reads
  // better than the key "USD 6000000") and for unlinked entities.
  std::string name;
  uint32_t mention_count = 0;
  uint32_t first_position = 0;  // code points into the body
  float salience = 0;
  bool in_title = false;
};

// `body` and `title` are merged mentions (code-point offsets) of the body and of the title;
// `body_length` is the body's length in code points. Entities that occur only in the title are
// not listed (they raise nothing to count). Sorted by salience descending, then first position,
// then entity_id.
std::vector<EntitySummary> SummarizeEntities(const std::vector<Mention>& body, uint32_t body_length,
                                             const std::vector<Mention>& title,
                                             const SummaryOptions& options = {});

// The grouping key described above, e.g. "nvidia", "money:USD 6000000", "person:alexandr wang".
std::string SummaryEntityId(const Mention& mention);

}  // namespace newsflow::tag
