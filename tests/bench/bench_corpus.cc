#include "tests/bench/bench_corpus.h"

#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace newsflow::bench {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

const std::vector<CorpusArticle>& Corpus(std::string* source) {
  static std::string used;
  static const std::vector<CorpusArticle> corpus = [] {
    std::vector<CorpusArticle> articles;
    const char* env = std::getenv("NEWSFLOW_CORPUS");
    std::string path =
        env ? env : std::string(NEWSFLOW_SOURCE_DIR) + "/../shared/corpus/wikinews.jsonl";
    if (std::filesystem::exists(path)) {
      simdjson::ondemand::parser parser;
      std::ifstream in(path);
      std::string line;
      while (std::getline(in, line)) {
        simdjson::padded_string padded(line);
        simdjson::ondemand::document doc;
        if (parser.iterate(padded).get(doc)) continue;
        std::string_view title, body;
        if (doc["title"].get_string().get(title)) title = {};
        if (doc["body"].get_string().get(body)) continue;
        articles.push_back({std::string(title), std::string(body)});
      }
      used = path;
    }
    if (articles.empty()) {
      std::string dir = std::string(NEWSFLOW_SOURCE_DIR) + "/tests/fixtures/articles";
      for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        articles.push_back({"", ReadFile(entry.path().string())});
      }
      used = dir;
    }
    return articles;
  }();
  if (source) *source = used;
  return corpus;
}

}  // namespace newsflow::bench
