#include "services/tag/ner/word_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "services/tag/ner/annotated_corpus.h"
#include "services/tag/ner/features.h"
#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tokenizer.h"
#include "services/tag/ner/trainer.h"
#include "tests/unit/tag/ner/tiny_model.h"

namespace newsflow::tag::ner {
namespace {

// Documents with repeated words (cache hits), long words (the uncached path), one-token
// sentences, non-Latin text and a capitalized word seen elsewhere in lower case.
const std::vector<std::string>& Documents() {
  static const std::vector<std::string> docs = {
      "Alice Walker visited Paris on Monday. Walker said Paris was cold.",
      "Acme Corp hired Marek Nowak in Lagos. Hired? Yes. Nowak hired Walker too.",
      "The Internationalisierungsbemuehungsprogramm started in Oslo. Internationalisierung.",
      "Ok.\nNo.\nA b c d e f g h i j k l m n o p q r s t u v w x y z.",
      "北京大学的学生在上海。 Müller met Ørsted in Zürich on 3 March 2021, "
      "said the U.S. office.",
      "New York. new york! NEW YORK? New-York-based firms; 1,000.5 dollars; AT&T's CEO.",
  };
  return docs;
}

std::unique_ptr<SequenceModel> TrainTiny(std::vector<std::string> types = {}) {
  TrainerOptions options;
  if (!types.empty()) options.types = std::move(types);
  options.num_buckets = 1u << 12;  // small: many collisions between features, as in real models
  NameList names;
  const uint64_t paris[] = {LowercaseHash("Paris")};
  names.Insert(paris, 2);
  const uint64_t acme[] = {LowercaseHash("Acme"), LowercaseHash("Corp")};
  names.Insert(acme, 1);
  const std::vector<TinyExample> examples = {
      {"Alice Walker visited Paris on Monday.", {{"PERSON", 0, 12}, {"LOC", 21, 26}}},
      {"Acme Corp hired Marek Nowak in Lagos.",
       {{"ORG", 0, 9}, {"PERSON", 16, 27}, {"LOC", 31, 36}}},
      {"Sunita Rao flew to Lima on Friday.", {{"PERSON", 0, 10}, {"LOC", 19, 23}}},
  };
  return TrainTinyModel(examples, options, /*epochs=*/3, std::move(names));
}

// A document as the features see it: tokens, their descriptions, model bits, sentences.
struct PreparedDocument {
  std::vector<Token> tokens;
  std::vector<TokenInfo> info;
  std::vector<uint32_t> bits;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
};

PreparedDocument Prepare(const SequenceModel& model, const std::string& text) {
  PreparedDocument doc;
  Tokenize(text, &doc.tokens);
  DescribeTokens(text, doc.tokens, model.lexicon(), &doc.info);
  DocumentBitsScratch bits_scratch;
  ComputeModelBits(doc.tokens, doc.info, model.names(), &bits_scratch, &doc.bits);
  SentenceRanges(doc.tokens, &doc.ranges);
  return doc;
}

// Scores the way the tagger did before the cache: every feature of ExtractFeatures, summed.
std::vector<int32_t> ReferenceScores(const SequenceModel& model, const std::string& text) {
  const auto [tokens, info, bits, ranges] = Prepare(model, text);
  std::vector<int32_t> out;
  FeatureScratch scratch;
  std::vector<uint32_t> features;
  std::vector<int32_t> scores;
  for (const auto& [begin, end] : ranges) {
    const size_t n = end - begin;
    ExtractFeatures(std::span<const TokenInfo>(info).subspan(begin, n),
                    std::span<const uint32_t>(bits).subspan(begin, n), model.num_buckets(),
                    &scratch, &features);
    ScoreTokens(model, features, n, &scores);
    out.insert(out.end(), scores.begin(), scores.end());
  }
  return out;
}

TEST(WordFeatureIdsTest, WordAndContextIdsAreExactlyTheFeaturesOfExtractFeatures) {
  const auto model = TrainTiny();
  for (const std::string& text : Documents()) {
    const auto [tokens, info, bits, ranges] = Prepare(*model, text);
    const uint32_t buckets = model->num_buckets();
    WordFeatureIds begin_ids;
    WordFeatureIds end_ids;
    ComputeWordFeatureIds(SentinelInfo(true), buckets, &begin_ids);
    ComputeWordFeatureIds(SentinelInfo(false), buckets, &end_ids);
    for (const auto& [begin, end] : ranges) {
      const size_t n = end - begin;
      const auto sentence = std::span<const TokenInfo>(info).subspan(begin, n);
      const auto sentence_bits = std::span<const uint32_t>(bits).subspan(begin, n);
      FeatureScratch scratch;
      std::vector<uint32_t> all;
      std::vector<uint32_t> context;
      ExtractFeatures(sentence, sentence_bits, buckets, &scratch, &all);
      ExtractContextFeatures(sentence, sentence_bits, buckets, &scratch, &context);
      std::vector<WordFeatureIds> words(n);
      for (size_t i = 0; i < n; ++i) ComputeWordFeatureIds(sentence[i], buckets, &words[i]);
      for (size_t i = 0; i < n; ++i) {
        std::vector<uint32_t> expected(all.begin() + i * kFeaturesPerToken,
                                       all.begin() + (i + 1) * kFeaturesPerToken);
        std::vector<uint32_t> got(context.begin() + i * kContextFeaturesPerToken,
                                  context.begin() + (i + 1) * kContextFeaturesPerToken);
        const WordFeatureIds& l1 = i >= 1 ? words[i - 1] : begin_ids;
        const WordFeatureIds& l2 = i >= 2 ? words[i - 2] : begin_ids;
        const WordFeatureIds& r1 = i + 1 < n ? words[i + 1] : end_ids;
        const WordFeatureIds& r2 = i + 2 < n ? words[i + 2] : end_ids;
        got.insert(got.end(), std::begin(words[i].self), std::end(words[i].self));
        got.insert(got.end(), std::begin(l1.prev1), std::end(l1.prev1));
        got.insert(got.end(), std::begin(r1.next1), std::end(r1.next1));
        got.insert(got.end(), std::begin(l2.prev2), std::end(l2.prev2));
        got.insert(got.end(), std::begin(r2.next2), std::end(r2.next2));
        std::sort(expected.begin(), expected.end());
        std::sort(got.begin(), got.end());
        EXPECT_EQ(got, expected) << text << " token " << begin + i;
      }
    }
  }
}

// The ids ExtractFeatures wrote for the documents above before it was assembled from the split
// below (FNV-1a over every id in order): the templates, their slots and their hashing are part
// of the model file's meaning, so any change must show here (and retraining would not reproduce
// config/ner/model.bin).
TEST(WordFeatureIdsTest, ExtractFeaturesIdsAreStable) {
  const auto model = TrainTiny();
  uint64_t hash = 0xcbf29ce484222325ull;
  size_t count = 0;
  for (const std::string& text : Documents()) {
    const auto [tokens, info, bits, ranges] = Prepare(*model, text);
    FeatureScratch scratch;
    std::vector<uint32_t> ids;
    for (const auto& [begin, end] : ranges) {
      ExtractFeatures(std::span<const TokenInfo>(info).subspan(begin, end - begin),
                      std::span<const uint32_t>(bits).subspan(begin, end - begin),
                      model->num_buckets(), &scratch, &ids);
      for (uint32_t id : ids) {
        for (int b = 0; b < 4; ++b) {
          hash ^= (id >> (8 * b)) & 0xff;
          hash *= 0x100000001b3ull;
        }
      }
      count += ids.size();
    }
  }
  EXPECT_EQ(count, 4956u);
  EXPECT_EQ(hash, 11434371449416594736ull);
}

// The memo of context ids must never show: ids from one scratch used for every sentence of every
// document, alternating between two bucket counts (so the memo is reset and refilled), equal those
// from a fresh scratch per sentence.
TEST(WordFeatureIdsTest, ContextIdsDoNotDependOnWhatTheScratchSawBefore) {
  const auto model = TrainTiny();
  FeatureScratch shared;
  for (int round = 0; round < 2; ++round) {
    for (const std::string& text : Documents()) {
      const auto [tokens, info, bits, ranges] = Prepare(*model, text);
      for (const uint32_t buckets : {model->num_buckets(), 1u << 20}) {
        for (const auto& [begin, end] : ranges) {
          const auto sentence = std::span<const TokenInfo>(info).subspan(begin, end - begin);
          const auto sentence_bits = std::span<const uint32_t>(bits).subspan(begin, end - begin);
          FeatureScratch fresh;
          std::vector<uint32_t> expected;
          std::vector<uint32_t> got;
          ExtractContextFeatures(sentence, sentence_bits, buckets, &fresh, &expected);
          ExtractContextFeatures(sentence, sentence_bits, buckets, &shared, &got);
          EXPECT_EQ(got, expected) << text << " sentence at " << begin << ", " << buckets;
        }
      }
    }
  }
}

// The tagger's split of the context templates: its ids plus the two position ids of each token
// are the ids ExtractContextFeatures gives.
TEST(WordFeatureIdsTest, TaggerContextIdsPlusPositionIdsAreTheContextIds) {
  const auto model = TrainTiny();
  FeatureScratch scratch;
  for (const std::string& text : Documents()) {
    const auto [tokens, info, bits, ranges] = Prepare(*model, text);
    for (const uint32_t buckets : {model->num_buckets(), 1u << 20}) {
      for (const auto& [begin, end] : ranges) {
        const size_t n = end - begin;
        const auto sentence = std::span<const TokenInfo>(info).subspan(begin, n);
        const auto sentence_bits = std::span<const uint32_t>(bits).subspan(begin, n);
        std::vector<uint32_t> all;
        ExtractContextFeatures(sentence, sentence_bits, buckets, &scratch, &all);
        std::vector<uint32_t> tagger(n * kTaggerContextFeaturesPerToken);
        ExtractTaggerContextFeatures(sentence, sentence_bits, buckets, &scratch, tagger.data());
        for (size_t i = 0; i < n; ++i) {
          std::vector<uint32_t> expected(all.begin() + i * kContextFeaturesPerToken,
                                         all.begin() + (i + 1) * kContextFeaturesPerToken);
          std::vector<uint32_t> got(tagger.begin() + i * kTaggerContextFeaturesPerToken,
                                    tagger.begin() + (i + 1) * kTaggerContextFeaturesPerToken);
          uint32_t position_ids[kPositionFeatures];
          ComputePositionFeatureIds(sentence[i], static_cast<uint32_t>(i), buckets, position_ids);
          got.insert(got.end(), std::begin(position_ids), std::end(position_ids));
          std::sort(expected.begin(), expected.end());
          std::sort(got.begin(), got.end());
          EXPECT_EQ(got, expected) << text << " token " << begin + i;
        }
      }
    }
  }
}

TEST(BucketMemoTest, AlwaysGivesWhatComputeGives) {
  // Far more (key, tag) pairs than entries, each asked for several times in a scrambled order:
  // collisions replace entries, and a hit must never return another pair's id.
  BucketMemo memo;
  for (const uint32_t mask : {0xfffu, 0xffffu}) {
    memo.Prepare(mask);
    auto id_of = [mask](uint64_t key, uint32_t tag) {
      return static_cast<uint32_t>((key * 31 + tag) * 0x9e3779b97f4a7c15ull >> 40) & mask;
    };
    int computed = 0;
    for (uint64_t n = 0; n < 200000; ++n) {
      const uint64_t key = (n * 2654435761u) % 3001;  // 3,001 x 3 pairs, 4,096 entries
      const uint32_t tag = static_cast<uint32_t>(n % 3) + 1;
      const uint32_t id = memo.Get(key, tag, [&] {
        ++computed;
        return id_of(key, tag);
      });
      ASSERT_EQ(id, id_of(key, tag)) << key << " " << tag;
    }
    EXPECT_GT(computed, 0);
    EXPECT_LT(computed, 200000);
  }
}

TEST(WordCacheTest, NarrowModelsUseTheGenericKernels) {
  // Three types: 7 labels, stride 8.
  const auto model = TrainTiny({"PERSON", "ORG", "LOC"});
  ASSERT_EQ(model->stride(), 8u);
  Tagger tagger(model.get());
  std::vector<EntitySpan> spans;
  for (const std::string& text : Documents()) {
    tagger.TagText(text, &spans);
    const std::vector<int32_t> got(tagger.scores().begin(), tagger.scores().end());
    EXPECT_EQ(got, ReferenceScores(*model, text)) << text;
  }
}

TEST(AddWeightRowsTest, BaselineKernelEqualsScalarSums) {
  std::vector<int16_t> table(64 * 16);
  for (size_t i = 0; i < table.size(); ++i) {
    table[i] = static_cast<int16_t>((i * 7919 % 65536) - 32768);  // full int16 range
  }
  const uint32_t ids[] = {0, 63, 5, 5, 17, 42, 1, 63, 30};
  std::vector<int32_t> expected(16, 3);
  for (uint32_t id : ids) {
    for (size_t y = 0; y < 16; ++y) expected[y] += table[id * 16 + y];
  }
  std::vector<int32_t> baseline(16, 3);
  AddWeightRows16Baseline(table.data(), ids, std::size(ids), baseline.data());
  EXPECT_EQ(baseline, expected);
  std::vector<int32_t> dispatched(16, 3);
  AddWeightRows(table.data(), 16, ids, std::size(ids), dispatched.data());
  EXPECT_EQ(dispatched, expected);
}

TEST(WordCacheTest, TaggerScoresEqualTheUncachedSumsWithAnyCacheSize) {
  const auto model = TrainTiny();
  Tagger tagger(model.get());
  std::vector<EntitySpan> spans;
  // Twice: the second pass reads every word from the cache.
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string& text : Documents()) {
      tagger.TagText(text, &spans);
      const std::vector<int32_t> got(tagger.scores().begin(), tagger.scores().end());
      EXPECT_EQ(got, ReferenceScores(*model, text)) << text;
    }
  }
  EXPECT_GT(tagger.word_cache().hits(), tagger.word_cache().misses());
  // One and two entries: every lookup evicts, including within a word's own window.
  for (size_t entries : {1, 2, 64}) {
    WordCache cache(model.get(), entries);
    for (const std::string& text : Documents()) {
      std::vector<Token> tokens;
      Tokenize(text, &tokens);
      std::vector<std::pair<uint32_t, uint32_t>> ranges;
      SentenceRanges(tokens, &ranges);
      std::vector<TokenInfo> info(tokens.size());
      std::vector<int32_t> scores(tokens.size() * model->stride());
      cache.ScoreWords(text, tokens, ranges, info, scores);
      std::vector<TokenInfo> described;
      DescribeTokens(text, tokens, model->lexicon(), &described);
      ASSERT_EQ(info.size(), described.size());
      for (size_t i = 0; i < info.size(); ++i) {
        EXPECT_EQ(info[i].lower, described[i].lower);
        EXPECT_EQ(info[i].shape, described[i].shape);
        EXPECT_EQ(info[i].suffix[3], described[i].suffix[3]);
        EXPECT_EQ(info[i].first_case, described[i].first_case);
      }
      DocumentBitsScratch bits_scratch;
      std::vector<uint32_t> bits;
      ComputeModelBits(tokens, info, model->names(), &bits_scratch, &bits);
      FeatureScratch scratch;
      std::vector<uint32_t> context;
      for (const auto& [begin, end] : ranges) {
        const size_t n = end - begin;
        // The cache's sums hold the position templates: the other context templates complete them.
        context.assign(n * kTaggerContextFeaturesPerToken, 0);
        ExtractTaggerContextFeatures(std::span<const TokenInfo>(info).subspan(begin, n),
                                     std::span<const uint32_t>(bits).subspan(begin, n),
                                     model->num_buckets(), &scratch, context.data());
        for (size_t i = 0; i < n; ++i) {
          AddWeightRows(
              model->row(0), model->stride(), context.data() + i * kTaggerContextFeaturesPerToken,
              kTaggerContextFeaturesPerToken, scores.data() + (begin + i) * model->stride());
        }
      }
      EXPECT_EQ(scores, ReferenceScores(*model, text)) << entries << " entries: " << text;
    }
  }
}

}  // namespace
}  // namespace newsflow::tag::ner
