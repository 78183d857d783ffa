// Fuzz target for date parsing: never crashes, and every accepted date formats to the fixed
// "YYYY-MM-DDTHH:MM:SSZ" shape and parses back to the same instant.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "services/core/time/datetime.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<int64_t> t = newsflow::datetime::ParseDateTime(text);
  if (!t) return 0;
  const std::string iso = newsflow::datetime::FormatIso8601Utc(*t);
  if (iso.size() != 20 || iso[10] != 'T' || iso[19] != 'Z') std::abort();
  const std::optional<int64_t> back = newsflow::datetime::ParseDateTime(iso);
  // Zone offsets can push a parsed date into year 0 or 10000, which formatting clamps.
  const bool clamped = iso.compare(0, 4, "0000") == 0 || iso.compare(0, 4, "9999") == 0;
  if (!clamped && (!back || *back != *t)) std::abort();
  return 0;
}
