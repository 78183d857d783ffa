#include "services/core/time/datetime.h"

#include <gtest/gtest.h>

#include <string>

namespace newsflow::datetime {
namespace {

// "" for nullopt so failures print readably.
std::string Iso(std::string_view text) {
  const std::optional<int64_t> t = ParseDateTime(text);
  return t ? FormatIso8601Utc(*t) : "";
}

TEST(FormatIso8601UtcTest, EpochAndBoundaries) {
  EXPECT_EQ(FormatIso8601Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601Utc(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatIso8601Utc(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatIso8601Utc(253402300799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatIso8601Utc(INT64_MAX), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatIso8601Utc(INT64_MIN), "0000-01-01T00:00:00Z");
}

TEST(ParseDateTimeTest, Rfc822Canonical) {
  EXPECT_EQ(Iso("Thu, 01 Jan 2004 19:48:21 GMT"), "2004-01-01T19:48:21Z");
  EXPECT_EQ(Iso("Sat, 07 Sep 2002 00:00:01 GMT"), "2002-09-07T00:00:01Z");
  EXPECT_EQ(Iso("Tue, 10 Jun 2003 09:41:01 +0200"), "2003-06-10T07:41:01Z");
  EXPECT_EQ(Iso("Tue, 10 Jun 2003 09:41:01 -0000"), "2003-06-10T09:41:01Z");
}

TEST(ParseDateTimeTest, Rfc822Variants) {
  EXPECT_EQ(Iso("01 Jan 2004 19:48:21 GMT"), "2004-01-01T19:48:21Z") << "no weekday";
  EXPECT_EQ(Iso("Mon, 01 Jan 2004 19:48:21 GMT"), "2004-01-01T19:48:21Z") << "wrong weekday";
  EXPECT_EQ(Iso("Thu, 01 Jan 2004 19:48 GMT"), "2004-01-01T19:48:00Z") << "no seconds";
  EXPECT_EQ(Iso("Thu, 01 Jan 04 19:48:21 GMT"), "2004-01-01T19:48:21Z") << "2-digit year";
  EXPECT_EQ(Iso("Fri, 01 Jan 99 19:48:21 GMT"), "1999-01-01T19:48:21Z") << "2-digit year 19xx";
  EXPECT_EQ(Iso("Sat,  7 Jun 2025 10:05:00 GMT"), "2025-06-07T10:05:00Z") << "1-digit day";
  EXPECT_EQ(Iso("Wed,08 Oct 2025 06:01:02 -0000"), "2025-10-08T06:01:02Z") << "no space";
  EXPECT_EQ(Iso("Tue, 14 January 2025 16:31:00 EST"), "2025-01-14T21:31:00Z") << "full month";
  EXPECT_EQ(Iso("Thu, 01 Jan 2004 19:48:21"), "2004-01-01T19:48:21Z") << "no zone is UTC";
  EXPECT_EQ(Iso("Jan 15, 2005 3:04 pm EST"), "2005-01-15T20:04:00Z") << "US order, 12h clock";
  EXPECT_EQ(Iso("Tue, 10 Jun 2003 09:41:01 +0200 (CEST)"), "2003-06-10T07:41:01Z") << "comment";
  EXPECT_EQ(Iso("Tue, 10 Jun 2003 09:41:01.25 GMT"), "2003-06-10T09:41:01Z") << "fraction";
}

TEST(ParseDateTimeTest, NamedNumericAndMilitaryZones) {
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 16:45:00 PST"), "2025-01-15T00:45:00Z");
  EXPECT_EQ(Iso("Mon, 14 Jul 2025 16:45:00 PDT"), "2025-07-14T23:45:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 16:45:00 CT"), "2025-01-14T22:45:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 16:45:00 AT"), "2025-01-14T20:45:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 MET"), "2025-01-14T08:10:00Z");
  EXPECT_EQ(Iso("Mon, 14 Jul 2025 09:10:00 CEST"), "2025-07-14T07:10:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 Etc/GMT"), "2025-01-14T09:10:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 GMT+02:30"), "2025-01-14T06:40:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 UTC-8"), "2025-01-14T17:10:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 +05:30"), "2025-01-14T03:40:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 Z"), "2025-01-14T09:10:00Z");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 N"), "2025-01-14T08:10:00Z") << "military +1";
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 A"), "2025-01-14T10:10:00Z") << "military -1";
}

TEST(ParseDateTimeTest, Iso8601AndW3cDtf) {
  EXPECT_EQ(Iso("2025-01-14T07:15:30Z"), "2025-01-14T07:15:30Z");
  EXPECT_EQ(Iso("2025-01-14T07:15:30.987654Z"), "2025-01-14T07:15:30Z");
  EXPECT_EQ(Iso("2025-01-14T07:15:30-05:00"), "2025-01-14T12:15:30Z");
  EXPECT_EQ(Iso("2025-02-28T22:00:00-03:00"), "2025-03-01T01:00:00Z");
  EXPECT_EQ(Iso("2025-01-14T07:15:30+0100"), "2025-01-14T06:15:30Z");
  EXPECT_EQ(Iso("2025-01-14T07:15Z"), "2025-01-14T07:15:00Z");
  EXPECT_EQ(Iso("2025-01-14"), "2025-01-14T00:00:00Z");
  EXPECT_EQ(Iso("2025-01"), "2025-01-01T00:00:00Z");
  EXPECT_EQ(Iso("2025"), "2025-01-01T00:00:00Z");
  EXPECT_EQ(Iso("20250114T071530Z"), "2025-01-14T07:15:30Z");
  EXPECT_EQ(Iso("2025-045"), "2025-02-14T00:00:00Z") << "ordinal";
  EXPECT_EQ(Iso("250114"), "2025-01-14T00:00:00Z");
  EXPECT_EQ(Iso("25045"), "2025-02-14T00:00:00Z");
  EXPECT_EQ(Iso("-2502"), "2025-02-01T00:00:00Z");
  EXPECT_EQ(Iso("2025-01-14 07:15:30"), "2025-01-14T07:15:30Z");
  EXPECT_EQ(Iso("2025-01-14 07:15:30 +0000"), "2025-01-14T07:15:30Z");
  EXPECT_EQ(Iso("  2025-01-14T07:15:30Z\n"), "2025-01-14T07:15:30Z") << "surrounding space";
}

TEST(ParseDateTimeTest, AsctimeAndPerforce) {
  EXPECT_EQ(Iso("Sun Jan  5 16:29:06 2025"), "2025-01-05T16:29:06Z");
  EXPECT_EQ(Iso("Sun Jan  5 16:29:06 PST 2025"), "2025-01-06T00:29:06Z");
  EXPECT_EQ(Iso("Mon, 2025/07/14 08:19:53 EDT"), "2025-07-14T12:19:53Z");
}

TEST(ParseDateTimeTest, OtherLanguages) {
  EXPECT_EQ(Iso("mar, 15 mars 2005 10:00:00 +0100"), "2005-03-15T09:00:00Z") << "French";
  EXPECT_EQ(Iso("Di, 15 Mär 2005 10:00:00 MEZ"), "2005-03-15T09:00:00Z") << "German";
  EXPECT_EQ(Iso("15 de marzo de 2005 10:00"), "2005-03-15T10:00:00Z") << "Spanish";
  EXPECT_EQ(Iso("15 maggio 2005 10:00"), "2005-05-15T10:00:00Z") << "Italian";
  EXPECT_EQ(Iso("15 mei 2005 10:00"), "2005-05-15T10:00:00Z") << "Dutch";
  EXPECT_EQ(Iso("15 outubro 2005 10:00"), "2005-10-15T10:00:00Z") << "Portuguese";
  EXPECT_EQ(Iso("Τρι, 14 Ιαν 2025 12:00:00 EST"), "2025-01-14T17:00:00Z") << "Greek";
  EXPECT_EQ(Iso("2025-március-14T8:05+01:00"), "2025-03-14T07:05:00Z") << "Hungarian";
  EXPECT_EQ(Iso("2025-01-14 오후 02:10:00"), "2025-01-14T05:10:00Z") << "Korean, 오후 = PM";
  EXPECT_EQ(Iso("2025년 01월 14일 09:10:00 AM"), "2025-01-14T00:10:00Z") << "Korean markers";
}

TEST(ParseDateTimeTest, EdgesOfTheCalendar) {
  EXPECT_EQ(Iso("Sat, 01 Jan 0200 00:30:00 +0100"), "0199-12-31T23:30:00Z") << "ancient";
  EXPECT_EQ(Iso("2004-02-29T00:00:00Z"), "2004-02-29T00:00:00Z");
  EXPECT_EQ(Iso("2003-02-29T00:00:00Z"), "") << "not a leap year";
  EXPECT_EQ(Iso("Tue, 31 Feb 2004 10:00:00 GMT"), "");
  EXPECT_EQ(Iso("2004-12-31T23:59:60Z"), "2004-12-31T23:59:59Z") << "leap second";
  EXPECT_EQ(Iso("2004-13-01"), "");
  EXPECT_EQ(Iso("2004-12-31T25:00:00Z"), "");
}

TEST(ParseDateTimeTest, GarbageIsNull) {
  EXPECT_EQ(Iso(""), "");
  EXPECT_EQ(Iso("   "), "");
  EXPECT_EQ(Iso("yesterday"), "");
  EXPECT_EQ(Iso("hello world 2004"), "");
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 9:8:7:6 GMT"), "") << "four-part time";
  EXPECT_EQ(Iso("Tue, Jan q 2025 09:10:00 GMT"), "") << "garbage day";
  EXPECT_EQ(Iso("Tue, 14 Jan yy 09:10:00 GMT"), "") << "garbage year";
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 +ab:00"), "") << "garbage zone hour";
  EXPECT_EQ(Iso("Tue, 14 Jan 2025 09:10:00 +01:cd"), "") << "garbage zone minute";
  EXPECT_EQ(Iso("2025-01-14T09:10:00+01:00Tmore"), "") << "trailing junk";
  EXPECT_EQ(Iso("2025-qq-14"), "");
  EXPECT_EQ(Iso("2025-01-14T09:qq:00Z"), "");
  EXPECT_EQ(Iso("2025-01-14T09:10:00+01:qq"), "");
  EXPECT_EQ(Iso(std::string(10000, '1')), "") << "long input";
  EXPECT_EQ(Iso(std::string("2004-01-01\0T00", 14)), "") << "embedded NUL";
}

TEST(DaysFromCivilTest, KnownDays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
}

}  // namespace
}  // namespace newsflow::datetime
