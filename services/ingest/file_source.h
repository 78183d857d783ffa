#pragma once

// Articles from files: a directory of plain-text (.txt, .md: a headline line or none, then the
// body), HTML (.html, .htm), JSON (.json: one article object) and JSON-lines (.jsonl) files.
// Pure logic: no Kafka.

#include <functional>
#include <string>
#include <vector>

#include "newsflow/v1/raw_article.pb.h"

namespace newsflow::ingest {

// Files in `dir` (not recursive) with an article extension, sorted by name. Hidden files and
// files still being written (".tmp", ".part", "~") are skipped.
std::vector<std::string> ListArticleFiles(const std::string& dir);

// Parses JSON / JSON-lines article files; set by the daemon (the JSON article parser). Returns
// false with `*error` naming the line and field on bad input.
using JsonArticleParser = std::function<bool(const std::string& bytes, bool lines,
                                             std::vector<v1::RawArticle>* out, std::string* error)>;

// The articles of one file, with stable ids (content hash unless the file gives a URL or id),
// source kind FILE, source name `source_name`, content type by extension. Returns false with
// `*error` when the file cannot be read or parsed.
bool ArticlesFromFile(const std::string& path, const std::string& source_name,
                      const JsonArticleParser& json_parser, std::vector<v1::RawArticle>* out,
                      std::string* error);

}  // namespace newsflow::ingest
