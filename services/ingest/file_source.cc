#include "services/ingest/file_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "services/ingest/seen_set.h"

namespace newsflow::ingest {
namespace {

std::string Extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

bool IsArticleExtension(const std::string& ext) {
  return ext == ".txt" || ext == ".md" || ext == ".html" || ext == ".htm" || ext == ".json" ||
         ext == ".jsonl" || ext == ".ndjson";
}

}  // namespace

std::vector<std::string> ListArticleFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || name.back() == '~') continue;
    if (!IsArticleExtension(Extension(name))) continue;
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool ArticlesFromFile(const std::string& path, const std::string& source_name,
                      const JsonArticleParser& json_parser, std::vector<v1::RawArticle>* out,
                      std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string bytes = buffer.str();
  std::string ext = Extension(path);
  if (ext == ".json" || ext == ".jsonl" || ext == ".ndjson") {
    if (!json_parser) {
      *error = "no JSON article parser";
      return false;
    }
    std::vector<v1::RawArticle> parsed;
    if (!json_parser(bytes, ext != ".json", &parsed, error)) {
      *error = path + ": " + *error;
      return false;
    }
    for (auto& article : parsed) {
      article.set_source_kind(v1::RawArticle::SOURCE_KIND_FILE);
      if (article.source_name().empty()) article.set_source_name(source_name);
      out->push_back(std::move(article));
    }
    return true;
  }
  v1::RawArticle article;
  article.set_source_kind(v1::RawArticle::SOURCE_KIND_FILE);
  article.set_source_name(source_name);
  article.set_content_type(ext == ".html" || ext == ".htm" ? "text/html" : "text/plain");
  article.set_article_id(StableArticleId("", "", "", bytes));
  article.set_content(std::move(bytes));
  out->push_back(std::move(article));
  return true;
}

}  // namespace newsflow::ingest
