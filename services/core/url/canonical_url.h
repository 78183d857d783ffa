#pragma once

// Canonical form of article URLs, so the same article reached through different links (tracking
// parameters, fragments, host case, default ports) gets one identity. Pure logic, thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::url {

struct CanonicalUrlOptions {
  // Query parameters removed, compared case-insensitively; a trailing '*' matches a prefix.
  // Default: the common campaign and click trackers.
  std::vector<std::string> tracking_parameters = {
      "utm_*",   "fbclid",      "gclid",      "dclid",   "gbraid", "wbraid", "msclkid",
      "mc_cid",  "mc_eid",      "yclid",      "igshid",  "_ga",    "_gl",    "ref_src",
      "ref_url", "cmpid",       "ncid",       "ocid",    "smid",   "spm",    "__twitter_impression",
      "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "_hsenc", "_hsmi",  "hsCtaTracking"};
};

// Returns the canonical form of an absolute http(s) URL:
//  - scheme and host lower-cased; a trailing dot of the host dropped; default ports (:80 for
//    http, :443 for https) dropped; user info kept as is;
//  - path: "." and ".." segments resolved, empty path becomes "/", percent-escapes upper-cased,
//    bytes outside the URL character set percent-encoded;
//  - query: tracking parameters removed, the others kept in their order; an empty query dropped;
//  - fragment dropped.
// Returns nullopt when `input` is not an absolute http or https URL with a host.
std::optional<std::string> CanonicalizeUrl(std::string_view input,
                                           const CanonicalUrlOptions& options = {});

}  // namespace newsflow::url
