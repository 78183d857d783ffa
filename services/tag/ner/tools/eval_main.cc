// newsflow-ner-eval: scores a trained model on annotated JSON lines.
//
//   newsflow-ner-eval --model FILE DATA.jsonl[#even|#odd|#k/n|#-k/n] [--types PERSON,ORG,...]
//                     [--errors]
//
// --no-surnames / --no-unify turn off the document-level passes (TaggerOptions).
// --errors writes every span that is not an exact match to stderr ("-" missed, "+" spurious).
//
// Gold types are mapped to the model's types as in training (EVENT, NORP -> MISC); gold types
// the model does not know stay as they are and count as misses. Prints precision, recall and F1
// per type, exact span + type and type + overlap.

#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "services/tag/evaluation.h"
#include "services/tag/ner/annotated_corpus.h"
#include "services/tag/ner/sequence_model.h"
#include "services/tag/ner/tools/tool_common.h"

namespace newsflow::tag::ner {
namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: newsflow-ner-eval --model FILE DATA.jsonl[#even|#odd|#k/n|#-k/n] "
               "[--types PERSON,ORG,...] [--errors]\n"
               "       [--no-surnames] [--no-unify]\n");
  return 2;
}

int Main(int argc, char** argv) {
  std::string model_path;
  std::string data_spec;
  std::set<std::string> types;
  std::FILE* errors = nullptr;
  TaggerOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--model" && i + 1 < argc) {
      model_path = argv[++i];
    } else if (arg == "--types" && i + 1 < argc) {
      std::stringstream list(argv[++i]);
      std::string t;
      while (std::getline(list, t, ',')) {
        if (!t.empty()) types.insert(t);
      }
    } else if (arg == "--no-surnames") {
      options.propagate_person_surnames = false;
    } else if (arg == "--no-unify") {
      options.unify_repeated_names = false;
    } else if (arg == "--errors") {
      errors = stderr;
    } else if (!arg.empty() && arg[0] != '-' && data_spec.empty()) {
      data_spec = arg;
    } else {
      return Usage();
    }
  }
  if (model_path.empty() || data_spec.empty()) return Usage();
  std::string error;
  const auto model = SequenceModel::LoadFile(model_path, &error);
  if (model == nullptr) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::vector<AnnotatedDocument> docs;
  if (!tools::ReadDataSpec(data_spec, &docs, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  SpanEvaluator exact(MatchMode::kExact, types);
  SpanEvaluator overlap(MatchMode::kOverlap, types);
  tools::ScoreModel(*model, docs, DefaultTypeAliases(), &exact, &overlap, errors, options);
  std::printf("%s: %zu documents\n%s\n%s", data_spec.c_str(), docs.size(),
              FormatScoreTable(exact).c_str(), FormatScoreTable(overlap).c_str());
  return 0;
}

}  // namespace
}  // namespace newsflow::tag::ner

int main(int argc, char** argv) { return newsflow::tag::ner::Main(argc, argv); }
