#pragma once

// Structured averaged perceptron training for SequenceModel (Collins 2002): decode each training
// sentence with the current weights, and where the best path differs from the gold path add the
// gold features and subtract the predicted ones. The model handed out is the average of the
// weights over all steps (far less sensitive to the order of the data than the last weights),
// quantized to int16.
//
// Memory: features are extracted once (kFeaturesPerToken x 4 bytes per token) plus two float
// tables of (num_buckets + 1) x stride. Not thread-safe.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "services/tag/ner/features.h"
#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tokenizer.h"

namespace newsflow::tag::ner {

struct TrainerOptions {
  // Entity types the model predicts, in label order. Default: the tagger's downstream types.
  std::vector<std::string> types = {"PERSON", "ORG", "LOC", "DATE", "PRODUCT", "MISC"};
  // Hash buckets of the weight table (power of two, 2^10..2^24). 2^16 x 16 labels x int16 = 2 MiB;
  // with the name-list features 2^17 scored the same on dev and tagged slower.
  uint32_t num_buckets = 1u << 16;
  // Seed of the per-epoch shuffle of training sentences (training is deterministic for a seed).
  uint64_t seed = 1;
};

class Trainer {
 public:
  // `lexicon` (may be empty) becomes part of the model and feeds the lexicon features; `names`
  // (may be empty) becomes the model's name list (features.h).
  Trainer(TrainerOptions options, Lexicon lexicon, NameList names = {});

  // Adds one tokenized document with one BIO label per token (see sequence_model.h for label
  // numbering; labels must be < num_labels). `gazetteer` is empty or one bitmask per token (the
  // caller's bits, as for Tagger::Tag). `names` (null: the model's own list) is the name list
  // this document's features see: a list built without the document's own names (held-out
  // folds) keeps the model from trusting the list more than it deserves on unseen text.
  // Returns false (and adds nothing) if sizes disagree or a label is out of range.
  bool AddDocument(std::string_view text, std::span<const Token> tokens,
                   std::span<const uint16_t> labels, std::span<const uint32_t> gazetteer,
                   const NameList* names = nullptr);

  // One pass over the shuffled sentences; returns the number of tokens decoded wrongly.
  size_t RunEpoch();

  // The averaged weights so far, quantized. Callable after any epoch.
  std::unique_ptr<SequenceModel> Snapshot() const;

  // The averaged weights so far, unquantized (feature table then transitions). Several trainers
  // with the same options but different seeds can be averaged (parameter mixing): the shuffle
  // order moves dev F1 by a few points, and the mean of several runs is steadier than any one.
  std::vector<float> AveragedWeights() const;
  // Quantizes `weights` (laid out as AveragedWeights(), same options) into a model.
  std::unique_ptr<SequenceModel> Snapshot(std::span<const float> weights) const;

  size_t num_sentences() const { return sentences_.size(); }
  size_t num_tokens() const { return gold_.size(); }
  uint32_t num_labels() const { return 1 + 2 * static_cast<uint32_t>(options_.types.size()); }

 private:
  struct Sentence {
    size_t begin;  // token index into gold_ (and begin * kFeaturesPerToken into features_)
    size_t size;
  };
  void Update(const Sentence& s, std::span<const uint16_t> predicted);
  void Add(size_t weight_index, float delta);

  TrainerOptions options_;
  Lexicon lexicon_;
  NameList names_;
  uint32_t stride_;
  std::vector<Sentence> sentences_;
  std::vector<uint32_t> features_;
  std::vector<uint16_t> gold_;
  // weights_ then transitions_ in one array so updates share one code path.
  std::vector<float> weights_;
  std::vector<double> accumulated_;  // sum over steps of step * delta (the averaging trick)
  size_t transitions_offset_ = 0;
  uint64_t step_ = 1;
  uint64_t rng_state_;
  // Scratch.
  std::vector<float> scores_;
  std::vector<float> best_;
  std::vector<uint16_t> back_;
  std::vector<uint16_t> predicted_;
  std::vector<size_t> order_;
};

}  // namespace newsflow::tag::ner
