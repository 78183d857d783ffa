#pragma once

// A model trained in the test on a handful of made-up sentences, for the NER tests that need
// real weights without loading config/ner/model.bin.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "services/tag/ner/annotated_corpus.h"
#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tokenizer.h"
#include "services/tag/ner/trainer.h"

namespace newsflow::tag::ner {

struct TinyExample {
  std::string text;
  std::vector<GoldEntity> entities;  // code points, as in the annotated corpus
};

// Trains on `examples` for `epochs` epochs. Every gold entity must fall on token boundaries
// (a test failure otherwise), so a typo in an example's offsets cannot pass unnoticed.
inline std::unique_ptr<SequenceModel> TrainTinyModel(const std::vector<TinyExample>& examples,
                                                     const TrainerOptions& options, int epochs,
                                                     NameList names = {}) {
  Trainer trainer(options, Lexicon(), std::move(names));
  std::vector<Token> tokens;
  std::vector<uint16_t> labels;
  for (const TinyExample& e : examples) {
    Tokenize(e.text, &tokens);
    EXPECT_EQ(EntitiesToLabels(tokens, e.entities, options.types, DefaultTypeAliases(), &labels),
              0u)
        << e.text;
    EXPECT_TRUE(trainer.AddDocument(e.text, tokens, labels, {}));
  }
  for (int i = 0; i < epochs; ++i) trainer.RunEpoch();
  return trainer.Snapshot();
}

}  // namespace newsflow::tag::ner
