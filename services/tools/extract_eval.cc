// newsflow-extract-eval DIR [--worst N]
//
// Scores ExtractArticle on an article-extraction benchmark directory: DIR/ground_truth.json
// (id → {articleBody, url}) and DIR/html/<id>.html. Prints precision, recall and F1 as the
// benchmark defines them (see services/core/html/shingle_score.h), the page count, the total
// size and the extraction throughput (ExtractArticle time only: no file I/O, no scoring), as wall
// time and as the thread's CPU time. --worst N lists the N pages with the lowest F1; --show ID
// (an id prefix) prints what was extracted from the matching pages.

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "services/core/html/article_extractor.h"
#include "services/core/html/shingle_score.h"

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

struct Page {
  std::string id;
  std::string url;
  std::string truth;
  std::string html;
};

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int Usage() {
  std::fprintf(stderr, "usage: newsflow-extract-eval DIR [--worst N] [--show ID]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  size_t worst = 0;
  std::string show;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--worst" && i + 1 < argc) {
      worst = static_cast<size_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--show" && i + 1 < argc) {
      show = argv[++i];
    } else if (!arg.empty() && arg[0] != '-' && dir.empty()) {
      dir = arg;
    } else {
      return Usage();
    }
  }
  if (dir.empty()) return Usage();

  std::string truth_json;
  if (!ReadFile(dir + "/ground_truth.json", &truth_json)) {
    std::fprintf(stderr, "cannot read %s/ground_truth.json\n", dir.c_str());
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(truth_json);
  simdjson::dom::object root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    std::fprintf(stderr, "ground_truth.json is not a JSON object\n");
    return 1;
  }
  std::vector<Page> pages;
  for (auto field : root) {
    Page page;
    page.id = std::string(field.key);
    std::string_view s;
    if (field.value["articleBody"].get(s) == simdjson::SUCCESS) page.truth = std::string(s);
    if (field.value["url"].get(s) == simdjson::SUCCESS) page.url = std::string(s);
    if (!show.empty() && page.id.rfind(show, 0) != 0) continue;
    if (!ReadFile(dir + "/html/" + page.id + ".html", &page.html)) {
      std::fprintf(stderr, "missing %s/html/%s.html\n", dir.c_str(), page.id.c_str());
      return 1;
    }
    pages.push_back(std::move(page));
  }

  std::vector<newsflow::html::ShingleMatch> matches;
  std::vector<std::string> predictions;
  size_t bytes = 0;
  std::chrono::nanoseconds elapsed{0};
  double cpu_seconds = 0;
  for (const Page& page : pages) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = ThreadCpuSeconds();
    newsflow::html::ExtractedArticle article = newsflow::html::ExtractArticle(page.html);
    cpu_seconds += ThreadCpuSeconds() - cpu_start;
    elapsed += std::chrono::steady_clock::now() - start;
    bytes += page.html.size();
    std::string text;
    for (const std::string& p : article.paragraphs) {
      if (!text.empty()) text += "\n";
      text += p;
    }
    matches.push_back(newsflow::html::MatchShingles(page.truth, text));
    if (!show.empty()) {
      std::printf(
          "title: %s\nauthor: %s\npublished: %s\ncanonical: %s\nlanguage: %s\n"
          "site: %s\ndescription: %s\n----\n%s\n----\n",
          article.title.c_str(), article.author.c_str(), article.published.c_str(),
          article.canonical_url.c_str(), article.language.c_str(), article.site_name.c_str(),
          article.description.c_str(), text.c_str());
    }
  }

  const newsflow::html::BenchmarkScore score = newsflow::html::AggregateScores(matches);
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double megabytes = bytes / 1e6;
  // Wall time suffers from whatever else runs on the machine; the thread's CPU time is the
  // per-core speed.
  std::printf(
      "pages %zu  size %.2f MB  extraction wall %.3f s (%.1f MB/s)  cpu %.3f s (%.1f MB/s)\n",
      pages.size(), megabytes, seconds, seconds > 0 ? megabytes / seconds : 0.0, cpu_seconds,
      cpu_seconds > 0 ? megabytes / cpu_seconds : 0.0);
  std::printf("precision %.4f  recall %.4f  F1 %.4f\n", score.precision, score.recall, score.f1);
  size_t empty = 0;
  for (const newsflow::html::ShingleMatch& m : matches) empty += (m.tp + m.fp == 0) ? 1 : 0;
  // Such pages count in recall only (as in the benchmark's evaluate.py), so say how many there are.
  if (empty > 0) std::printf("pages with no predicted shingle: %zu\n", empty);

  if (worst > 0) {
    std::vector<size_t> order(pages.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto page_f1 = [&](size_t i) {
      const double p = newsflow::html::PagePrecision(matches[i]);
      const double r = newsflow::html::PageRecall(matches[i]);
      return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
    };
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return page_f1(a) < page_f1(b); });
    std::printf("worst pages (P R F1 id url):\n");
    for (size_t k = 0; k < std::min(worst, order.size()); ++k) {
      const size_t i = order[k];
      std::printf("  %.3f %.3f %.3f %s %s\n", newsflow::html::PagePrecision(matches[i]),
                  newsflow::html::PageRecall(matches[i]), page_f1(i), pages[i].id.c_str(),
                  pages[i].url.c_str());
    }
  }
  return 0;
}
