#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>

namespace newsflow {

// Configures the default spdlog logger: `format` is "text" or "json" (one JSON object per
// line), `level` a spdlog level name. Logs go to stderr. Call once at start-up.
void SetUpLogging(const std::string& stage, const std::string& level, const std::string& format);

// The formatter SetUpLogging installs; exposed for tests.
std::unique_ptr<spdlog::formatter> MakeLogFormatter(const std::string& stage,
                                                    const std::string& format);

}  // namespace newsflow
