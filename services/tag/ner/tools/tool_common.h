#pragma once

// Shared by newsflow-ner-train and newsflow-ner-eval: data selection and scoring a model.

#include <cstdio>
#include <string>
#include <vector>

#include "services/tag/evaluation.h"
#include "services/tag/ner/annotated_corpus.h"
#include "services/tag/ner/sequence_model.h"

namespace newsflow::tag::ner::tools {

// Reads "PATH", "PATH#even", "PATH#odd", "PATH#k/n" or "PATH#-k/n" (ReadAnnotatedSpec): the
// suffix selects a half or a cross-validation fold (or its complement) of the documents.
bool ReadDataSpec(const std::string& spec, std::vector<AnnotatedDocument>* documents,
                  std::string* error);

// Tags every document and adds gold (mapped with `aliases` to the model's types) and predicted
// spans to both evaluators. When `errors` is not null, writes the spans that are not exact
// matches ("-" missed gold, "+" wrong prediction) to it.
void ScoreModel(const SequenceModel& model, const std::vector<AnnotatedDocument>& documents,
                const std::map<std::string, std::string>& aliases, SpanEvaluator* exact,
                SpanEvaluator* overlap, std::FILE* errors = nullptr, TaggerOptions options = {});

}  // namespace newsflow::tag::ner::tools
