#include "services/tag/summary.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "services/core/entity_key.h"

namespace newsflow::tag {

std::string SummaryEntityId(const Mention& mention) {
  if (!mention.entity_id.empty()) return mention.entity_id;
  return UnlinkedEntityId(EntityTypeName(mention.type), mention.canonical_name, mention.text);
}

std::vector<EntitySummary> SummarizeEntities(const std::vector<Mention>& body, uint32_t body_length,
                                             const std::vector<Mention>& title,
                                             const SummaryOptions& options) {
  std::set<std::string> in_title;
  for (const Mention& m : title) in_title.insert(SummaryEntityId(m));

  // By id alone: a linked entity is one entity whatever its mentions' types ("NVIDIA" by the
  // knowledge base and "(NVDA)" by the ticker rule are both Nvidia); unlinked ids carry their type.
  auto name_of = [](const Mention& m) {
    return m.canonical_name.empty() || m.type == EntityType::kMoney ||
                   m.type == EntityType::kPercent
               ? m.text
               : m.canonical_name;
  };
  std::map<std::string, EntitySummary> by_key;
  for (const Mention& m : body) {
    std::string id = SummaryEntityId(m);
    auto [it, inserted] = by_key.try_emplace(id);
    EntitySummary& s = it->second;
    if (inserted) {
      s.entity_id = std::move(id);
      s.type = m.type;
      s.name = name_of(m);
      s.first_position = m.start;
      s.in_title = in_title.count(it->first) > 0;
    } else if (s.type == EntityType::kTicker && m.type != EntityType::kTicker) {
      // A ticker stands for the company: the entity takes the company's type and name.
      s.type = m.type;
      s.name = name_of(m);
    }
    ++s.mention_count;
    s.first_position = std::min(s.first_position, m.start);
  }

  uint32_t max_count = 0;
  for (const auto& [key, s] : by_key) max_count = std::max(max_count, s.mention_count);
  const double length = std::max<uint32_t>(body_length, 1);
  std::vector<EntitySummary> out;
  out.reserve(by_key.size());
  for (auto& [key, s] : by_key) {
    const double frequency = std::log1p(s.mention_count) / std::log1p(std::max(max_count, 1u));
    const double position = 1.0 - std::min(1.0, s.first_position / length);
    const double score = options.frequency_weight * frequency + options.position_weight * position +
                         options.title_weight * (s.in_title ? 1.0 : 0.0);
    s.salience = static_cast<float>(std::clamp(score, 0.0, 1.0));
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const EntitySummary& a, const EntitySummary& b) {
    return std::tie(b.salience, a.first_position, a.entity_id) <
           std::tie(a.salience, b.first_position, b.entity_id);
  });
  return out;
}

}  // namespace newsflow::tag
