// Fuzz target: KB matcher + rules + merge + summary over arbitrary bytes. The taggers promise to
// be safe on invalid UTF-8, so the input is deliberately not repaired. Checks the output
// contracts: spans inside the text, surfaces equal to the spanned bytes, code-point offsets
// consistent with byte offsets, merged mentions sorted and non-overlapping.
//
// Build and run (no CMake target on purpose):
//   clang++ -g -O1 -std=c++20 -fsanitize=fuzzer,address,undefined -I.
//       tests/fuzz/tagger_rules_fuzz.cc services/tag/*.cc -lhs -lyaml-cpp -o /tmp/tagger_rules_fuzz
//   /tmp/tagger_rules_fuzz -max_total_time=60 tests/fuzz/corpus/tagger_rules
// Set NEWSFLOW_KB_DIR=config/kb to fuzz with the shipped knowledge base instead of the small
// built-in one.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/tag/kb_matcher.h"
#include "services/tag/knowledge_base.h"
#include "services/tag/mention.h"
#include "services/tag/merge.h"
#include "services/tag/rules.h"
#include "services/tag/summary.h"

namespace {

using newsflow::tag::CodePointOffsets;
using newsflow::tag::KbLoadResult;
using newsflow::tag::KbMatcher;
using newsflow::tag::KbSource;
using newsflow::tag::KnowledgeBase;
using newsflow::tag::Mention;
using newsflow::tag::RuleTagger;

constexpr char kFuzzKb[] = R"(version: 1
entities:
  - {id: nvidia, type: org, name: Nvidia, zh: [英伟达, 輝達], tickers: [NASDAQ:NVDA]}
  - {id: pear, type: org, name: Pear, exact: true, tickers: [NYSE:PR]}
  - {id: us, type: loc, name: United States, aka: [US, U.S.], zh: [美国]}
  - {id: h800, type: product, name: H800}
  - {id: deepseek, type: org, name: DeepSeek, zh: [深度求索], tickers: [HKEX:0700]}
  - {id: scale_ai, type: org, name: Scale AI}
  - {id: windows, type: product, name: Windows 2000}
)";

struct Taggers {
  std::unique_ptr<KbMatcher> matcher;
  std::unique_ptr<RuleTagger> rules;
};

const Taggers& Get() {
  static const Taggers* taggers = [] {
    const char* dir = std::getenv("NEWSFLOW_KB_DIR");
    KbLoadResult r = dir != nullptr ? KnowledgeBase::LoadDirectory(dir)
                                    : KnowledgeBase::LoadSources({KbSource{"fuzz.yaml", kFuzzKb}});
    if (!r.errors.empty()) std::abort();
    auto* t = new Taggers();
    t->matcher = KbMatcher::Build(r.kb, {}, nullptr);
    if (t->matcher == nullptr) std::abort();
    t->rules = std::make_unique<RuleTagger>(newsflow::tag::RuleOptions{}, r.kb);
    return t;
  }();
  return *taggers;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckMentions(std::string_view text, const std::vector<Mention>& mentions, bool disjoint) {
  CodePointOffsets offsets(text);
  uint32_t previous_end = 0;
  for (const Mention& m : mentions) {
    Check(m.byte_start < m.byte_end && m.byte_end <= text.size());
    Check(m.text == text.substr(m.byte_start, m.byte_end - m.byte_start));
    Check(m.start == offsets.ToCodePoint(m.byte_start));
    Check(m.end == offsets.ToCodePoint(m.byte_end));
    if (disjoint) {
      Check(m.byte_start >= previous_end);
      previous_end = m.byte_end;
    }
    if (m.money) Check(!m.money->currency.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Taggers& t = Get();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  std::vector<Mention> kb;
  t.matcher->Find(text, &kb);
  CheckMentions(text, kb, /*disjoint=*/true);

  std::vector<Mention> rules;
  t.rules->Find(text, &rules);
  CheckMentions(text, rules, /*disjoint=*/true);

  // A fake "model" tagger: a few spans derived from the input to exercise every merge branch.
  std::vector<Mention> model;
  for (size_t i = 0; i + 4 < size && model.size() < 8; i += 1 + data[i] % 16) {
    Mention m;
    m.type = static_cast<newsflow::tag::EntityType>(data[i] % 9);
    m.source = newsflow::tag::MentionSource::kModel;
    m.byte_start = static_cast<uint32_t>(i);
    m.byte_end = static_cast<uint32_t>(std::min(size, i + 1 + data[i + 1] % 24));
    m.text = std::string(text.substr(m.byte_start, m.byte_end - m.byte_start));
    model.push_back(std::move(m));
  }
  newsflow::tag::AssignCodePointOffsets(text, &model);

  const std::vector<Mention> merged = newsflow::tag::MergeMentions(kb, rules, model);
  CheckMentions(text, merged, /*disjoint=*/true);

  const auto summary = newsflow::tag::SummarizeEntities(
      merged, static_cast<uint32_t>(CodePointOffsets(text).ToCodePoint(size)), kb);
  for (const auto& s : summary) Check(s.salience >= 0.0f && s.salience <= 1.0f);

  (void)newsflow::tag::ParseChineseNumber(text.substr(0, 64));
  return 0;
}
