#include "services/core/runtime/logging.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace newsflow {
namespace {

std::string LogOnce(const std::string& format, const std::string& message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_formatter(MakeLogFormatter("normalize", format));
  spdlog::logger logger("t", sink);
  logger.warn("{}", message);
  logger.flush();
  return out.str();
}

TEST(LoggingTest, JsonLinesStayParseableWhateverTheMessage) {
  std::string tricky = "quote \" backslash \\ newline \n tab \t ctrl \x01 中文";
  std::string line = LogOnce("json", tricky);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one record per line";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
  std::string_view msg, level, stage;
  ASSERT_EQ(doc["msg"].get(msg), simdjson::SUCCESS);
  ASSERT_EQ(doc["level"].get(level), simdjson::SUCCESS);
  ASSERT_EQ(doc["stage"].get(stage), simdjson::SUCCESS);
  EXPECT_EQ(msg, tricky);
  EXPECT_EQ(level, "warning");
  EXPECT_EQ(stage, "normalize");
}

TEST(LoggingTest, TextFormatCarriesStageAndLevel) {
  std::string line = LogOnce("text", "hello");
  EXPECT_NE(line.find("warning [normalize] hello"), std::string::npos) << line;
}

}  // namespace
}  // namespace newsflow
