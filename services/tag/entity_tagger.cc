#include "services/tag/entity_tagger.h"

#include "services/tag/document_rules.h"
#include "services/tag/merge.h"
#include "services/tag/rules.h"

namespace newsflow::tag {
namespace {

std::string JoinErrors(const std::vector<KbError>& errors) {
  std::string out;
  for (size_t i = 0; i < errors.size() && i < 5; ++i) {
    if (i) out += "; ";
    out += errors[i].ToString();
  }
  if (errors.size() > 5) out += "; and " + std::to_string(errors.size() - 5) + " more";
  return out;
}

}  // namespace

std::unique_ptr<EntityTagger> EntityTagger::Create(EntityTaggerOptions options,
                                                   std::string* error) {
  std::unique_ptr<EntityTagger> tagger(new EntityTagger(std::move(options)));
  auto errors = tagger->kb_.ReloadFromDirectory(tagger->options_.kb_dir, tagger->options_.matcher,
                                                tagger->options_.rules);
  if (!errors.empty()) {
    *error = "knowledge base " + tagger->options_.kb_dir + ": " + JoinErrors(errors);
    return nullptr;
  }
  if (!tagger->options_.model_path.empty()) {
    std::string model_error;
    tagger->model_ = ner::SequenceModel::LoadFile(tagger->options_.model_path, &model_error);
    if (!tagger->model_) {
      *error = "model " + tagger->options_.model_path + ": " + model_error;
      return nullptr;
    }
    tagger->model_tagger_ = std::make_unique<ner::Tagger>(tagger->model_.get());
    std::string types;
    for (const auto& name : tagger->model_->types()) {
      tagger->model_types_.push_back(ParseEntityType(name));
      types += (types.empty() ? "" : "+") + name;
    }
    tagger->model_version_ = "perceptron:" + types;
  }
  return tagger;
}

std::optional<std::string> EntityTagger::ReloadKnowledgeBase() {
  auto errors = kb_.ReloadFromDirectory(options_.kb_dir, options_.matcher, options_.rules);
  if (errors.empty()) return std::nullopt;
  return "knowledge base " + options_.kb_dir + ": " + JoinErrors(errors);
}

std::string EntityTagger::kb_version() const {
  auto snapshot = kb_.Get();
  if (!snapshot) return "none";
  return std::to_string(snapshot->kb->entities().size()) + "e-" +
         std::to_string(snapshot->kb->alias_count()) + "a";
}

void EntityTagger::TagText(std::string_view text, std::vector<Mention>* out) {
  auto snapshot = kb_.Get();
  std::vector<Mention> kb, rules, model;
  if (snapshot) {
    snapshot->matcher->Find(text, &kb);
    snapshot->rules->Find(text, &rules);
  }
  if (model_tagger_) {
    spans_.clear();
    model_tagger_->TagText(text, &spans_);
    for (const auto& span : spans_) {
      if (span.type >= model_types_.size() || !model_types_[span.type]) continue;
      Mention m;
      m.type = *model_types_[span.type];
      m.byte_start = span.byte_begin;
      m.byte_end = span.byte_end;
      m.start = span.cp_begin;
      m.end = span.cp_end;
      m.text = std::string(text.substr(span.byte_begin, span.byte_end - span.byte_begin));
      m.source = MentionSource::kModel;
      m.confidence = options_.model_confidence;
      model.push_back(std::move(m));
    }
  }
  // Where the model and a rule both saw a date, the model's span wins: it learned the
  // annotation convention ("January 28", not "Monday (January 28)"), measured +0.25 F1 on DATE.
  std::erase_if(rules, [&model](const Mention& r) {
    if (r.type != EntityType::kDate) return false;
    for (const auto& m : model) {
      if (m.type == EntityType::kDate && m.byte_start < r.byte_end && r.byte_start < m.byte_end) {
        return true;
      }
    }
    return false;
  });
  PreferModelSurnames(model, &kb);
  DropRedefinedAcronyms(text, &kb, &rules);
  DropAcronymPluralExpansions(text, &model);
  JoinPlacesToPrecedingNames(text, &model, &kb);
  *out = MergeMentions(std::move(kb), std::move(rules), std::move(model));
  RetypeTeamsInScores(text, out);
  AssignCodePointOffsets(text, out);
}

TagResult EntityTagger::Tag(std::string_view body, std::string_view title) {
  TagResult result;
  TagText(body, &result.mentions);
  std::vector<Mention> title_mentions;
  if (!title.empty()) TagText(title, &title_mentions);
  LinkSurnamesToFullNames(&result.mentions, &title_mentions);
  uint32_t length = 0;
  {
    CodePointOffsets offsets(body);
    length = offsets.ToCodePoint(body.size());
  }
  result.entities = SummarizeEntities(result.mentions, length, title_mentions, options_.summary);
  return result;
}

}  // namespace newsflow::tag
