// libFuzzer target: tokenizes and tags arbitrary bytes, and loads arbitrary bytes as a model.
// The tagging model is the committed file named by NEWSFLOW_NER_MODEL when set and loadable,
// otherwise a tiny model trained in-process on a few made-up sentences.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/ner_fuzz.cc
//     services/tag/ner/{tokenizer,features,sequence_model,trainer}.cc -licuuc -o ner_fuzz
//   NEWSFLOW_NER_MODEL=config/ner/model.bin ./ner_fuzz -max_total_time=60 tests/fuzz/corpus/ner

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tokenizer.h"
#include "services/tag/ner/trainer.h"

namespace {

using newsflow::tag::ner::BeginLabel;
using newsflow::tag::ner::InsideLabel;
using newsflow::tag::ner::SequenceModel;

std::unique_ptr<SequenceModel> TinyModel() {
  newsflow::tag::ner::TrainerOptions options;
  options.num_buckets = 1u << 12;
  newsflow::tag::ner::Trainer trainer(options, newsflow::tag::ner::Lexicon());
  const char* sentences[] = {"Ada Lovelace visited London on Monday.", "Globex hired 李明 in 北京.",
                             "nothing to see here"};
  std::vector<newsflow::tag::ner::Token> tokens;
  for (const char* s : sentences) {
    newsflow::tag::ner::Tokenize(s, &tokens);
    std::vector<uint16_t> labels(tokens.size(), 0);
    if (tokens.size() > 2) {
      labels[0] = BeginLabel(0);
      labels[1] = InsideLabel(0);
    }
    trainer.AddDocument(s, tokens, labels, {});
  }
  trainer.RunEpoch();
  return trainer.Snapshot();
}

const SequenceModel& Model() {
  static const std::unique_ptr<SequenceModel> model = [] {
    if (const char* path = std::getenv("NEWSFLOW_NER_MODEL")) {
      std::string error;
      if (auto m = SequenceModel::LoadFile(path, &error)) return m;
    }
    return TinyModel();
  }();
  return *model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static newsflow::tag::ner::Tagger tagger(&Model());
  std::vector<newsflow::tag::ner::EntitySpan> spans;
  tagger.TagText(text, &spans);
  const auto tokens = tagger.tokens();
  uint32_t last_byte = 0;
  uint32_t last_cp = 0;
  for (const auto& t : tokens) {
    // Tokens are non-empty, ordered, non-overlapping and inside the input.
    if (t.byte_begin >= t.byte_end || t.byte_begin < last_byte || t.byte_end > size ||
        t.cp_begin >= t.cp_end || t.cp_begin < last_cp) {
      std::abort();
    }
    last_byte = t.byte_end;
    last_cp = t.cp_end;
  }
  for (const auto& s : spans) {
    if (s.type >= Model().types().size() || s.token_begin >= s.token_end ||
        s.token_end > tokens.size()) {
      std::abort();
    }
  }
  // The same bytes as a model file must be rejected or loaded, never crash.
  std::string error;
  auto model = SequenceModel::Load(text, &error);
  if (model == nullptr && error.empty()) std::abort();
  return 0;
}
