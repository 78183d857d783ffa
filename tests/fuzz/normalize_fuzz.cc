// The whole normalize stage on arbitrary bytes as a news.raw record value, and on arbitrary
// content inside a valid RawArticle. Must never crash; every input yields an Article, a dead
// letter, or (duplicates) nothing.
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "newsflow/v1/raw_article.pb.h"
#include "services/normalize/normalize_stage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Garbage input makes protobuf log every invalid UTF-8 string field; the verdict is what counts.
  static bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  static newsflow::DedupeIndex* index = new newsflow::DedupeIndex(newsflow::DedupeOptions{});
  static newsflow::NormalizeStage* stage = [] {
    std::string error;
    return newsflow::NormalizeStage::Create(newsflow::NormalizeOptions{}, index, &error).release();
  }();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);

  newsflow::InputRecord as_record;
  as_record.value = bytes;
  newsflow::StageResult r1;
  stage->Process(as_record, &r1);

  newsflow::v1::RawArticle raw;
  raw.set_article_id("fuzz");
  raw.set_content(std::string(bytes));
  // The first byte picks a declared type, so the charset and sniffing paths are covered too.
  static const char* kTypes[] = {"text/plain", "", "text/plain; charset=windows-1252",
                                 "text/plain; charset=shift_jis", "text/html; charset=utf-8"};
  raw.set_content_type(kTypes[size ? data[0] % 5 : 0]);
  std::string value = raw.SerializeAsString();
  newsflow::InputRecord as_content;
  as_content.value = value;
  newsflow::StageResult r2;
  stage->Process(as_content, &r2);
  if (!r2.dead_letter && !r2.records.empty() && r2.records[0].value.empty()) __builtin_trap();
  return 0;
}
