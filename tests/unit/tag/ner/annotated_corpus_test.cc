#include "services/tag/ner/annotated_corpus.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "services/tag/ner/features.h"
#include "services/tag/ner/tokenizer.h"

namespace newsflow::tag::ner {
namespace {

std::vector<size_t> Kept(const DataSpec& spec, size_t n) {
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i) {
    if (spec.Keeps(i)) out.push_back(i);
  }
  return out;
}

TEST(DataSpecTest, PlainPathKeepsEverything) {
  const DataSpec spec = ParseDataSpec("../shared/ner/dev.jsonl");
  EXPECT_EQ(spec.path, "../shared/ner/dev.jsonl");
  EXPECT_EQ(Kept(spec, 4), (std::vector<size_t>{0, 1, 2, 3}));
}

TEST(DataSpecTest, EvenAndOddAreTheTwoFoldsOfTwo) {
  const DataSpec even = ParseDataSpec("d.jsonl#even");
  const DataSpec odd = ParseDataSpec("d.jsonl#odd");
  EXPECT_EQ(even.path, "d.jsonl");
  EXPECT_EQ(Kept(even, 5), (std::vector<size_t>{0, 2, 4}));
  EXPECT_EQ(Kept(odd, 5), (std::vector<size_t>{1, 3}));
  EXPECT_EQ(Kept(ParseDataSpec("d.jsonl#0/2"), 5), Kept(even, 5));
}

TEST(DataSpecTest, FoldAndComplementPartitionTheDocuments) {
  for (uint32_t k = 0; k < 3; ++k) {
    const DataSpec fold = ParseDataSpec("d.jsonl#" + std::to_string(k) + "/3");
    const DataSpec rest = ParseDataSpec("d.jsonl#-" + std::to_string(k) + "/3");
    EXPECT_EQ(fold.path, "d.jsonl");
    EXPECT_EQ(rest.path, "d.jsonl");
    for (size_t i = 0; i < 10; ++i) {
      EXPECT_NE(fold.Keeps(i), rest.Keeps(i)) << "k=" << k << " i=" << i;
      EXPECT_EQ(fold.Keeps(i), i % 3 == k);
    }
  }
}

TEST(DataSpecTest, MalformedSelectorStaysInThePath) {
  for (const char* spec : {"a#b", "a#3/3", "a#1/0", "a#/2", "a#1/", "a#-x/2", "a#12", "a#1/2x"}) {
    const DataSpec parsed = ParseDataSpec(spec);
    EXPECT_EQ(parsed.path, spec);
    EXPECT_EQ(parsed.folds, 0u) << spec;
  }
}

TEST(DataSpecTest, ReadAnnotatedSpecKeepsTheFoldInFileOrder) {
  const std::string path = testing::TempDir() + "/annotated_corpus_test.jsonl";
  {
    std::ofstream out(path);
    for (int i = 0; i < 5; ++i) {
      out << R"({"id":"d)" << i << R"(","text":"Paris","entities":[{"start":0,"end":5,)"
          << R"("type":"LOC"}]})" << '\n';
      if (i == 1) out << "\n";  // blank lines are not documents
    }
  }
  std::vector<AnnotatedDocument> docs;
  std::string error;
  ASSERT_TRUE(ReadAnnotatedSpec(path + "#-1/2", &docs, &error)) << error;
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].id, "d0");
  EXPECT_EQ(docs[1].id, "d2");
  EXPECT_EQ(docs[2].id, "d4");
  EXPECT_EQ(docs[2].entities.size(), 1u);
  docs.clear();
  ASSERT_TRUE(ReadAnnotatedSpec(path + "#1/2", &docs, &error)) << error;
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].id, "d3");
  EXPECT_FALSE(ReadAnnotatedSpec(path + ".missing#0/2", &docs, &error));
  std::remove(path.c_str());
}

TEST(NameListFileTest, AddsNamesOfKnownTypesAndPartsWithoutListingThem) {
  const std::string path = testing::TempDir() + "/name_list_test.tsv";
  {
    std::ofstream out(path);
    out << "# comment\n\nLOC\tNew Mexico\nLOC\tParis\r\nPERSON:part\tValeska\n"
        << "PERSON:part\tTwo Words\nNORP\tGreeks\nTICKER:part\tNVDA\n";
  }
  const std::vector<std::string> types = {"PERSON", "ORG", "LOC"};
  NameList names;
  std::string error;
  size_t added = 0;
  ASSERT_TRUE(AddNameListFile(path, types, &names, &error, &added)) << error;
  EXPECT_EQ(added, 3u);  // two LOC names and one part; the rest is skipped
  const uint64_t new_mexico = NameKey(NameKey(0, LowercaseHash("new")), LowercaseHash("mexico"));
  EXPECT_EQ(names.Lookup(new_mexico) & 0xff, 1u << 2);
  EXPECT_EQ(names.Lookup(NameKey(0, LowercaseHash("paris"))) & 0xff, 1u << 2);  // "\r" dropped
  const uint32_t valeska = names.Lookup(NameKey(0, LowercaseHash("Valeska")));
  EXPECT_EQ(valeska, 1u << NameList::kPartShift);  // a PERSON part, not a PERSON name
  EXPECT_EQ(names.Lookup(NameKey(0, LowercaseHash("greeks"))), 0u);
  EXPECT_EQ(names.Lookup(NameKey(0, LowercaseHash("two"))), 0u);

  // The part bit reaches the model's document bits; a name-list type bit does not come with it.
  std::vector<Token> tokens;
  const std::string text = "Valeska Paris spoke.";
  Tokenize(text, &tokens);
  std::vector<TokenInfo> info;
  DescribeTokens(text, tokens, Lexicon(), &info);
  DocumentBitsScratch scratch;
  std::vector<uint32_t> bits;
  ComputeModelBits(tokens, info, names, &scratch, &bits);
  EXPECT_TRUE(bits[0] & kPartOfFirstTypeName);
  EXPECT_EQ(bits[0] & ((1u << kNameBits) - 1), 0u);
  EXPECT_EQ(bits[1] & ((1u << kNameBits) - 1), 1u << 4);  // "Paris" begins a LOC name

  std::ofstream(path) << "LOC New Mexico\n";  // no tab
  EXPECT_FALSE(AddNameListFile(path, types, &names, &error));
  EXPECT_NE(error.find(":1:"), std::string::npos) << error;
  std::remove(path.c_str());
  EXPECT_FALSE(AddNameListFile(path, types, &names, &error));
}

}  // namespace
}  // namespace newsflow::tag::ner
