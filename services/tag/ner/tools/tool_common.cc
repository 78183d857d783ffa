#include "services/tag/ner/tools/tool_common.h"

namespace newsflow::tag::ner::tools {

bool ReadDataSpec(const std::string& spec, std::vector<AnnotatedDocument>* documents,
                  std::string* error) {
  std::string path = spec;
  int parity = -1;
  if (const size_t hash = spec.rfind('#'); hash != std::string::npos) {
    const std::string selector = spec.substr(hash + 1);
    if (selector == "even" || selector == "odd") {
      parity = selector == "even" ? 0 : 1;
      path = spec.substr(0, hash);
    }
  }
  std::vector<AnnotatedDocument> all;
  if (!ReadAnnotatedJsonl(path, &all, error)) return false;
  for (size_t i = 0; i < all.size(); ++i) {
    if (parity < 0 || static_cast<int>(i % 2) == parity) documents->push_back(std::move(all[i]));
  }
  return true;
}

void ScoreModel(const SequenceModel& model, const std::vector<AnnotatedDocument>& documents,
                const std::map<std::string, std::string>& aliases, SpanEvaluator* exact,
                SpanEvaluator* overlap) {
  Tagger tagger(&model);
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
    exact->AddDocument(gold, predicted);
    overlap->AddDocument(gold, predicted);
  }
}

}  // namespace newsflow::tag::ner::tools
