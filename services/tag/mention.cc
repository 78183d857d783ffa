#include "services/tag/mention.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "services/core/text/ascii.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
  const std::string lower = text::ToAsciiLower(name);
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
#if defined(__SSE2__)
  // 64 bytes per step, the main cost of tagging long articles: per-lane byte counters (each step
  // adds at most 4, so at most 63 steps before they could wrap), summed once per run with SAD.
  const __m128i last_continuation = _mm_set1_epi8(static_cast<char>(0xBF));
  const auto non_continuation = [&](size_t at) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
    // Signed: continuation bytes 0x80..0xBF are -128..-65; every other byte is greater.
    return _mm_cmpgt_epi8(x, last_continuation);
  };
  while (i + 16 <= byte) {
    __m128i lanes = _mm_setzero_si128();
    const size_t steps = std::min<size_t>((byte - i) / 64, 63);
    for (size_t k = 0; k < steps; ++k, i += 64) {
      lanes = _mm_sub_epi8(lanes, non_continuation(i));
      lanes = _mm_sub_epi8(lanes, non_continuation(i + 16));
      lanes = _mm_sub_epi8(lanes, non_continuation(i + 32));
      lanes = _mm_sub_epi8(lanes, non_continuation(i + 48));
    }
    if (steps == 0) {  // under 64 bytes left: single blocks
      for (; i + 16 <= byte; i += 16) lanes = _mm_sub_epi8(lanes, non_continuation(i));
    }
    const __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    count += static_cast<uint32_t>(_mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4));
  }
  // Under 16 bytes left (most queries: the end of a short mention): one load with the lanes past
  // `byte` masked off, when those 16 bytes are inside the text.
  if (i < byte && text_.size() - i >= 16) {
    const __m128i lane_index = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i wanted = _mm_cmplt_epi8(lane_index, _mm_set1_epi8(static_cast<char>(byte - i)));
    const __m128i ones =
        _mm_sub_epi8(_mm_setzero_si128(), _mm_and_si128(non_continuation(i), wanted));
    const __m128i sums = _mm_sad_epu8(ones, _mm_setzero_si128());
    count += static_cast<uint32_t>(_mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4));
    i = byte;
  }
#endif
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
