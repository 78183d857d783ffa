#include "services/tag/mention.h"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace newsflow::tag {

std::string_view EntityTypeName(EntityType type) {
  switch (type) {
    case EntityType::kPerson:
      return "person";
    case EntityType::kOrg:
      return "org";
    case EntityType::kLoc:
      return "loc";
    case EntityType::kProduct:
      return "product";
    case EntityType::kMoney:
      return "money";
    case EntityType::kPercent:
      return "percent";
    case EntityType::kDate:
      return "date";
    case EntityType::kTicker:
      return "ticker";
    case EntityType::kMisc:
      return "misc";
  }
  return "misc";
}

std::optional<EntityType> ParseEntityType(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (int i = 0; i <= static_cast<int>(EntityType::kMisc); ++i) {
    const auto type = static_cast<EntityType>(i);
    if (EntityTypeName(type) == lower) return type;
  }
  if (lower == "per") return EntityType::kPerson;
  if (lower == "organization" || lower == "organisation") return EntityType::kOrg;
  if (lower == "location" || lower == "gpe") return EntityType::kLoc;
  return std::nullopt;
}

std::string_view MentionSourceName(MentionSource source) {
  switch (source) {
    case MentionSource::kKnowledgeBase:
      return "kb";
    case MentionSource::kRule:
      return "rule";
    case MentionSource::kModel:
      return "model";
  }
  return "rule";
}

uint32_t CodePointOffsets::ToCodePoint(size_t byte) {
  byte = std::min(byte, text_.size());
  const auto* data = reinterpret_cast<const unsigned char*>(text_.data());
  uint32_t count = code_points_;
  for (size_t i = byte; i < byte_; ++i) {  // walking back: nested or overlapping spans
    count -= (data[i] & 0xC0) != 0x80;
  }
  size_t i = byte_;
  // Eight bytes at a time: a continuation byte is 10xxxxxx, i.e. bit 7 set and bit 6 clear.
  for (; i + 8 <= byte; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    const uint64_t continuation = (word >> 7) & ~(word >> 6) & 0x0101010101010101ULL;
    // Sum of the eight 0/1 bytes, without a popcount instruction the baseline ISA may lack.
    count += 8 - static_cast<uint32_t>((continuation * 0x0101010101010101ULL) >> 56);
  }
  for (; i < byte; ++i) {
    count += (data[i] & 0xC0) != 0x80;
  }
  byte_ = byte;
  code_points_ = count;
  return count;
}

void AssignCodePointOffsets(std::string_view text, std::vector<Mention>* mentions) {
  CodePointOffsets offsets(text);
  // Start then end: for sorted input the cursor only steps back by the length of an overlap.
  for (Mention& m : *mentions) {
    m.start = offsets.ToCodePoint(m.byte_start);
    m.end = offsets.ToCodePoint(m.byte_end);
  }
}

void SortMentions(std::vector<Mention>* mentions) {
  std::stable_sort(mentions->begin(), mentions->end(), [](const Mention& a, const Mention& b) {
    return std::tie(a.byte_start, a.byte_end, a.type, a.source) <
           std::tie(b.byte_start, b.byte_end, b.type, b.source);
  });
}

}  // namespace newsflow::tag
