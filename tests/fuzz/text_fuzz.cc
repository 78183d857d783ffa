// The text path on arbitrary bytes: hygiene, boilerplate, language spans, SimHash. Checks the
// invariants the rest of the pipeline relies on.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/core/text/boilerplate.h"
#include "services/core/text/hygiene.h"
#include "services/core/text/language.h"
#include "services/core/text/simhash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  newsflow::text::HygieneReport report;
  auto paragraphs = newsflow::text::CleanParagraphs(bytes, &report);
  static auto filter = [] {
    std::string error;
    return *newsflow::text::BoilerplateFilter::Create({}, &error);
  }();
  auto cleaned = filter.Apply(paragraphs);
  std::string body = newsflow::text::JoinParagraphs(cleaned.kept);
  for (const auto& p : paragraphs) {
    if (p.empty() || p.find('\n') != std::string::npos) __builtin_trap();
  }
  auto languages = newsflow::text::DetectLanguages(body);
  size_t code_points = newsflow::text::CodePointCount(body);
  uint32_t previous_end = 0;
  for (const auto& span : languages.spans) {
    if (span.start >= span.end || span.end > code_points || span.start < previous_end) {
      __builtin_trap();
    }
    if (span.byte_end > body.size() || span.byte_start >= span.byte_end) __builtin_trap();
    previous_end = span.end;
  }
  auto texts = newsflow::text::TextPerLanguage(body, languages);
  (void)texts;
  // normalize's one pass over the body must agree with the separate functions, on any bytes.
  for (std::string_view text : {bytes, std::string_view(body)}) {
    const auto fingerprints = newsflow::text::Fingerprints(text);
    if (fingerprints.simhash != newsflow::text::SimHash(text) ||
        fingerprints.body != newsflow::text::BodyFingerprint(text) ||
        fingerprints.word_count != newsflow::text::WordCount(text)) {
      __builtin_trap();
    }
  }
  return 0;
}
