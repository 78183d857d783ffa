#pragma once

// The unit every tagger emits: one typed span of an article body, optionally linked to a
// canonical entity, plus the helpers that translate the byte offsets the scanners work in into the
// Unicode code-point offsets the output format promises (proto/newsflow/v1/entity_mention.proto).
//
// Pure logic: standard library only, no exceptions on the data path.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::tag {

// Same order and meaning as newsflow.v1.EntityType (minus UNSPECIFIED).
enum class EntityType : uint8_t {
  kPerson,
  kOrg,
  kLoc,
  kProduct,
  kMoney,
  kPercent,
  kDate,
  kTicker,
  kMisc,
};

// Which tagger produced a mention; also the tie-break order of the merge policy (merge.h).
enum class MentionSource : uint8_t {
  kKnowledgeBase,
  kRule,
  kModel,
};

struct MoneyValue {
  double amount = 0;     // fully scaled: "$ 6 million" -> 6000000
  std::string currency;  // ISO 4217: "USD", "CNY", "EUR", ...
  double scale = 1;      // the multiplier the surface named: "million" -> 1e6, "亿" -> 1e8

  friend bool operator==(const MoneyValue&, const MoneyValue&) = default;
};

struct PercentValue {
  double value = 0;  // "17%" -> 17, "百分之十七" -> 17

  friend bool operator==(const PercentValue&, const PercentValue&) = default;
};

struct Mention {
  EntityType type = EntityType::kMisc;
  // Unicode code points into the text, half-open [start, end).
  uint32_t start = 0;
  uint32_t end = 0;
  // UTF-8 byte offsets of the same span, half-open; what scanners and merge work in.
  uint32_t byte_start = 0;
  uint32_t byte_end = 0;
  std::string text;            // the surface, exactly as in the text
  std::string entity_id;       // canonical id when linked (knowledge_base.h), empty otherwise
  std::string canonical_name;  // canonical name when linked; normalized form for tickers
  MentionSource source = MentionSource::kRule;
  float confidence = 1.0f;          // 1.0 for exact KB and rule hits; model probability otherwise
  std::optional<MoneyValue> money;  // set iff type == kMoney and the value was parsed
  std::optional<PercentValue> percent;  // set iff type == kPercent and the value was parsed

  friend bool operator==(const Mention&, const Mention&) = default;
};

// Lower-case stable names ("person", "org", ...), used in derived ids and logs.
std::string_view EntityTypeName(EntityType type);
// Inverse of EntityTypeName, also accepting upper case ("ORG"). Returns nullopt when unknown.
std::optional<EntityType> ParseEntityType(std::string_view name);
std::string_view MentionSourceName(MentionSource source);

// Converts byte offsets of one UTF-8 text into code-point offsets with a cursor: each query costs
// the distance from the previous one, so converting every mention of an article sorted by
// byte_start is one pass over the text. An offset inside a multi-byte sequence counts that code
// point as started (valid spans always sit on boundaries). Invalid UTF-8: each byte that is not a
// continuation byte counts as one code point, matching text::CodePointCount.
// The text must outlive the converter.
class CodePointOffsets {
 public:
  explicit CodePointOffsets(std::string_view text) : text_(text) {}

  // Code-point offset of byte offset `byte` (clamped to text.size()).
  uint32_t ToCodePoint(size_t byte);

 private:
  std::string_view text_;
  size_t byte_ = 0;
  uint32_t code_points_ = 0;
};

// Fills start/end from byte_start/byte_end for every mention, in one pass over `text` when the
// mentions are sorted by byte_start (any order is correct, only slower).
void AssignCodePointOffsets(std::string_view text, std::vector<Mention>* mentions);

// Sorts by (start, end, type, source) for deterministic output.
void SortMentions(std::vector<Mention>* mentions);

}  // namespace newsflow::tag
