// Throughput of HTML → text and article extraction over real pages.
//
// Pages come from the directory in NEWSFLOW_EXTRACT_DIR (default /work/shared/extract-dev/html:
// the benchmark pages, which must never be copied into the repository); the benchmarks skip when
// it holds no .html file. Reports bytes/s of input HTML. BM_ParseOnly is libxml2's parse and free
// alone, the floor the other two are compared against.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "services/core/html/article_extractor.h"
#include "services/core/html/html_dom.h"
#include "services/core/html/html_text.h"

namespace {

const std::vector<std::string>& Pages() {
  static const std::vector<std::string>* const pages = [] {
    auto* loaded = new std::vector<std::string>();
    const char* env = std::getenv("NEWSFLOW_EXTRACT_DIR");
    const std::filesystem::path dir = env != nullptr ? env : "/work/shared/extract-dev/html";
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".html") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream buffer;
      buffer << in.rdbuf();
      loaded->push_back(buffer.str());
    }
    return loaded;
  }();
  return *pages;
}

template <typename Fn>
void RunOverPages(benchmark::State& state, Fn&& fn) {
  const auto& pages = Pages();
  if (pages.empty()) {
    state.SkipWithError("no pages: set NEWSFLOW_EXTRACT_DIR to a directory of .html files");
    return;
  }
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& page : pages) {
      fn(page);
      bytes += static_cast<int64_t>(page.size());
    }
  }
  state.SetBytesProcessed(bytes);
}

void BM_ParseOnly(benchmark::State& state) {
  RunOverPages(state, [](const std::string& page) {
    auto doc = newsflow::html::internal::ParseHtml(page, newsflow::html::internal::Charset::kSniff);
    benchmark::DoNotOptimize(doc.get());
  });
}
BENCHMARK(BM_ParseOnly)->Unit(benchmark::kMillisecond);

void BM_HtmlToParagraphs(benchmark::State& state) {
  RunOverPages(state, [](const std::string& page) {
    auto paragraphs = newsflow::html::HtmlToParagraphs(page);
    benchmark::DoNotOptimize(paragraphs.data());
  });
}
BENCHMARK(BM_HtmlToParagraphs)->Unit(benchmark::kMillisecond);

void BM_ExtractArticle(benchmark::State& state) {
  RunOverPages(state, [](const std::string& page) {
    auto article = newsflow::html::ExtractArticle(page);
    benchmark::DoNotOptimize(article.paragraphs.data());
  });
}
BENCHMARK(BM_ExtractArticle)->Unit(benchmark::kMillisecond);

}  // namespace
