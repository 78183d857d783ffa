#include "services/tag/ner/tools/tool_common.h"

namespace newsflow::tag::ner::tools {
namespace {

// Code-point span to text (the annotations count code points).
std::string Slice(const std::string& text, uint32_t start, uint32_t end) {
  size_t b = 0;
  uint32_t cp = 0;
  size_t begin = std::string::npos;
  for (; b <= text.size(); ++b) {
    if (b < text.size() && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) continue;
    if (cp == start) begin = b;
    if (cp == end) break;
    ++cp;
  }
  if (begin == std::string::npos) return {};
  return text.substr(begin, b - begin);
}

void PrintErrors(const AnnotatedDocument& doc, const std::vector<ScoredSpan>& gold,
                 const std::vector<ScoredSpan>& predicted, std::FILE* out) {
  auto same = [](const ScoredSpan& a, const ScoredSpan& b) {
    return a.type == b.type && a.start == b.start && a.end == b.end;
  };
  for (const ScoredSpan& g : gold) {
    bool found = false;
    for (const ScoredSpan& p : predicted) found = found || same(g, p);
    if (!found) {
      std::fprintf(out, "%s\t-\t%s\t%s\n", doc.id.c_str(), g.type.c_str(),
                   Slice(doc.text, g.start, g.end).c_str());
    }
  }
  for (const ScoredSpan& p : predicted) {
    bool found = false;
    for (const ScoredSpan& g : gold) found = found || same(g, p);
    if (!found) {
      std::fprintf(out, "%s\t+\t%s\t%s\n", doc.id.c_str(), p.type.c_str(),
                   Slice(doc.text, p.start, p.end).c_str());
    }
  }
}

}  // namespace

bool ReadDataSpec(const std::string& spec, std::vector<AnnotatedDocument>* documents,
                  std::string* error) {
  return ReadAnnotatedSpec(spec, documents, error);
}

void ScoreModel(const SequenceModel& model, const std::vector<AnnotatedDocument>& documents,
                const std::map<std::string, std::string>& aliases, SpanEvaluator* exact,
                SpanEvaluator* overlap, std::FILE* errors, TaggerOptions options) {
  Tagger tagger(&model, options);
  std::vector<EntitySpan> spans;
  std::vector<ScoredSpan> gold;
  std::vector<ScoredSpan> predicted;
  for (const AnnotatedDocument& doc : documents) {
    tagger.TagText(doc.text, &spans);
    gold.clear();
    predicted.clear();
    for (const GoldEntity& e : doc.entities) {
      std::string type = MapType(e.type, model.types(), aliases);
      gold.push_back(ScoredSpan{type.empty() ? e.type : type, e.start, e.end});
    }
    for (const EntitySpan& s : spans) {
      predicted.push_back(ScoredSpan{model.types()[s.type], s.cp_begin, s.cp_end});
    }
    if (errors != nullptr) PrintErrors(doc, gold, predicted, errors);
    exact->AddDocument(gold, predicted);
    overlap->AddDocument(gold, predicted);
  }
}

}  // namespace newsflow::tag::ner::tools
