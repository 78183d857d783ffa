// newsflow-process: every stage's logic in-process, no broker. Reads articles as JSON lines on
// stdin ({"id","title","body"|"html","url","source","published"}) or plain-text files given as
// arguments, runs normalize, entity-tag and story grouping, and writes one enriched JSON line per
// article in the format the sink publishes on news.enriched (docs/enriched-format.md).
//
//   newsflow-process [--kb DIR] [--model FILE|none] ../shared/samples/*.txt
//   newsflow-process --tag-only < annotated.jsonl   # tag "body" exactly as given (evaluation)
//
// Exact duplicates are reported on stderr and produce no line, as in the pipeline.

#include <google/protobuf/util/time_util.h>
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "newsflow/v1/raw_article.pb.h"
#include "services/normalize/normalize_stage.h"
#include "services/sink/enriched_json.h"
#include "services/sink/story_grouper.h"
#include "services/tag/entity_tagger.h"
#include "services/tag/tag_stage.h"

namespace newsflow {
namespace {

struct Input {
  std::string id, title, body, html, url, source, published;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool ParseLine(const std::string& line, Input* input, std::string* error) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(line);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) {
    *error = "not JSON";
    return false;
  }
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) {
    *error = "not a JSON object";
    return false;
  }
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) continue;
    std::string_view value;
    if (field.value().get_string().get(value)) continue;  // non-strings (e.g. entities) skipped
    std::string* target = key == "id"          ? &input->id
                          : key == "title"     ? &input->title
                          : key == "body"      ? &input->body
                          : key == "text"      ? &input->body
                          : key == "html"      ? &input->html
                          : key == "url"       ? &input->url
                          : key == "source"    ? &input->source
                          : key == "published" ? &input->published
                                               : nullptr;
    if (target) *target = std::string(value);
  }
  return true;
}

int Main(int argc, char** argv) {
  tag::EntityTaggerOptions tagger_options;
  bool tag_only = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--kb" && i + 1 < argc) {
      tagger_options.kb_dir = argv[++i];
    } else if (arg == "--model" && i + 1 < argc) {
      tagger_options.model_path = argv[++i];
      if (tagger_options.model_path == "none") tagger_options.model_path.clear();
    } else if (arg == "--tag-only") {
      tag_only = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << "usage: newsflow-process [--kb DIR] [--model FILE|none] [--tag-only] "
                   "[FILE.txt ...]  (JSON lines on stdin without files)\n";
      return 0;
    } else {
      files.push_back(arg);
    }
  }
  std::string error;
  auto tagger = tag::EntityTagger::Create(tagger_options, &error);
  if (!tagger) {
    std::cerr << "newsflow-process: " << error << "\n";
    return 2;
  }
  DedupeIndex dedupe{DedupeOptions{}};
  auto normalize = NormalizeStage::Create(NormalizeOptions{}, &dedupe, &error);
  sink::StoryGrouperOptions grouper_options;
  sink::StoryGrouper grouper(grouper_options);

  std::vector<Input> inputs;
  if (files.empty()) {
    std::string line;
    size_t number = 0;
    while (std::getline(std::cin, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Input input;
      if (!ParseLine(line, &input, &error)) {
        std::cerr << "newsflow-process: line " << number << ": " << error << "\n";
        return 1;
      }
      if (input.id.empty()) input.id = "line-" + std::to_string(number);
      inputs.push_back(std::move(input));
    }
  } else {
    for (const auto& path : files) {
      Input input;
      input.body = ReadFile(path);
      input.id = path.substr(path.find_last_of('/') + 1);
      input.source = input.id;
      inputs.push_back(std::move(input));
    }
  }

  int64_t sequence = 0;
  for (const auto& input : inputs) {
    v1::TaggedArticle tagged;
    v1::Article* article = tagged.mutable_article();
    if (tag_only) {
      article->set_article_id(input.id);
      article->set_title(input.title);
      article->set_body(input.body);
    } else {
      v1::RawArticle raw;
      raw.set_article_id(input.id);
      raw.set_source_name(input.source);
      raw.set_url(input.url);
      raw.set_title(input.title);
      raw.set_published_raw(input.published);
      raw.set_content(input.html.empty() ? input.body : input.html);
      raw.set_content_type(input.html.empty() ? "text/plain" : "text/html");
      std::string bytes = raw.SerializeAsString();
      InputRecord record;
      record.value = bytes;
      record.timestamp_ms = ++sequence;
      StageResult result;
      normalize->Process(record, &result);
      if (result.dead_letter) {
        std::cerr << input.id << ": dead letter " << result.dead_letter->reason << ": "
                  << result.dead_letter->detail << "\n";
        continue;
      }
      if (result.records.empty()) {
        std::cerr << input.id << ": exact duplicate, dropped\n";
        continue;
      }
      article->ParseFromString(result.records[0].value);
    }
    tag::TagResult tags = tagger->Tag(article->body(), article->title());
    FillTaggedArticle(tags, &tagged);
    std::string story_id;
    if (!tag_only) {
      sink::GroupingInput grouping = sink::GroupingInputFrom(tagged, sequence, grouper_options);
      sink::GroupingDecision decision = grouper.Assign(grouping);
      grouper.Apply(decision.story_id, grouping);
      story_id = decision.story_id;
    }
    auto entities = sink::EntitiesOf(tagged);
    std::cout << sink::EnrichedArticleJson(tagged, entities, story_id,
                                           google::protobuf::util::TimeUtil::GetCurrentTime())
              << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
