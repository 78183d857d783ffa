#include "services/tag/ner/common_words.h"

#include <algorithm>

#include "services/tag/ner/sequence_model.h"

namespace newsflow::tag::ner {
namespace {

// Lexicon classes are 1 + 4 * capitalization bucket + frequency bucket (newsflow-ner-train);
// buckets 0 and 1 mean under 30% of mid-sentence occurrences capitalized.
bool LowercaseInCorpus(uint8_t lex_class) {
  if (lex_class == 0 || lex_class > 24) return false;  // unknown word, or a sentinel
  return (lex_class - 1) / 4 <= 1;
}

size_t Count(const std::vector<uint64_t>& sorted, uint64_t key) {
  const auto [lo, hi] = std::equal_range(sorted.begin(), sorted.end(), key);
  return static_cast<size_t>(hi - lo);
}

std::string_view TokenText(std::string_view text, const Token& t) {
  return text.substr(t.byte_begin, t.byte_end - t.byte_begin);
}

// "AI", "GPU": two or more ASCII capitals and nothing else.
bool IsAllCapitals(std::string_view w) {
  if (w.size() < 2) return false;
  for (char c : w) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

}  // namespace

bool IsAcronymPlural(std::string_view w) {
  if (w.size() < 3 || w.back() != 's') return false;
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] < 'A' || w[i] > 'Z') return false;
  }
  return true;
}

void DropCommonWordSpans(std::string_view text, std::span<const Token> tokens,
                         std::span<const TokenInfo> info, uint32_t date_type,
                         std::span<uint16_t> labels, std::vector<EntitySpan>* spans,
                         CommonWordScratch* scratch) {
  const size_t n = std::min({tokens.size(), info.size(), labels.size()});
  if (spans->empty() || n == 0) return;
  // Most documents have no span with an acronym: skip the counting then.
  bool any_acronym = false;
  for (const EntitySpan& s : *spans) {
    for (uint32_t i = s.token_begin; i < s.token_end && !any_acronym; ++i) {
      const std::string_view w = TokenText(text, tokens[i]);
      any_acronym = tokens[i].kind == TokenKind::kWord && (IsAllCapitals(w) || IsAcronymPlural(w));
    }
  }
  if (!any_acronym) return;
  // Only the spans' all-capital words are ever counted (common_here): collect just their
  // occurrences rather than sorting every word of the document.
  scratch->acronyms.clear();
  for (const EntitySpan& s : *spans) {
    for (uint32_t i = s.token_begin; i < s.token_end && i < n; ++i) {
      if (tokens[i].kind == TokenKind::kWord && IsAllCapitals(TokenText(text, tokens[i]))) {
        scratch->acronyms.push_back(info[i].lower);
      }
    }
  }
  std::sort(scratch->acronyms.begin(), scratch->acronyms.end());
  scratch->acronyms.erase(std::unique(scratch->acronyms.begin(), scratch->acronyms.end()),
                          scratch->acronyms.end());
  scratch->outside.clear();
  scratch->inside.clear();
  if (!scratch->acronyms.empty()) {
    for (size_t i = 0; i < n; ++i) {
      if (tokens[i].kind != TokenKind::kWord ||
          !std::binary_search(scratch->acronyms.begin(), scratch->acronyms.end(), info[i].lower)) {
        continue;
      }
      (labels[i] == kOutside ? scratch->outside : scratch->inside).push_back(info[i].lower);
    }
    std::sort(scratch->outside.begin(), scratch->outside.end());
    std::sort(scratch->inside.begin(), scratch->inside.end());
  }
  // Common by what this document shows: an acronym plural, or a word mostly used untagged.
  auto common_here = [&](size_t i) {
    const std::string_view w = TokenText(text, tokens[i]);
    if (IsAcronymPlural(w)) return true;
    // Only acronyms: a capitalized word the model tags once and misses twice is more often a
    // name it missed ("Batman", "Afghan") than a common word.
    if (!IsAllCapitals(w)) return false;
    const size_t outside = Count(scratch->outside, info[i].lower);
    return outside >= 2 && outside > Count(scratch->inside, info[i].lower);
  };
  bool changed = false;
  for (const EntitySpan& s : *spans) {
    if (s.type == date_type) continue;
    bool all_common = true;
    bool any_here = false;  // the lexicon alone is not enough: "Mountain View", "the Church"
    for (uint32_t i = s.token_begin; i < s.token_end && all_common; ++i) {
      switch (tokens[i].kind) {
        case TokenKind::kWord:
          if (common_here(i)) {
            any_here = true;
          } else {
            all_common = LowercaseInCorpus(info[i].lex_class);
          }
          break;
        case TokenKind::kPunct:
          break;  // "&", "-", "." inside a name decide nothing
        default:
          all_common = false;  // digits, Han, symbols: not a run of common words
      }
    }
    uint32_t end = s.token_end;
    if (any_here && all_common) {
      end = s.token_begin;
    } else {
      // Trailing acronyms used as ordinary words ("Chinese AI").
      while (end > s.token_begin + 1 && tokens[end - 1].kind == TokenKind::kWord &&
             common_here(end - 1)) {
        --end;
      }
      // No dangling separator: "SC/STs" is "SC", not "SC/".
      while (end < s.token_end && end > s.token_begin + 1 &&
             tokens[end - 1].kind == TokenKind::kPunct) {
        --end;
      }
    }
    if (end == s.token_end) continue;
    for (uint32_t i = end; i < s.token_end; ++i) labels[i] = kOutside;
    changed = true;
  }
  if (changed) LabelsToSpans(tokens, labels, spans);
}

}  // namespace newsflow::tag::ner
