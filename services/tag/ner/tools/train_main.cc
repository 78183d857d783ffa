// newsflow-ner-train: trains the statistical entity recognizer from annotated JSON lines.
//
//   newsflow-ner-train --train PATH.jsonl [--train PATH2.jsonl#even|#k/n|#-k/n ...]
//                      [--dev PATH.jsonl ...]
//                      [--epochs N] [--buckets-log2 B] [--lexicon-corpus CORPUS.jsonl ...]
//                      [--seed S] [--seeds K] [--verbose 1] [--name-folds F] [--kb DIR]
//                      [--names FILE.tsv ...] --out FILE
//
// --seeds K trains K models with seeds S..S+K-1 (different shuffles) and writes the mean of their
// averaged weights. Dev scores are printed after the last epoch of each seed (every epoch with
// --verbose 1), and for the final model.
// --lexicon-corpus reads unannotated JSON lines ("body" and "title" fields, or "text") and stores
// per-word capitalization/frequency classes in the model (see features.h). Scores on every --dev
// set are printed; the model written is the one after the last epoch.
// The model's name list (gazetteer features, features.h) holds the training entities' names
// (except DATE) and, with --kb, every alias of the knowledge base in DIR. While training, a
// document sees the list built without its own fold (F folds by document id, default 5), so the
// model learns how far a listed name can be trusted on text whose names were not all listed.
// --name-folds 0 trains without names from the training data.
// --names adds an external name list (AddNameListFile: "TYPE\tname" or "TYPE:part\tword" lines,
// e.g. from services/tag/ner/tools/fetch_name_lists.sh) to the knowledge-base names: every
// document sees it, as it sees the knowledge base.

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "services/tag/evaluation.h"
#include "services/tag/knowledge_base.h"
#include "services/tag/mention.h"
#include "services/tag/ner/annotated_corpus.h"
#include "services/tag/ner/features.h"
#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tokenizer.h"
#include "services/tag/ner/tools/tool_common.h"
#include "services/tag/ner/trainer.h"

namespace newsflow::tag::ner {
namespace {

struct WordStats {
  uint32_t capitalized = 0;  // first letter upper, not sentence-initial
  uint32_t lower = 0;        // not sentence-initial, lowercase
  uint32_t total = 0;
};

bool IsAsciiUpperStart(std::string_view w) { return !w.empty() && w[0] >= 'A' && w[0] <= 'Z'; }
bool IsAsciiLowerStart(std::string_view w) { return !w.empty() && w[0] >= 'a' && w[0] <= 'z'; }

void CountWords(std::string_view text, std::vector<Token>* tokens,
                std::unordered_map<uint64_t, WordStats>* stats) {
  Tokenize(text, tokens);
  for (const Token& t : *tokens) {
    if (t.kind != TokenKind::kWord) continue;
    const std::string_view w = text.substr(t.byte_begin, t.byte_end - t.byte_begin);
    WordStats& s = (*stats)[LowercaseHash(w)];
    ++s.total;
    if (t.flags & kSentenceStart) continue;
    if (IsAsciiUpperStart(w)) ++s.capitalized;
    if (IsAsciiLowerStart(w)) ++s.lower;
  }
}

// Class byte: 1 + 4 * capitalization bucket + frequency bucket (0 = unknown word).
uint8_t WordClass(const WordStats& s) {
  const uint32_t cased = s.capitalized + s.lower;
  int cap = 5;  // no mid-sentence evidence
  if (cased > 0) {
    const double r = static_cast<double>(s.capitalized) / cased;
    cap = r < 0.05 ? 0 : r < 0.3 ? 1 : r < 0.7 ? 2 : r < 0.95 ? 3 : 4;
  }
  const int freq = s.total < 3 ? 0 : s.total < 10 ? 1 : s.total < 100 ? 2 : 3;
  return static_cast<uint8_t>(1 + 4 * cap + freq);
}

bool BuildLexicon(const std::vector<std::string>& corpora,
                  const std::vector<AnnotatedDocument>& train, Lexicon* lexicon,
                  std::string* error) {
  std::unordered_map<uint64_t, WordStats> stats;
  std::vector<Token> tokens;
  simdjson::ondemand::parser parser;
  for (const std::string& path : corpora) {
    std::ifstream in(path);
    if (!in) {
      *error = "cannot open " + path;
      return false;
    }
    std::string line;
    while (std::getline(in, line)) {
      simdjson::padded_string padded(line);
      simdjson::ondemand::document doc;
      if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) continue;
      for (const char* field : {"title", "body", "text"}) {
        std::string_view v;
        if (doc[field].get_string().get(v) == simdjson::SUCCESS) {
          const std::string copy(v);  // the view dies with the next field lookup
          CountWords(copy, &tokens, &stats);
        }
      }
    }
  }
  (void)train;
  for (const auto& [hash, s] : stats) lexicon->Insert(hash, WordClass(s));
  return true;
}

// Adds every alias of the knowledge base in `dir` under its entity's type (when the model has
// that type).
bool AddKnowledgeBaseNames(const std::string& dir, const std::vector<std::string>& types,
                           NameList* names, std::string* error) {
  const KbLoadResult kb = KnowledgeBase::LoadDirectory(dir);
  if (kb.kb == nullptr) {
    *error = "knowledge base " + dir + ": " +
             (kb.errors.empty() ? std::string("not loaded") : kb.errors.front().ToString());
    return false;
  }
  for (const Entity& e : kb.kb->entities()) {
    std::string type(EntityTypeName(e.type));
    for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto it = std::find(types.begin(), types.end(), type);
    if (it == types.end()) continue;
    for (const Alias& a : e.aliases) {
      AddName(a.text, static_cast<uint32_t>(it - types.begin()), names);
    }
  }
  return true;
}

uint64_t Fnv(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

int Usage() {
  std::fprintf(stderr,
               "usage: newsflow-ner-train --train PATH.jsonl[#even|#odd|#k/n|#-k/n] ...\n"
               "       [--dev PATH ...]\n"
               "       [--epochs N (10)] [--buckets-log2 B (16)] [--lexicon-corpus PATH ...]\n"
               "       [--seed S (1)] [--seeds K (1)] [--verbose 1] [--name-folds F (5)]\n"
               "       [--kb DIR] [--names FILE.tsv ...] --out FILE\n");
  return 2;
}

int Main(int argc, char** argv) {
  std::vector<std::string> train_specs;
  std::vector<std::string> dev_specs;
  std::vector<std::string> corpora;
  std::string out_path;
  int epochs = 10;
  int seeds = 1;
  bool verbose = false;
  int name_folds = 5;
  std::string kb_dir;
  std::vector<std::string> name_files;
  TrainerOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string value = argv[++i];
    if (arg == "--train") {
      train_specs.push_back(value);
    } else if (arg == "--dev") {
      dev_specs.push_back(value);
    } else if (arg == "--lexicon-corpus") {
      corpora.push_back(value);
    } else if (arg == "--out") {
      out_path = value;
    } else if (arg == "--epochs") {
      epochs = std::atoi(value.c_str());
    } else if (arg == "--buckets-log2") {
      const int b = std::atoi(value.c_str());
      if (b < 10 || b > 24) return Usage();
      options.num_buckets = 1u << b;
    } else if (arg == "--seeds") {
      seeds = std::atoi(value.c_str());
    } else if (arg == "--verbose") {
      verbose = value != "0";
    } else if (arg == "--name-folds") {
      name_folds = std::atoi(value.c_str());
      if (name_folds < 0 || name_folds == 1) return Usage();
    } else if (arg == "--kb") {
      kb_dir = value;
    } else if (arg == "--names") {
      name_files.push_back(value);
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value.c_str(), nullptr, 10);
    } else {
      return Usage();
    }
  }
  if (train_specs.empty() || out_path.empty() || epochs < 1 || seeds < 1) return Usage();
  std::string error;
  std::vector<AnnotatedDocument> train;
  for (const std::string& spec : train_specs) {
    if (!tools::ReadDataSpec(spec, &train, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
  }
  std::vector<std::vector<AnnotatedDocument>> dev(dev_specs.size());
  for (size_t i = 0; i < dev_specs.size(); ++i) {
    if (!tools::ReadDataSpec(dev_specs[i], &dev[i], &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
  }
  Lexicon lexicon;
  if (!corpora.empty() && !BuildLexicon(corpora, train, &lexicon, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  const auto aliases = DefaultTypeAliases();
  // Name lists: the knowledge base plus the training names, one list per held-out fold and one
  // with everything (the model's).
  NameList base_names;
  if (!kb_dir.empty() && !AddKnowledgeBaseNames(kb_dir, options.types, &base_names, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  for (const std::string& path : name_files) {
    size_t added = 0;
    if (!AddNameListFile(path, options.types, &base_names, &error, &added)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    std::fprintf(stderr, "%s: %zu names\n", path.c_str(), added);
  }
  uint32_t skip_types = 0;
  for (size_t t = 0; t < options.types.size(); ++t) {
    if (options.types[t] == "DATE") skip_types |= 1u << t;
  }
  NameList all_names = base_names;
  std::vector<NameList> fold_names(static_cast<size_t>(name_folds), base_names);
  std::vector<size_t> fold_of(train.size(), 0);
  {
    std::vector<Token> tokens;
    std::vector<uint16_t> labels;
    for (size_t d = 0; d < train.size() && name_folds > 0; ++d) {
      fold_of[d] = Fnv(train[d].id) % static_cast<uint64_t>(name_folds);
      Tokenize(train[d].text, &tokens);
      EntitiesToLabels(tokens, train[d].entities, options.types, aliases, &labels);
      AddLabelledNames(train[d].text, tokens, labels, skip_types, &all_names);
      for (size_t f = 0; f < fold_names.size(); ++f) {
        if (f == fold_of[d]) continue;
        AddLabelledNames(train[d].text, tokens, labels, skip_types, &fold_names[f]);
      }
    }
  }
  std::fprintf(stderr, "name list: %zu keys (%zu from the knowledge base and --names)\n",
               all_names.size(), base_names.size());
  std::vector<float> mixed;
  std::unique_ptr<SequenceModel> model;
  const uint64_t first_seed = options.seed;
  for (int run = 0; run < seeds; ++run) {
    options.seed = first_seed + static_cast<uint64_t>(run);
    Trainer trainer(options, lexicon, all_names);
    std::vector<Token> tokens;
    std::vector<uint16_t> labels;
    size_t misaligned = 0;
    size_t entities = 0;
    for (size_t d = 0; d < train.size(); ++d) {
      Tokenize(train[d].text, &tokens);
      misaligned += EntitiesToLabels(tokens, train[d].entities, options.types, aliases, &labels);
      entities += train[d].entities.size();
      trainer.AddDocument(train[d].text, tokens, labels, {},
                          name_folds > 0 ? &fold_names[fold_of[d]] : &base_names);
    }
    if (run == 0) {
      std::fprintf(stderr,
                   "train: %zu documents, %zu sentences, %zu tokens, %zu entities (%zu not on "
                   "token boundaries)\n",
                   train.size(), trainer.num_sentences(), trainer.num_tokens(), entities,
                   misaligned);
    }
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      const size_t errors = trainer.RunEpoch();
      std::fprintf(stderr, "seed %llu epoch %d: %zu token errors (%.2f%%)",
                   static_cast<unsigned long long>(options.seed), epoch, errors,
                   100.0 * static_cast<double>(errors) / static_cast<double>(trainer.num_tokens()));
      if (!dev.empty() && (epoch == epochs || verbose)) {
        const auto snapshot = trainer.Snapshot();
        for (size_t i = 0; i < dev.size(); ++i) {
          SpanEvaluator exact(MatchMode::kExact);
          SpanEvaluator overlap(MatchMode::kOverlap);
          tools::ScoreModel(*snapshot, dev[i], aliases, &exact, &overlap);
          std::fprintf(stderr, "  %s F1 exact %.4f overlap %.4f", dev_specs[i].c_str(),
                       exact.Overall().f1(), overlap.Overall().f1());
        }
      }
      std::fprintf(stderr, "\n");
    }
    // Parameter mixing: the running mean of every seed's averaged weights.
    const std::vector<float> w = trainer.AveragedWeights();
    if (mixed.empty()) mixed.assign(w.size(), 0.0f);
    for (size_t i = 0; i < w.size(); ++i) {
      mixed[i] += (w[i] - mixed[i]) / static_cast<float>(run + 1);
    }
    if (run + 1 == seeds) model = trainer.Snapshot(mixed);
  }
  if (!model->SaveFile(out_path, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  for (size_t i = 0; i < dev.size(); ++i) {
    SpanEvaluator exact(MatchMode::kExact);
    SpanEvaluator overlap(MatchMode::kOverlap);
    tools::ScoreModel(*model, dev[i], aliases, &exact, &overlap);
    std::printf("%s\n%s\n%s\n", dev_specs[i].c_str(), FormatScoreTable(exact).c_str(),
                FormatScoreTable(overlap).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace newsflow::tag::ner

int main(int argc, char** argv) { return newsflow::tag::ner::Main(argc, argv); }
