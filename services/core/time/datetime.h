#pragma once

// Date/time parsing for the dates feeds and web pages actually carry: RFC 822/1123/2822 and their
// sloppy variants, W3C-DTF / ISO 8601, asctime, Perforce-style "YYYY/MM/DD", and month/day names
// and AM/PM markers of several languages (English, French, German, Spanish, Italian, Dutch,
// Portuguese, Greek, Hungarian, Korean).
//
// Pure logic: standard library only, no exceptions on the data path, thread-safe (no state).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace newsflow::datetime {

// Parses `text` into whole seconds since 1970-01-01T00:00:00Z (negative before 1970), proleptic
// Gregorian calendar, years 1..9999. Fractional seconds are truncated; a leap second (:60) counts
// as :59. Returns nullopt when the text carries no usable date (empty, garbage, out-of-range
// fields, trailing junk).
//
// Accepted, among others:
//  - RFC 822 family: optional (and possibly wrong) weekday, day and month in either order, full or
//    abbreviated month names, 2-digit years (00-49 → 20xx, 50-99 → 19xx, RFC 5322 §4.3), missing
//    seconds, numeric zones (+hhmm, +hh:mm, +hh), named zones (UT, GMT, EST, PDT, MET, CEST, ...),
//    RFC 822 military letters, "GMT+hh:mm", "Etc/GMT". Without a zone the time is taken as UTC.
//  - ISO 8601 / W3C-DTF: YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD, YYYY-DDD, YYMMDD, YYDDD, -YYMM,
//    each optionally followed by 'T' or ' ' and hh[:mm[:ss[.fff]]] and Z / ±hh[:mm].
//  - asctime: "Sun Jan  4 16:29:06 2004" (optionally with a zone before the year).
//  - "YYYY/MM/DD hh:mm:ss ZONE" and "YYYY-MM-DD hh:mm:ss".
//  - Korean "2004년 05월 28일 01:31:15 PM" / "2004-05-25 오후 11:23:17" (KST unless a zone
//    is given), Greek and Hungarian month/day names.
std::optional<int64_t> ParseDateTime(std::string_view text);

// Formats seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (UTC). Years outside 0..9999 are
// clamped to that range so the output always has this exact shape.
std::string FormatIso8601Utc(int64_t seconds_since_epoch);

// Days since 1970-01-01 of a proleptic Gregorian date. `month` is 1..12, `day` 1..31; no
// validation (callers validate).
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace newsflow::datetime
