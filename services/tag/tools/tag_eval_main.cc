// newsflow-tag-eval: scores the whole entity tagger (knowledge base + rules + model + merge) on
// annotated JSON lines ({"id","text","entities":[{"start","end","type"}]}, code-point offsets).
//
//   newsflow-tag-eval [--kb DIR] [--model FILE|none] [--types PERSON,ORG,...] [--errors]
//                     [--by-source] DATA.jsonl[#even|#odd|#k/n|#-k/n]
//
// The suffix keeps a half or a cross-validation fold of the documents (ner::ParseDataSpec), so a
// model trained on "DATA.jsonl#-k/n" is scored on the documents it did not see.
// Gold EVENT and NORP count as MISC (as the model is trained). Only the gold data's types are
// scored unless --types is given: predictions of types the data never labels (MONEY, PERCENT,
// TICKER in GUM) are left out instead of counting as false positives. Prints precision, recall
// and F1 per type for exact span + type and for type + overlap. --errors writes every scored span
// that is not an exact match to stderr (document, "-" missed gold or "+" wrong prediction, type,
// code-point start and end, text), so errors can be classed as boundary, type or missing.
// --by-source also prints, per mention source (kb, rule, model) and predicted type, how many
// predictions are exact, right span with another type, overlapping a gold span of the same type
// (boundary), overlapping only other gold spans, or spurious (no gold overlap); with --errors,
// each such prediction is listed on stderr too ("*", document, source, kind, type, offsets, text).

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "services/tag/entity_tagger.h"
#include "services/tag/evaluation.h"
#include "services/tag/ner/annotated_corpus.h"
#include "services/tag/tools/prediction_kind.h"

namespace newsflow::tag {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return out;
}

// Code-point span [start, end) of `text` (the annotations count code points).
std::string_view Slice(std::string_view text, uint32_t start, uint32_t end) {
  size_t begin = text.size();
  size_t b = 0;
  uint32_t cp = 0;
  for (; b <= text.size(); ++b) {
    if (b < text.size() && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) continue;
    if (cp == start) begin = b;
    if (cp == end) break;
    ++cp;
  }
  return begin < b ? text.substr(begin, b - begin) : std::string_view();
}

void PrintErrors(const ner::AnnotatedDocument& doc, const std::set<std::string>& types,
                 const std::vector<ScoredSpan>& gold, const std::vector<ScoredSpan>& predicted) {
  auto same = [](const ScoredSpan& a, const ScoredSpan& b) {
    return a.type == b.type && a.start == b.start && a.end == b.end;
  };
  auto print_unmatched = [&](const std::vector<ScoredSpan>& spans,
                             const std::vector<ScoredSpan>& other, const char* sign) {
    for (const ScoredSpan& s : spans) {
      if (!types.contains(s.type)) continue;
      const auto matches = [&](const ScoredSpan& o) { return same(s, o); };
      if (std::any_of(other.begin(), other.end(), matches)) continue;
      const std::string_view surface = Slice(doc.text, s.start, s.end);
      std::fprintf(stderr, "%s\t%s\t%s\t%u\t%u\t%.*s\n", doc.id.c_str(), sign, s.type.c_str(),
                   s.start, s.end, static_cast<int>(surface.size()), surface.data());
    }
  };
  print_unmatched(gold, predicted, "-");
  print_unmatched(predicted, gold, "+");
}

// Per (source, type): predictions by error kind (SourceTable).
struct SourceCounts {
  size_t exact = 0, type = 0, boundary = 0, other = 0, spurious = 0;
  size_t total() const { return exact + type + boundary + other + spurious; }
};

// With `errors`, every prediction that is not exact is also written to stderr ("*", document,
// source, kind, type, start, end, text).
void CountBySource(const ner::AnnotatedDocument& doc, const std::vector<ScoredSpan>& gold,
                   const std::vector<ScoredSpan>& predicted,
                   const std::vector<std::string>& sources, const std::set<std::string>& types,
                   bool errors,
                   std::map<std::pair<std::string, std::string>, SourceCounts>* table) {
  for (size_t i = 0; i < predicted.size(); ++i) {
    const ScoredSpan& p = predicted[i];
    if (!types.contains(p.type)) continue;
    const PredictionKind kind = ClassifyPrediction(gold, p);
    SourceCounts& c = (*table)[{sources[i], p.type}];
    switch (kind) {
      case PredictionKind::kExact:
        ++c.exact;
        break;
      case PredictionKind::kType:
        ++c.type;
        break;
      case PredictionKind::kBoundary:
        ++c.boundary;
        break;
      case PredictionKind::kOther:
        ++c.other;
        break;
      case PredictionKind::kSpurious:
        ++c.spurious;
        break;
    }
    if (errors && kind != PredictionKind::kExact) {
      const std::string_view surface = Slice(doc.text, p.start, p.end);
      const std::string name(PredictionKindName(kind));
      std::fprintf(stderr, "*\t%s\t%s\t%s\t%s\t%u\t%u\t%.*s\n", doc.id.c_str(), sources[i].c_str(),
                   name.c_str(), p.type.c_str(), p.start, p.end, static_cast<int>(surface.size()),
                   surface.data());
    }
  }
}

int Main(int argc, char** argv) {
  EntityTaggerOptions options;
  bool errors = false;
  bool by_source = false;
  std::string data;
  std::set<std::string> types;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--kb" && i + 1 < argc) {
      options.kb_dir = argv[++i];
    } else if (arg == "--model" && i + 1 < argc) {
      options.model_path = argv[++i];
      if (options.model_path == "none") options.model_path.clear();
    } else if (arg == "--types" && i + 1 < argc) {
      std::stringstream list(argv[++i]);
      std::string t;
      while (std::getline(list, t, ',')) types.insert(t);
    } else if (arg == "--errors") {
      errors = true;
    } else if (arg == "--by-source") {
      by_source = true;
    } else if (!arg.empty() && arg[0] != '-' && data.empty()) {
      data = arg;
    } else {
      std::fprintf(stderr,
                   "usage: newsflow-tag-eval [--kb DIR] [--model FILE|none] [--types T,...] "
                   "[--errors] DATA.jsonl[#k/n]\n");
      return 2;
    }
  }
  if (data.empty()) {
    std::fprintf(stderr, "newsflow-tag-eval: no data file given\n");
    return 2;
  }
  std::string error;
  auto tagger = EntityTagger::Create(options, &error);
  if (!tagger) {
    std::fprintf(stderr, "newsflow-tag-eval: %s\n", error.c_str());
    return 1;
  }
  std::vector<ner::AnnotatedDocument> documents;
  if (!ner::ReadAnnotatedSpec(data, &documents, &error)) {
    std::fprintf(stderr, "newsflow-tag-eval: %s\n", error.c_str());
    return 1;
  }
  auto aliases = ner::DefaultTypeAliases();
  if (types.empty()) {
    for (const auto& doc : documents) {
      for (const auto& e : doc.entities) {
        auto it = aliases.find(e.type);
        types.insert(it == aliases.end() ? e.type : it->second);
      }
    }
  }
  SpanEvaluator exact(MatchMode::kExact, types), overlap(MatchMode::kOverlap, types);
  std::map<std::pair<std::string, std::string>, SourceCounts> source_table;
  for (const auto& doc : documents) {
    std::vector<ScoredSpan> gold, predicted;
    std::vector<std::string> sources;
    for (const auto& e : doc.entities) {
      auto it = aliases.find(e.type);
      gold.push_back({it == aliases.end() ? e.type : it->second, e.start, e.end});
    }
    TagResult result = tagger->Tag(doc.text, "");
    for (const auto& m : result.mentions) {
      predicted.push_back({Upper(EntityTypeName(m.type)), m.start, m.end});
      sources.emplace_back(MentionSourceName(m.source));
    }
    if (errors) PrintErrors(doc, types, gold, predicted);
    if (by_source) CountBySource(doc, gold, predicted, sources, types, errors, &source_table);
    exact.AddDocument(gold, predicted);
    overlap.AddDocument(gold, predicted);
  }
  std::printf(
      "%zu documents, knowledge base %s, model %s\n\nexact span + type\n%s\n"
      "type + overlap\n%s",
      documents.size(), tagger->kb_version().c_str(), tagger->model_version().c_str(),
      FormatScoreTable(exact).c_str(), FormatScoreTable(overlap).c_str());
  if (by_source) {
    std::printf("\npredictions by source\n%-7s %-8s %6s %6s %6s %6s %6s %6s %7s\n", "source",
                "type", "pred", "exact", "type", "bound", "other", "spur", "P exact");
    for (const auto& [key, c] : source_table) {
      std::printf("%-7s %-8s %6zu %6zu %6zu %6zu %6zu %6zu %7.3f\n", key.first.c_str(),
                  key.second.c_str(), c.total(), c.exact, c.type, c.boundary, c.other, c.spurious,
                  c.total() ? static_cast<double>(c.exact) / static_cast<double>(c.total()) : 0.0);
    }
  }
  return 0;
}

}  // namespace
}  // namespace newsflow::tag

int main(int argc, char** argv) { return newsflow::tag::Main(argc, argv); }
