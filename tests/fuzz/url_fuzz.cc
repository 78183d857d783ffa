// Canonical URLs of arbitrary strings: never crash, and canonicalization is idempotent.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/core/url/canonical_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto once = newsflow::url::CanonicalizeUrl(input);
  if (!once) return 0;
  auto twice = newsflow::url::CanonicalizeUrl(*once);
  if (!twice || *twice != *once) __builtin_trap();
  return 0;
}
