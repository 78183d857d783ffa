#include "services/tag/ner/sequence_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "services/tag/ner/annotated_corpus.h"
#include "services/tag/ner/tokenizer.h"
#include "services/tag/ner/trainer.h"
#include "tests/unit/tag/ner/tiny_model.h"

namespace newsflow::tag::ner {
namespace {

using Example = TinyExample;

// Made-up sentences: "<first> <last> visited <city> on <weekday>." and
// "<company> hired <first> <last> in <city>." with code-point spans.
std::vector<Example> MadeUpSentences() {
  const std::vector<std::string> first = {"Alice", "Marek", "Sunita", "Tomas", "Ngozi", "Pablo"};
  const std::vector<std::string> last = {"Walker", "Nowak", "Rao", "Berg", "Okafor", "Ruiz"};
  const std::vector<std::string> cities = {"Paris", "Lagos", "Lima", "Oslo", "Pune", "Quito"};
  const std::vector<std::string> days = {"Monday", "Tuesday", "Friday"};
  const std::vector<std::string> companies = {"Acme Corp", "Globex", "Initech", "Umbrella Group"};
  std::vector<Example> out;
  for (size_t i = 0; i < first.size(); ++i) {
    for (size_t j = 0; j < cities.size(); ++j) {
      const std::string person = first[i] + " " + last[(i + j) % last.size()];
      Example a;
      a.text = person + " visited " + cities[j] + " on " + days[(i + j) % days.size()] + ".";
      uint32_t p = 0;
      a.entities.push_back({"PERSON", p, p + static_cast<uint32_t>(person.size())});
      p += person.size() + 9;
      a.entities.push_back({"LOC", p, p + static_cast<uint32_t>(cities[j].size())});
      p += cities[j].size() + 4;
      a.entities.push_back(
          {"DATE", p, p + static_cast<uint32_t>(days[(i + j) % days.size()].size())});
      out.push_back(a);
      const std::string& company = companies[(i * 7 + j) % companies.size()];
      Example b;
      b.text = company + " hired " + person + " in " + cities[(j + 1) % cities.size()] + ".";
      p = 0;
      b.entities.push_back({"ORG", p, p + static_cast<uint32_t>(company.size())});
      p += company.size() + 7;
      b.entities.push_back({"PERSON", p, p + static_cast<uint32_t>(person.size())});
      p += person.size() + 4;
      b.entities.push_back(
          {"LOC", p, p + static_cast<uint32_t>(cities[(j + 1) % cities.size()].size())});
      out.push_back(b);
    }
  }
  return out;
}

std::unique_ptr<SequenceModel> TrainTiny(const std::vector<Example>& examples, int epochs) {
  TrainerOptions options;
  options.num_buckets = 1u << 14;
  return TrainTinyModel(examples, options, epochs);
}

std::vector<std::string> Describe(const SequenceModel& model, const std::string& text,
                                  const std::vector<EntitySpan>& spans) {
  std::vector<std::string> out;
  for (const EntitySpan& s : spans) {
    out.push_back(model.types()[s.type] + ":" +
                  text.substr(s.byte_begin, s.byte_end - s.byte_begin));
  }
  return out;
}

TEST(SequenceModelTest, TinyModelLearnsMadeUpSentences) {
  const auto model = TrainTiny(MadeUpSentences(), 10);
  Tagger tagger(model.get());
  std::vector<EntitySpan> spans;
  const std::string seen = "Alice Walker visited Paris on Monday.";
  tagger.TagText(seen, &spans);
  EXPECT_EQ(Describe(*model, seen, spans),
            (std::vector<std::string>{"PERSON:Alice Walker", "LOC:Paris", "DATE:Monday"}));
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[1].cp_begin, 21u);
  EXPECT_EQ(spans[1].cp_end, 26u);
  // A combination not in the training data.
  const std::string unseen = "Initech hired Pablo Okafor in Oslo.";
  tagger.TagText(unseen, &spans);
  EXPECT_EQ(Describe(*model, unseen, spans),
            (std::vector<std::string>{"ORG:Initech", "PERSON:Pablo Okafor", "LOC:Oslo"}));
}

TEST(DocumentPassTest, SurnamesPropagateAndRepeatedNamesTakeTheMajorityType) {
  // Types: 0 PERSON, 1 ORG, 2 LOC. Decoded labels as a model might give them.
  const std::string text =
      "Ana Montalvo met Ruiz in Lima. Montalvo left Lima for Lima, says Montalvo.";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  // Ana Montalvo met Ruiz in Lima . Montalvo left Lima for Lima , says Montalvo .
  ASSERT_EQ(tokens.size(), 16u);
  std::vector<uint16_t> labels(tokens.size(), kOutside);
  labels[0] = BeginLabel(0);
  labels[1] = InsideLabel(0);
  labels[5] = BeginLabel(2);
  labels[7] = BeginLabel(2);   // "Montalvo" mistyped as LOC
  labels[9] = BeginLabel(1);   // "Lima" once as ORG, twice as LOC
  labels[11] = BeginLabel(2);  // the last "Montalvo" (14) is untagged
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  DocumentPassScratch scratch;
  PropagateSurnames(text, tokens, 0, labels, &spans, &scratch);
  UnifyRepeatedNames(text, 3, labels, &spans, &scratch);
  std::vector<std::string> got;
  for (const EntitySpan& s : spans) {
    got.push_back(std::to_string(s.type) + ":" +
                  text.substr(s.byte_begin, s.byte_end - s.byte_begin));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"0:Ana Montalvo", "2:Lima", "0:Montalvo", "2:Lima",
                                           "2:Lima", "0:Montalvo"}));
  EXPECT_EQ(labels[7], BeginLabel(0));
  EXPECT_EQ(labels[9], BeginLabel(2));
  EXPECT_EQ(labels[14], BeginLabel(0));
  EXPECT_EQ(labels[3], kOutside);  // "Ruiz" is no known surname
}

// Runs PropagateSurnames on `labels` (types: 0 PERSON, 1 ORG) and describes the spans.
std::vector<std::string> PropagateOn(const std::string& text, std::vector<uint16_t> labels) {
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  EXPECT_EQ(tokens.size(), labels.size()) << text;
  labels.resize(tokens.size(), kOutside);
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  DocumentPassScratch scratch;
  PropagateSurnames(text, tokens, 0, labels, &spans, &scratch);
  std::vector<std::string> got;
  for (const EntitySpan& s : spans) {
    got.push_back(std::to_string(s.type) + ":" +
                  text.substr(s.byte_begin, s.byte_end - s.byte_begin));
  }
  return got;
}

TEST(DocumentPassTest, SurnamesDoNotComeFromASpanStartingWithAnotherSurname) {
  // Andy Warhol shot Warhol Polaroids . Polaroids sold ; Warhol smiled .
  const uint16_t b = BeginLabel(0), i = InsideLabel(0), o = kOutside;
  EXPECT_EQ(PropagateOn("Andy Warhol shot Warhol Polaroids. Polaroids sold; Warhol smiled.",
                        {b, i, o, b, i, o, o, o, o, o, o, o}),
            (std::vector<std::string>{"0:Andy Warhol", "0:Warhol Polaroids", "0:Warhol"}));
}

TEST(DocumentPassTest, ASurnameNeverUsedAloneMayStartAnotherFullName) {
  // Clarence Thomas swore . Thomas Knapp ran ; Knapp won .
  const uint16_t b = BeginLabel(0), i = InsideLabel(0), o = kOutside;
  EXPECT_EQ(PropagateOn("Clarence Thomas swore. Thomas Knapp ran; Knapp won.",
                        {b, i, o, o, b, i, o, o, o, o, o}),
            (std::vector<std::string>{"0:Clarence Thomas", "0:Thomas Knapp", "0:Knapp"}));
}

TEST(DocumentPassTest, SurnamesAreFoundWhateverTheirFirstByte) {
  // Martin Ødegaard passed to Bukayo Saka . Saka and Ødegaard scored ; Sakamoto and Øst did not .
  // The surname test skips tokens by first byte: "Sakamoto" and "Øst" share one with a surname
  // and must still not match, "Ødegaard" starts with a multi-byte letter and must.
  const uint16_t b = BeginLabel(0), i = InsideLabel(0), o = kOutside;
  EXPECT_EQ(
      PropagateOn("Martin Ødegaard passed to Bukayo Saka. Saka and Ødegaard scored; "
                  "Sakamoto and Øst did not.",
                  {b, i, o, o, b, i, o, o, o, o, o, o, o, o, o, o, o, o}),
      (std::vector<std::string>{"0:Martin Ødegaard", "0:Bukayo Saka", "0:Saka", "0:Ødegaard"}));
}

// Textbook constrained Viterbi: int64 sums, back-pointers kept, the first label reaching a maximum
// wins (as the tagger's Viterbi resolves ties).
std::vector<uint16_t> ReferenceViterbi(const SequenceModel& model,
                                       const std::vector<int32_t>& scores, size_t n) {
  const uint32_t L = model.num_labels();
  const uint32_t stride = model.stride();
  const int32_t* trans = model.decode_transitions();
  std::vector<std::vector<int64_t>> best(n, std::vector<int64_t>(L));
  std::vector<std::vector<uint16_t>> back(n, std::vector<uint16_t>(L));
  for (uint32_t y = 0; y < L; ++y) best[0][y] = int64_t{trans[y]} + scores[y];
  for (size_t i = 1; i < n; ++i) {
    for (uint32_t y = 0; y < L; ++y) {
      uint16_t arg = 0;
      int64_t top = best[i - 1][0] + trans[stride + y];
      for (uint32_t p = 1; p < L; ++p) {
        const int64_t v = best[i - 1][p] + trans[size_t{p + 1} * stride + y];
        if (v > top) top = v, arg = static_cast<uint16_t>(p);
      }
      best[i][y] = top + scores[i * stride + y];
      back[i][y] = arg;
    }
  }
  std::vector<uint16_t> labels(n);
  uint16_t y = 0;
  for (uint32_t k = 1; k < L; ++k) {
    if (best[n - 1][k] > best[n - 1][y]) y = static_cast<uint16_t>(k);
  }
  for (size_t i = n; i-- > 0;) {
    labels[i] = y;
    y = back[i][y];
  }
  return labels;
}

TEST(ViterbiTest, EqualsTheTextbookDecodingTiesIncluded) {
  // Six types: 13 labels in rows of 16, the shipped model's shape. Small integer scores and
  // transitions make many ties, which must be broken the same way.
  const std::vector<std::string> types = {"PERSON", "ORG", "LOC", "DATE", "PRODUCT", "MISC"};
  const uint32_t L = 13;
  uint64_t state = 12345;
  auto next = [&](int range) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int32_t>((state >> 33) % static_cast<uint64_t>(range)) - range / 2;
  };
  std::vector<int16_t> transitions((L + 1) * L);
  for (auto& t : transitions) t = static_cast<int16_t>(next(7));
  const uint32_t buckets = 1024;
  const SequenceModel model(types, buckets, std::vector<int16_t>((buckets + 1) * 16, 0),
                            transitions, 1.0f, Lexicon());
  ASSERT_EQ(model.stride(), 16u);
  ViterbiScratch scratch;
  for (const size_t n : {1, 2, 3, 17, 256, 5, 40}) {
    for (const int range : {3, 9, 2001}) {
      std::vector<int32_t> scores(n * 16);
      for (auto& s : scores) s = next(range);
      std::vector<uint16_t> labels(n);
      Viterbi(model, scores, n, &scratch, labels);
      EXPECT_EQ(labels, ReferenceViterbi(model, scores, n)) << n << " tokens, range " << range;
    }
  }
}

TEST(SequenceModelTest, SaveLoadRoundtripGivesIdenticalPredictions) {
  const auto model = TrainTiny(MadeUpSentences(), 3);  // undertrained: scores are close calls
  std::string error;
  const auto loaded = SequenceModel::Load(model->Serialize(), &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_EQ(loaded->types(), model->types());
  EXPECT_EQ(loaded->Serialize(), model->Serialize());
  Tagger a(model.get());
  Tagger b(loaded.get());
  std::vector<EntitySpan> spans_a;
  std::vector<EntitySpan> spans_b;
  for (const std::string text :
       {"Globex hired Sunita Rao in Lima on Friday.", "Tomas Berg visited Quito. Ngozi left.",
        "nothing here", "", "漢字 Acme Corp 🙂 Paris"}) {
    a.TagText(text, &spans_a);
    b.TagText(text, &spans_b);
    ASSERT_EQ(a.labels().size(), b.labels().size());
    for (size_t i = 0; i < a.labels().size(); ++i) EXPECT_EQ(a.labels()[i], b.labels()[i]);
    ASSERT_EQ(spans_a.size(), spans_b.size());
    for (size_t i = 0; i < spans_a.size(); ++i) {
      EXPECT_EQ(spans_a[i].type, spans_b[i].type);
      EXPECT_EQ(spans_a[i].cp_begin, spans_b[i].cp_begin);
      EXPECT_EQ(spans_a[i].cp_end, spans_b[i].cp_end);
    }
  }
}

TEST(SequenceModelTest, GazetteerBitsAreLearnedFeatures) {
  // The only evidence for PRODUCT is the caller's bit: the same words appear without it as O.
  TrainerOptions options;
  options.num_buckets = 1u << 12;
  Trainer trainer(options, Lexicon());
  const std::vector<std::string> words = {"zorb", "plim", "vex", "quop", "dral", "snib"};
  const uint16_t product = BeginLabel(4);  // types: PERSON ORG LOC DATE PRODUCT MISC
  std::vector<Token> tokens;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < words.size(); ++i) {
      const std::string text = "we bought the " + words[i] + " today";
      Tokenize(text, &tokens);
      std::vector<uint16_t> labels(tokens.size(), kOutside);
      std::vector<uint32_t> gazetteer(tokens.size(), 0);
      if ((i + round) % 2 == 0) {
        labels[3] = product;
        gazetteer[3] = 1u << 5;
      }
      ASSERT_TRUE(trainer.AddDocument(text, tokens, labels, gazetteer));
    }
  }
  for (int i = 0; i < 10; ++i) trainer.RunEpoch();
  const auto model = trainer.Snapshot();
  Tagger tagger(model.get());
  const std::string text = "we bought the frell today";
  Tokenize(text, &tokens);
  std::vector<EntitySpan> spans;
  std::vector<uint32_t> gazetteer(tokens.size(), 0);
  tagger.Tag(text, tokens, gazetteer, &spans);
  EXPECT_TRUE(spans.empty());
  gazetteer[3] = 1u << 5;
  tagger.Tag(text, tokens, gazetteer, &spans);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(model->types()[spans[0].type], "PRODUCT");
}

// FNV-1a 64 as in the model file, to forge files whose checksum is right but content is not.
uint64_t Fnv(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
void FixChecksum(std::string* file) {
  const uint64_t h = Fnv(std::string_view(*file).substr(0, file->size() - 8));
  std::memcpy(file->data() + file->size() - 8, &h, 8);
}

TEST(SequenceModelTest, CorruptedModelFilesAreRejectedWithAnError) {
  const auto model = TrainTiny(MadeUpSentences(), 1);
  const std::string good = model->Serialize();
  std::string error;
  ASSERT_NE(SequenceModel::Load(good, &error), nullptr);

  auto rejected = [&](const std::string& bytes) {
    error.clear();
    const bool null = SequenceModel::Load(bytes, &error) == nullptr;
    return null && !error.empty();
  };
  EXPECT_TRUE(rejected(""));
  EXPECT_TRUE(rejected("NFNERMDL"));
  EXPECT_TRUE(rejected("not a model at all, just some text of some length"));
  EXPECT_TRUE(rejected(good.substr(0, good.size() / 2)));
  EXPECT_TRUE(rejected(good.substr(0, good.size() - 1)));
  EXPECT_TRUE(rejected(good + "x"));
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  EXPECT_TRUE(rejected(flipped));
  EXPECT_NE(error.find("checksum"), std::string::npos) << error;
  std::string version = good;
  version[8] = 9;
  EXPECT_TRUE(rejected(version));

  // Valid checksum, impossible header fields: number of types, then bucket count.
  std::string types = good;
  const uint32_t many = 1000;
  std::memcpy(types.data() + 16, &many, 4);
  FixChecksum(&types);
  EXPECT_TRUE(rejected(types));
  // Header: magic(8) version(4) feature version(4) T(4) then T names (u32 length + bytes).
  size_t offset = 20;
  for (const std::string& t : model->types()) offset += 4 + t.size();
  std::string buckets = good;
  const uint32_t odd = 12345;
  std::memcpy(buckets.data() + offset, &odd, 4);
  FixChecksum(&buckets);
  EXPECT_TRUE(rejected(buckets));
  EXPECT_NE(error.find("bucket"), std::string::npos) << error;

  EXPECT_EQ(SequenceModel::LoadFile("/nonexistent/model.bin", &error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST(AnnotatedCorpusTest, EntitiesToBioLabelsWithAliases) {
  const std::string text = "Belgians met in São Paulo's port.";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  // "Belgians" is NORP (mapped to MISC), "São Paulo" LOC, "port." is misaligned on purpose.
  const std::vector<GoldEntity> entities = {{"NORP", 0, 8}, {"LOC", 16, 25}, {"EVENT", 28, 31}};
  const std::vector<std::string> types = {"PERSON", "ORG", "LOC", "DATE", "PRODUCT", "MISC"};
  std::vector<uint16_t> labels;
  EXPECT_EQ(EntitiesToLabels(tokens, entities, types, DefaultTypeAliases(), &labels), 1u);
  // Belgians met in São Paulo 's port .
  EXPECT_EQ(labels, (std::vector<uint16_t>{BeginLabel(5), 0, 0, BeginLabel(2), InsideLabel(2), 0,
                                           BeginLabel(5), 0}));
  EXPECT_EQ(MapType("EVENT", types, DefaultTypeAliases()), "MISC");
  EXPECT_EQ(MapType("MONEY", types, DefaultTypeAliases()), "");
}

// Model bits of every token of `text` with `names`.
std::vector<uint32_t> ModelBits(const std::string& text, const NameList& names,
                                std::vector<Token>* tokens) {
  Tokenize(text, tokens);
  std::vector<TokenInfo> info;
  DescribeTokens(text, *tokens, Lexicon(), &info);
  DocumentBitsScratch scratch;
  std::vector<uint32_t> bits;
  ComputeModelBits(*tokens, info, names, &scratch, &bits);
  return bits;
}

TEST(ModelBitsTest, ListedNamesMarkBeginAndInsideBitsOfTheirType) {
  NameList names;
  AddName("Valeska Smith", 0, &names);  // PERSON
  AddName("the Sea Org", 1, &names);    // ORG, listed without "the"
  AddName("Sea", 2, &names);            // LOC: a one-word name inside another
  std::vector<Token> tokens;
  // Valeska Paris met the Sea Org in sea air .
  const auto bits = ModelBits("Valeska Paris met the Sea Org in sea air.", names, &tokens);
  ASSERT_EQ(bits.size(), 10u);
  constexpr uint32_t kNameMask = (1u << kNameBits) - 1;
  EXPECT_EQ(bits[0] & kNameMask, 0u);                     // "Valeska" alone is no listed name...
  EXPECT_TRUE(bits[0] & kPartOfFirstTypeName);            // ...but a word of a listed person's name
  EXPECT_FALSE(bits[1] & kPartOfFirstTypeName);           // "Paris" is not
  EXPECT_EQ(bits[4] & kNameMask, (1u << 2) | (1u << 4));  // "Sea": B-ORG and B-LOC
  EXPECT_TRUE(bits[4] & kPartOfOtherName);
  EXPECT_EQ(bits[5] & kNameMask, 1u << 3);  // "Org": I-ORG
  EXPECT_EQ(bits[7] & kNameMask, 0u);       // lower-case "sea" starts no name
  EXPECT_EQ(bits[3] & kNameMask, 0u);       // "the"
}

TEST(ModelBitsTest, DocumentCaseBitsSeeTheWholeDocument) {
  std::vector<Token> tokens;
  // Polaroid works . He took a Polaroid . Yesterday the polaroid broke . Yesterday was dull .
  const auto bits = ModelBits(
      "Polaroid works. He took a Polaroid. Yesterday the polaroid broke. Yesterday was dull.",
      NameList(), &tokens);
  ASSERT_EQ(bits.size(), 17u);
  // The sentence-initial "Polaroid" is capitalized mid-sentence elsewhere, and lower case too.
  EXPECT_TRUE(bits[0] & kCapitalizedInDocument);
  EXPECT_TRUE(bits[0] & kLowercaseInDocument);
  // "Yesterday" is only ever capitalized where a sentence starts: no evidence either way.
  EXPECT_FALSE(bits[8] & kCapitalizedInDocument);
  EXPECT_FALSE(bits[8] & kLowercaseInDocument);
  EXPECT_FALSE(bits[2] & (kCapitalizedInDocument | kLowercaseInDocument));  // "."
}

TEST(DocumentPassTest, AcronymsTakeTheTypeOfTheNameTheySpell) {
  const std::string text =
      "The University of Southern Indiana said USI and the USA agree. USI Gallery opened.";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  // The University of Southern Indiana said USI and the USA agree . USI Gallery opened .
  ASSERT_EQ(tokens.size(), 16u);
  std::vector<uint16_t> labels(tokens.size(), kOutside);
  labels[1] = BeginLabel(1);
  labels[2] = labels[3] = labels[4] = InsideLabel(1);
  labels[12] = BeginLabel(2);  // "USI Gallery" as one LOC span: left alone
  labels[13] = InsideLabel(2);
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  DocumentPassScratch scratch;
  PropagateAcronyms(text, tokens, labels, &spans, &scratch);
  EXPECT_EQ(labels[6], BeginLabel(1));  // "USI"
  EXPECT_EQ(labels[9], kOutside);       // "USA" spells no name here
  EXPECT_EQ(labels[12], BeginLabel(2));
  EXPECT_EQ(labels[13], InsideLabel(2));
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[1].type, 1u);
  EXPECT_EQ(text.substr(spans[1].byte_begin, spans[1].byte_end - spans[1].byte_begin), "USI");
}

TEST(SequenceModelTest, NameListIsLearnedAndSurvivesSaveAndLoad) {
  // Product names appear only in the name list; the sentences alone cannot tell them from O.
  NameList names;
  for (const char* product : {"Zorbit", "Quanta Pad", "Vexel", "Blorp"}) {
    AddName(product, 4, &names);  // "Blorp" is listed but never seen in training
  }
  TrainerOptions options;
  options.num_buckets = 1u << 12;
  Trainer trainer(options, Lexicon(), names);
  std::vector<Token> tokens;
  for (int round = 0; round < 4; ++round) {
    for (const char* word : {"Zorbit", "Quanta Pad", "Vexel", "Monday", "Tuesday"}) {
      const std::string text = std::string("We bought ") + word + " today.";
      Tokenize(text, &tokens);
      std::vector<uint16_t> labels(tokens.size(), kOutside);
      const bool product = std::string(word) != "Monday" && std::string(word) != "Tuesday";
      if (product) {
        labels[2] = BeginLabel(4);
        for (size_t i = 3; i + 2 < tokens.size(); ++i) labels[i] = InsideLabel(4);
      }
      ASSERT_TRUE(trainer.AddDocument(text, tokens, labels, {}));
    }
  }
  for (int i = 0; i < 5; ++i) trainer.RunEpoch();
  const auto model = trainer.Snapshot();
  EXPECT_EQ(model->names().size(), names.size());
  std::string error;
  const auto loaded = SequenceModel::Load(model->Serialize(), &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_EQ(loaded->names().size(), names.size());
  Tagger tagger(loaded.get());
  std::vector<EntitySpan> spans;
  tagger.TagText("We bought Quanta Pad today.", &spans);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].type, 4u);
  EXPECT_EQ(spans[0].token_end - spans[0].token_begin, 2u);
  tagger.TagText("We bought Blorp today.", &spans);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].type, 4u);
  tagger.TagText("We bought Tuesday today.", &spans);
  EXPECT_TRUE(spans.empty());
}

TEST(DocumentPassTest, OrganizationWordsMakeAndExtendOrganizationNames) {
  // Types: 0 PERSON, 1 ORG, 2 LOC.
  const std::string text =
      "The Andy Warhol Foundation gave the University of Southern Indiana prints. "
      "Tang Teaching Museum opened. A museum of art. Bank of America";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  // The Andy Warhol Foundation gave the University of Southern Indiana prints .
  // Tang Teaching Museum opened . A museum of art . Bank of America
  ASSERT_EQ(tokens.size(), 25u);
  std::vector<uint16_t> labels(tokens.size(), kOutside);
  labels[1] = BeginLabel(0);  // "Andy Warhol Foundation" as a PERSON
  labels[2] = labels[3] = InsideLabel(0);
  labels[8] = BeginLabel(2);  // "Southern Indiana" as a LOC
  labels[9] = InsideLabel(2);
  labels[24] = BeginLabel(2);  // "America"
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  ExtendOrganizationNames(text, tokens, 1, labels, &spans);
  std::vector<std::string> got;
  for (const EntitySpan& s : spans) {
    got.push_back(std::to_string(s.type) + ":" +
                  text.substr(s.byte_begin, s.byte_end - s.byte_begin));
  }
  EXPECT_EQ(
      got, (std::vector<std::string>{"1:Andy Warhol Foundation", "1:University of Southern Indiana",
                                     "1:Tang Teaching Museum", "1:Bank of America"}));
}

TEST(DocumentPassTest, PublicationAndOrgEndingsAreOrganizations) {
  // Types: 0 PERSON, 1 ORG, 2 LOC. Newspapers and "Org" end organization names (GUM types
  // them ORG); the model had "Miami Herald" as a PERSON and "Sea Org" as a LOC.
  const std::string text = "The Miami Herald and the Sea Org said so. Deseret News agreed.";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  // The Miami Herald and the Sea Org said so . Deseret News agreed .
  ASSERT_EQ(tokens.size(), 14u);
  std::vector<uint16_t> labels(tokens.size(), kOutside);
  labels[1] = BeginLabel(0);
  labels[2] = InsideLabel(0);
  labels[5] = BeginLabel(2);
  labels[6] = InsideLabel(2);
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  ExtendOrganizationNames(text, tokens, 1, labels, &spans);
  std::vector<std::string> got;
  for (const EntitySpan& s : spans) {
    got.push_back(std::to_string(s.type) + ":" +
                  text.substr(s.byte_begin, s.byte_end - s.byte_begin));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"1:Miami Herald", "1:Sea Org", "1:Deseret News"}));
}

TEST(DocumentPassTest, HyphenatedNamesAreJoinedIntoTheirPersonSpan) {
  // Types: 0 PERSON, 1 ORG, 2 LOC.
  const std::string text =
      "Kim Min-Woo met Hwang Hee-Chan and Joo-Ho in Pittsburgh-Cleveland. Anti-Trump groups "
      "met Mohamed El-Hassan, Smith - Jones and Anne-Marie.";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  auto find = [&](std::string_view word, size_t from = 0) {
    for (size_t i = from; i < tokens.size(); ++i) {
      if (text.substr(tokens[i].byte_begin, tokens[i].byte_end - tokens[i].byte_begin) == word) {
        return i;
      }
    }
    ADD_FAILURE() << word;
    return size_t{0};
  };
  std::vector<uint16_t> labels(tokens.size(), kOutside);
  labels[find("Kim")] = BeginLabel(0);  // "Kim Min" stopped at the hyphen
  labels[find("Min")] = InsideLabel(0);
  labels[find("Hwang")] = BeginLabel(0);  // "Hwang Hee" and "Chan" as two persons
  labels[find("Hee")] = InsideLabel(0);
  labels[find("Chan")] = BeginLabel(0);
  labels[find("Ho")] = BeginLabel(0);          // only the second half tagged
  labels[find("Pittsburgh")] = BeginLabel(2);  // two places stay two places
  labels[find("Cleveland")] = BeginLabel(2);
  labels[find("Trump")] = BeginLabel(0);  // sentence-initial "Anti" is no name
  labels[find("Mohamed")] = BeginLabel(0);
  labels[find("Hassan")] = BeginLabel(0);  // a third half joins the span before it
  labels[find("Smith")] = BeginLabel(0);   // spaced hyphens are not one name
  labels[find("Anne")] = BeginLabel(0);    // "Marie" untagged
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  JoinHyphenatedNames(text, tokens, 0, labels, &spans);
  std::vector<std::string> got;
  for (const EntitySpan& s : spans) {
    got.push_back(std::to_string(s.type) + ":" +
                  text.substr(s.byte_begin, s.byte_end - s.byte_begin));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"0:Kim Min-Woo", "0:Hwang Hee-Chan", "0:Joo-Ho",
                                           "2:Pittsburgh", "2:Cleveland", "0:Trump",
                                           "0:Mohamed El-Hassan", "0:Smith", "0:Anne-Marie"}));
}

TEST(DocumentPassTest, DateEvidenceIsADigitADateWordOrAnotherScript) {
  auto evidence = [](const std::string& text) {
    std::vector<Token> tokens;
    Tokenize(text, &tokens);
    return HasDateEvidence(text, tokens, 0, static_cast<uint32_t>(tokens.size()));
  };
  for (const char* yes : {"2019", "the 1990s", "3rd", "Feb.", "late September", "Christmas Eve",
                          "Thurs.", "nineteen seventy-two", "6 p.m.", "星期一", "août"}) {
    EXPECT_TRUE(evidence(yes)) << yes;
  }
  for (const char* no : {"Perttu Ahola", "Minetest", "Red Hat", "the Future", "Mars", ""}) {
    EXPECT_FALSE(evidence(no)) << no;
  }
}

TEST(DocumentPassTest, DatesWithoutEvidenceAreDecodedAgainWithoutDate) {
  // Types: 0 PERSON, 1 DATE; labels O, B-PER, I-PER, B-DATE, I-DATE; zero weights, so the
  // transitions only forbid inside labels after other types and the scores below decide.
  const std::vector<std::string> types = {"PERSON", "DATE"};
  const uint32_t buckets = 1024;
  SequenceModel model(types, buckets, std::vector<int16_t>((buckets + 1) * 8, 0),
                      std::vector<int16_t>(6 * 5, 0), 1.0f, Lexicon());
  ASSERT_EQ(model.stride(), 8u);
  const std::string text = "Perttu Ahola said on Monday that Minetest grew.";
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  // Perttu Ahola said on Monday that Minetest grew .
  ASSERT_EQ(tokens.size(), 9u);
  std::vector<int32_t> scores(tokens.size() * 8, 0);
  auto set = [&](size_t token, uint32_t label, int32_t v) { scores[token * 8 + label] = v; };
  set(0, 3, 10);  // B-DATE best, B-PER second
  set(0, 1, 5);
  set(1, 4, 10);  // I-DATE best, then I-PER, then B-PER
  set(1, 2, 4);
  set(1, 1, 1);
  set(4, 3, 10);  // "Monday" keeps its DATE
  set(6, 3, 10);  // B-DATE best, then O, then B-PER
  set(6, 0, 3);
  set(6, 1, 2);
  std::vector<uint16_t> labels(tokens.size(), kOutside);
  labels[0] = 3;
  labels[1] = 4;
  labels[4] = 3;
  labels[6] = 3;
  std::vector<EntitySpan> spans;
  LabelsToSpans(tokens, labels, &spans);
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  SentenceRanges(tokens, &ranges);
  RedecodeDatesWithoutEvidence(model, text, tokens, ranges, scores, 1, labels, &spans);
  std::vector<std::string> got;
  for (const EntitySpan& s : spans) {
    got.push_back(std::to_string(s.type) + ":" +
                  text.substr(s.byte_begin, s.byte_end - s.byte_begin));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"0:Perttu Ahola", "1:Monday"}));
  EXPECT_EQ(labels[6], kOutside);
  EXPECT_TRUE(TaggerOptions{}.require_date_evidence);
}

}  // namespace
}  // namespace newsflow::tag::ner
