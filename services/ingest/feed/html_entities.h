#pragma once

// HTML named character references, which feeds use freely although XML defines only five.

#include <optional>
#include <string_view>

namespace newsflow::feed {

// UTF-8 text of the HTML5 named character reference `name` (without '&' and ';', case-sensitive:
// "eacute", "Eacute", "nbsp"), or nullopt when HTML does not define it.
std::optional<std::string_view> LookupHtmlEntity(std::string_view name);

}  // namespace newsflow::feed
