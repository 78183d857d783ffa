#pragma once

// A document pass of the Tagger (TaggerOptions::drop_common_word_spans): model spans made of
// common words are not names. The model tags capitalized runs in headlines and sentence starts
// ("Innovative AI Model", "AI Major Stocks") and acronym plurals ("GPUs") because capitals are
// its strongest signal. Two signals from the document say a word is an ordinary word here:
//  - it is an acronym plural ("GPUs", "CPUs": two or more capitals then "s"); or
//  - it is an acronym the document mostly uses outside the model's spans (at least twice, and
//    more often than inside): "AI" in an article about AI models.
// A span with such a word whose other words are lower-case words in the corpus lexicon (under
// 30% of mid-sentence occurrences capitalized: "Major", "Innovative") is dropped; trailing such
// acronyms are cut ("Chinese AI" -> "Chinese"). The lexicon alone decides nothing ("Mountain
// View", "the Church"), and neither do capitalized words missed elsewhere ("Batman", "Afghan"):
// on dev both cost more names than junk. DATE spans are left alone, as are spans with digits,
// Han characters or symbols.
//
// Pure logic; the scratch keeps its capacity, so warm calls do not allocate.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "services/tag/ner/features.h"
#include "services/tag/ner/tokenizer.h"

namespace newsflow::tag::ner {

struct EntitySpan;  // sequence_model.h, which includes this header for the Tagger's scratch

struct CommonWordScratch {
  std::vector<uint64_t> acronyms;  // lowercase hashes of the all-capital words in spans, sorted
  std::vector<uint64_t> outside;   // of those words' occurrences outside spans, sorted
  std::vector<uint64_t> inside;    // of their occurrences inside spans, sorted
};

// True for "GPUs", "CPUs", "NFTs": two or more ASCII capitals followed by one "s".
bool IsAcronymPlural(std::string_view word);

// The pass described above. `info` is the document's token descriptions (DescribeTokens or the
// Tagger's word cache), `date_type` the index of DATE among the model's types (any index no span
// has when the model has none). `labels` and `spans` are updated together.
void DropCommonWordSpans(std::string_view text, std::span<const Token> tokens,
                         std::span<const TokenInfo> info, uint32_t date_type,
                         std::span<uint16_t> labels, std::vector<EntitySpan>* spans,
                         CommonWordScratch* scratch);

}  // namespace newsflow::tag::ner
