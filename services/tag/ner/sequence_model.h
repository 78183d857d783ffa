#pragma once

// Statistical named-entity recognizer: a first-order linear-chain model over BIO tags with
// hashed features (see features.h), trained as a structured averaged perceptron (trainer.h) and
// decoded with constrained Viterbi (an I-X tag only follows B-X or I-X).
//
// Thread-safety: a SequenceModel is immutable after Load/creation and may be shared read-only by
// any number of threads. A Tagger holds mutable scratch buffers: use one Tagger per thread.
//
// Pure logic: ICU character properties and the standard library; no exceptions on the data path.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "services/tag/ner/common_words.h"
#include "services/tag/ner/features.h"
#include "services/tag/ner/tokenizer.h"
#include "services/tag/ner/word_cache.h"

namespace newsflow::tag::ner {

// Labels are 0 = O, then for type t (0-based): 1 + 2t = B-type, 2 + 2t = I-type.
inline constexpr uint16_t kOutside = 0;
inline uint16_t BeginLabel(uint32_t type) { return static_cast<uint16_t>(1 + 2 * type); }
inline uint16_t InsideLabel(uint32_t type) { return static_cast<uint16_t>(2 + 2 * type); }
inline constexpr uint32_t kMaxTypes = 15;  // 31 labels at most

// Sentences longer than this are cut into pieces for decoding: bounds the work per sequence for
// text without sentence punctuation (tables, long CJK runs).
inline constexpr size_t kMaxSentenceTokens = 256;

struct EntitySpan {
  uint32_t type = 0;         // index into SequenceModel::types()
  uint32_t token_begin = 0;  // [token_begin, token_end) into the token array that was tagged
  uint32_t token_end = 0;
  uint32_t cp_begin = 0;  // code-point span in the text
  uint32_t cp_end = 0;
  uint32_t byte_begin = 0;  // byte span in the text
  uint32_t byte_end = 0;
};

// Model weights. Scores are int32 sums of int16 weights, so tagging is exact and identical
// before and after a save/load roundtrip.
class SequenceModel {
 public:
  // Parses a model file image. Returns null and sets `*error` (if not null) when the bytes are
  // not a valid model of this version (bad magic, sizes, checksum); never crashes on bad input.
  static std::unique_ptr<SequenceModel> Load(std::string_view bytes, std::string* error);
  // Reads and parses `path`.
  static std::unique_ptr<SequenceModel> LoadFile(const std::string& path, std::string* error);

  // Serialized model file (format in sequence_model.cc).
  std::string Serialize() const;
  // Writes Serialize() to `path`; false and `*error` on an I/O failure.
  bool SaveFile(const std::string& path, std::string* error) const;

  const std::vector<std::string>& types() const { return types_; }
  uint32_t num_labels() const { return 1 + 2 * static_cast<uint32_t>(types_.size()); }
  uint32_t num_buckets() const { return num_buckets_; }
  const Lexicon& lexicon() const { return lexicon_; }
  // The model's gazetteer (names from its training data and knowledge base; see features.h).
  const NameList& names() const { return names_; }

  // Built by the trainer: `weights` holds (num_buckets + 1) rows of `stride` label weights (the
  // last row must be zero), `transitions` (num_labels + 1) rows of num_labels (row 0 = start).
  SequenceModel(std::vector<std::string> types, uint32_t num_buckets, std::vector<int16_t> weights,
                std::vector<int16_t> transitions, float scale, Lexicon lexicon,
                NameList names = {});

  uint32_t stride() const { return stride_; }
  const int16_t* row(uint32_t bucket) const { return weights_.get() + size_t{bucket} * stride_; }
  int16_t transition(uint32_t from_plus_one, uint32_t to) const {
    return transitions_[size_t{from_plus_one} * num_labels() + to];
  }
  float scale() const { return scale_; }
  // Transitions for decoding: row = from-label + 1 (row 0 = sentence start), `stride()` columns
  // (to-label; padding columns hold the penalty), with the BIO constraint folded in as a large
  // penalty.
  const int32_t* decode_transitions() const { return decode_transitions_.data(); }
  // The same transposed: row = to-label, `stride()` columns = from-label (padding columns 0), so
  // the scores of every way into one label are adjacent.
  const int32_t* decode_transitions_by_target() const {
    return decode_transitions_by_target_.data();
  }

 private:
  std::vector<std::string> types_;
  uint32_t num_buckets_ = 0;
  uint32_t stride_ = 0;
  // The weight table, in memory the kernel may back with huge pages: tagging reads ~40 random
  // rows per token, and with 4 KiB pages nearly every one is a TLB miss.
  struct FreeDeleter {
    void operator()(int16_t* p) const;
  };
  std::unique_ptr<int16_t, FreeDeleter> weights_;
  size_t weights_size_ = 0;
  std::vector<int16_t> transitions_;
  float scale_ = 1.0f;  // weight = int16 * scale (informational; decoding uses the integers)
  Lexicon lexicon_;
  NameList names_;
  std::vector<int32_t> decode_transitions_;
  std::vector<int32_t> decode_transitions_by_target_;
};

// Splits tokens into decoding units: [begin, end) ranges at kSentenceStart flags, with pieces no
// longer than kMaxSentenceTokens. `ranges` is cleared first (capacity reused).
void SentenceRanges(std::span<const Token> tokens,
                    std::vector<std::pair<uint32_t, uint32_t>>* ranges);

// Turns BIO labels into spans (an I-X without a preceding B-X/I-X starts a span).
void LabelsToSpans(std::span<const Token> tokens, std::span<const uint16_t> labels,
                   std::vector<EntitySpan>* spans);

// Constrained Viterbi over per-token label scores (`scores[i * stride + y]`).
// `labels` receives one label per token. Scratch vectors are reused.
struct ViterbiScratch {
  std::vector<int32_t> best;
};
void Viterbi(const SequenceModel& model, std::span<const int32_t> scores, size_t num_tokens,
             ViterbiScratch* scratch, std::span<uint16_t> labels);

struct TaggerOptions {
  // Document-level consistency after decoding (news names a person in full once, then by surname):
  // a capitalized token equal to the last word of a multi-word PERSON span elsewhere in the
  // document becomes PERSON (if untagged or a one-token span of another type). Not from a span
  // that starts with another full name's surname which the document also uses alone ("Warhol
  // Polaroids" after "Andy Warhol" and "Warhol's" is Warhol's, so "Polaroids" is no surname;
  // "Thomas Knapp" beside "Clarence Thomas" still gives "Knapp"). Needs a model with a "PERSON"
  // type; otherwise does nothing.
  bool propagate_person_surnames = true;  // default: on
  // One-token spans with the same text get the type most of them have in the document (ties keep
  // each span's own type).
  bool unify_repeated_names = true;  // default: on
  // An all-capital word spelling the initials of a multi-word name in the document ("USI" after
  // "University of Southern Indiana", small words skipped) gets that name's type.
  bool propagate_acronyms = true;  // default: on
  // A name ending in an organization word ("Foundation", "Museum", "University", "Ministry",
  // newspaper words "Herald", "Times", "News", "Weekly", and "Org") is an ORG, and takes a
  // following "of"/"for" [the] + capitalized words ("University of Southern Indiana",
  // "Municipality of Livorno"). Needs a model with an "ORG" type.
  bool extend_organization_names = true;  // default: on
  // A PERSON span is the bare name: leading words up to the last title or role word ("Scale AI
  // CEO Alexandr Wang", "President Donald Trump", "captain Harry Kane") are dropped when a
  // capitalized word follows. Needs a model with a "PERSON" type.
  bool strip_person_titles = true;  // default: on
  // A PERSON span takes the other half of a hyphenated name written without spaces ("Kim
  // Min-Woo", "Hwang Hee-Chan", "Jean-Pierre"): the tokenizer splits hyphens and the model often
  // stops at one. The other half must be a capitalized word that is untagged or PERSON, so
  // "Pittsburgh-Cleveland" or "Biden-led" stay as they are. Needs a model with a "PERSON" type.
  bool join_hyphenated_names = true;  // default: on
  // Spans made only of common words are dropped, and trailing words this document uses as
  // ordinary words are cut ("AI Major", "GPUs", "Chinese AI" -> "Chinese"); see common_words.h.
  // Runs last. Needs the model's lexicon for the corpus evidence; DATE spans are kept.
  bool drop_common_word_spans = true;  // default: on
  // A DATE span needs date evidence: a digit, a Han character, a non-ASCII word or a date word
  // (month, weekday, number word, "year", "Christmas", "noon", ... see HasDateEvidence). A span
  // without any ("Perttu Ahola", "Minetest", "Red Hat": the model's DATEs on speaker names in
  // interviews, ~500 of 2,263 model DATEs on the Wikinews corpus) is decoded again with the
  // model's own scores and the DATE labels left out, so it usually becomes the name it is. Runs
  // first, before the passes that read types. Needs a model with a "DATE" type.
  bool require_date_evidence = true;  // default: on
};

// The document-level passes of TaggerOptions, on decoded `labels` and the `spans` made from them;
// both are updated together. `person_type` is the index of PERSON among the model's types.
struct DocumentPassScratch {
  std::vector<std::string_view> names;
  std::vector<std::string_view> surnames;  // PropagateSurnames: the surnames it spreads
  std::vector<std::string_view> first_words;
  std::vector<std::string_view> alone_words;
  std::vector<std::pair<std::string, uint32_t>> acronyms;     // (initials, type)
  std::vector<std::pair<std::string_view, uint32_t>> groups;  // (text, span index)
  std::vector<uint32_t> votes;
};
void PropagateSurnames(std::string_view text, std::span<const Token> tokens, uint32_t person_type,
                       std::span<uint16_t> labels, std::vector<EntitySpan>* spans,
                       DocumentPassScratch* scratch);
void UnifyRepeatedNames(std::string_view text, uint32_t num_types, std::span<uint16_t> labels,
                        std::vector<EntitySpan>* spans, DocumentPassScratch* scratch);
void PropagateAcronyms(std::string_view text, std::span<const Token> tokens,
                       std::span<uint16_t> labels, std::vector<EntitySpan>* spans,
                       DocumentPassScratch* scratch);
void StripPersonTitles(std::string_view text, std::span<const Token> tokens, uint32_t person_type,
                       std::span<uint16_t> labels, std::vector<EntitySpan>* spans);
void JoinHyphenatedNames(std::string_view text, std::span<const Token> tokens, uint32_t person_type,
                         std::span<uint16_t> labels, std::vector<EntitySpan>* spans);
void ExtendOrganizationNames(std::string_view text, std::span<const Token> tokens,
                             uint32_t org_type, std::span<uint16_t> labels,
                             std::vector<EntitySpan>* spans);
// True when tokens [begin, end) of `text` hold date evidence
// (TaggerOptions::require_date_evidence).
bool HasDateEvidence(std::string_view text, std::span<const Token> tokens, uint32_t begin,
                     uint32_t end);
// The require_date_evidence pass: every DATE span of `date_type` without evidence is decoded
// again over its own tokens from the label before it (the sentence start for the first token of
// a sentence range in `ranges`) with `scores` (model stride per token) and the model's
// transitions, DATE labels excluded. Spans longer than 32 tokens become untagged instead.
void RedecodeDatesWithoutEvidence(const SequenceModel& model, std::string_view text,
                                  std::span<const Token> tokens,
                                  std::span<const std::pair<uint32_t, uint32_t>> ranges,
                                  std::span<const int32_t> scores, uint32_t date_type,
                                  std::span<uint16_t> labels, std::vector<EntitySpan>* spans);

// Tags text with a shared model. Not thread-safe: one Tagger per thread; `model` must outlive it.
// After warm-up (buffers grown to the largest document seen) tagging does not allocate.
class Tagger {
 public:
  explicit Tagger(const SequenceModel* model, TaggerOptions options = {})
      : model_(model), options_(options), words_(model) {}

  // Tags already tokenized `text` (`tokens` from Tokenize(text)). `gazetteer` is empty or one
  // bitmask per token (a mask of any other length is ignored): the caller's knowledge-base hook,
  // e.g. bit 2k = "token starts a KB name of type k", bit 2k+1 = "token continues one". Only
  // bits 0..15 are used (they are shifted above the model's own bits, features.h). The same bit
  // meanings must have been used in training; bits the model never saw have zero weights and
  // change nothing. `spans` is cleared first.
  void Tag(std::string_view text, std::span<const Token> tokens,
           std::span<const uint32_t> gazetteer, std::vector<EntitySpan>* spans);

  // Tokenizes with the tagger's own buffer, then tags without a gazetteer.
  void TagText(std::string_view text, std::vector<EntitySpan>* spans);

  // Labels of the last Tag/TagText call, one per token.
  std::span<const uint16_t> labels() const { return labels_; }
  // Tokens of the last TagText call.
  std::span<const Token> tokens() const { return tokens_; }
  // Label scores of the last Tag/TagText call (model stride per token), for tests.
  std::span<const int32_t> scores() const {
    return std::span<const int32_t>(scores_).first(labels_.size() * model_->stride());
  }
  const WordCache& word_cache() const { return words_; }

 private:
  const SequenceModel* model_;
  TaggerOptions options_;
  std::vector<Token> tokens_;
  std::vector<TokenInfo> info_;
  std::vector<uint32_t> bits_;
  DocumentBitsScratch bits_scratch_;
  DocumentPassScratch pass_scratch_;
  std::vector<uint16_t> labels_;
  std::vector<uint32_t> features_;
  std::vector<int32_t> scores_;
  std::vector<std::pair<uint32_t, uint32_t>> ranges_;
  FeatureScratch feature_scratch_;
  ViterbiScratch viterbi_scratch_;
  CommonWordScratch common_scratch_;
  WordCache words_;
};

// Sums the weight rows of `features` (kFeaturesPerToken per token) into `scores` (resized to
// num_tokens * model.stride()).
void ScoreTokens(const SequenceModel& model, std::span<const uint32_t> features, size_t num_tokens,
                 std::vector<int32_t>* scores);

}  // namespace newsflow::tag::ner
