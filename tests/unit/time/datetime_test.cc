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
  EXPECT_EQ(Iso("Thu,  5 Apr 2012 10:00:00 GMT"), "2012-04-05T10:00:00Z") << "1-digit day";
  EXPECT_EQ(Iso("Fri,24 Nov 2023 18:28:36 -0000"), "2023-11-24T18:28:36Z") << "no space";
  EXPECT_EQ(Iso("Mon, 26 January 2004 16:31:00 EST"), "2004-01-26T21:31:00Z") << "full month";
  EXPECT_EQ(Iso("Thu, 01 Jan 2004 19:48:21"), "2004-01-01T19:48:21Z") << "no zone is UTC";
  EXPECT_EQ(Iso("Jan 15, 2005 3:04 pm EST"), "2005-01-15T20:04:00Z") << "US order, 12h clock";
  EXPECT_EQ(Iso("Tue, 10 Jun 2003 09:41:01 +0200 (CEST)"), "2003-06-10T07:41:01Z") << "comment";
  EXPECT_EQ(Iso("Tue, 10 Jun 2003 09:41:01.25 GMT"), "2003-06-10T09:41:01Z") << "fraction";
}

TEST(ParseDateTimeTest, NamedNumericAndMilitaryZones) {
  EXPECT_EQ(Iso("Mon, 26 Jan 2004 16:31:00 PST"), "2004-01-27T00:31:00Z");
  EXPECT_EQ(Iso("Mon, 26 Jul 2004 16:31:00 PDT"), "2004-07-26T23:31:00Z");
  EXPECT_EQ(Iso("Mon, 26 Jan 2004 16:31:00 CT"), "2004-01-26T22:31:00Z");
  EXPECT_EQ(Iso("Thu, 30 Apr 2015 08:57:00 MET"), "2015-04-30T07:57:00Z");
  EXPECT_EQ(Iso("Thu, 30 Apr 2015 08:57:00 CEST"), "2015-04-30T06:57:00Z");
  EXPECT_EQ(Iso("Wed, 19 Aug 2009 18:28:00 Etc/GMT"), "2009-08-19T18:28:00Z");
  EXPECT_EQ(Iso("Wed, 19 Feb 2012 22:40:00 GMT-01:01"), "2012-02-19T23:41:00Z");
  EXPECT_EQ(Iso("Wed, 19 Feb 2012 22:40:00 UTC+8"), "2012-02-19T14:40:00Z");
  EXPECT_EQ(Iso("Wed, 19 Feb 2012 22:40:00 +05:30"), "2012-02-19T17:10:00Z");
  EXPECT_EQ(Iso("Wed, 19 Feb 2012 22:40:00 Z"), "2012-02-19T22:40:00Z");
  EXPECT_EQ(Iso("Wed, 19 Feb 2012 22:40:00 N"), "2012-02-19T21:40:00Z") << "military +1";
  EXPECT_EQ(Iso("Wed, 19 Feb 2012 22:40:00 A"), "2012-02-19T23:40:00Z") << "military -1";
}

TEST(ParseDateTimeTest, Iso8601AndW3cDtf) {
  EXPECT_EQ(Iso("2003-12-31T10:14:55Z"), "2003-12-31T10:14:55Z");
  EXPECT_EQ(Iso("2003-12-31T10:14:55.1234Z"), "2003-12-31T10:14:55Z");
  EXPECT_EQ(Iso("2003-12-31T10:14:55-08:00"), "2003-12-31T18:14:55Z");
  EXPECT_EQ(Iso("2003-02-28T18:14:55-08:00"), "2003-03-01T02:14:55Z");
  EXPECT_EQ(Iso("2003-12-31T10:14:55+0100"), "2003-12-31T09:14:55Z");
  EXPECT_EQ(Iso("2003-12-31T10:14Z"), "2003-12-31T10:14:00Z");
  EXPECT_EQ(Iso("2003-12-31"), "2003-12-31T00:00:00Z");
  EXPECT_EQ(Iso("2003-12"), "2003-12-01T00:00:00Z");
  EXPECT_EQ(Iso("2003"), "2003-01-01T00:00:00Z");
  EXPECT_EQ(Iso("20031231T101455Z"), "2003-12-31T10:14:55Z");
  EXPECT_EQ(Iso("2003-335"), "2003-12-01T00:00:00Z") << "ordinal";
  EXPECT_EQ(Iso("031231"), "2003-12-31T00:00:00Z");
  EXPECT_EQ(Iso("03335"), "2003-12-01T00:00:00Z");
  EXPECT_EQ(Iso("-0312"), "2003-12-01T00:00:00Z");
  EXPECT_EQ(Iso("2004-07-08 23:56:58"), "2004-07-08T23:56:58Z");
  EXPECT_EQ(Iso("2004-07-08 23:56:58 +0000"), "2004-07-08T23:56:58Z");
  EXPECT_EQ(Iso("  2004-07-08T23:56:58Z\n"), "2004-07-08T23:56:58Z") << "surrounding space";
}

TEST(ParseDateTimeTest, AsctimeAndPerforce) {
  EXPECT_EQ(Iso("Sun Jan  4 16:29:06 2004"), "2004-01-04T16:29:06Z");
  EXPECT_EQ(Iso("Sun Jan  4 16:29:06 PST 2004"), "2004-01-05T00:29:06Z");
  EXPECT_EQ(Iso("Fri, 2006/09/15 08:19:53 EDT"), "2006-09-15T12:19:53Z");
}

TEST(ParseDateTimeTest, OtherLanguages) {
  EXPECT_EQ(Iso("mar, 15 mars 2005 10:00:00 +0100"), "2005-03-15T09:00:00Z") << "French";
  EXPECT_EQ(Iso("Di, 15 Mär 2005 10:00:00 MEZ"), "2005-03-15T09:00:00Z") << "German";
  EXPECT_EQ(Iso("15 de marzo de 2005 10:00"), "2005-03-15T10:00:00Z") << "Spanish";
  EXPECT_EQ(Iso("15 maggio 2005 10:00"), "2005-05-15T10:00:00Z") << "Italian";
  EXPECT_EQ(Iso("15 mei 2005 10:00"), "2005-05-15T10:00:00Z") << "Dutch";
  EXPECT_EQ(Iso("15 outubro 2005 10:00"), "2005-10-15T10:00:00Z") << "Portuguese";
  EXPECT_EQ(Iso("Κυρ, 11 Ιούλ 2004 12:00:00 EST"), "2004-07-11T17:00:00Z") << "Greek";
  EXPECT_EQ(Iso("2004-július-13T9:15-05:00"), "2004-07-13T14:15:00Z") << "Hungarian";
  EXPECT_EQ(Iso("2004-05-25 오후 11:23:17"), "2004-05-25T14:23:17Z") << "Korean (Nate)";
  EXPECT_EQ(Iso("2004년 05월 28일  01:31:15 PM"), "2004-05-28T04:31:15Z") << "Korean (OnBlog)";
}

TEST(ParseDateTimeTest, EdgesOfTheCalendar) {
  EXPECT_EQ(Iso("Thu, 01 Jan 0100 00:00:01 +0100"), "0099-12-31T23:00:01Z") << "ancient";
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
  EXPECT_EQ(Iso("Sun, 16 Dec 2012 1:2:3:4 GMT"), "") << "invalid time";
  EXPECT_EQ(Iso("Sun, Dec x 2012 11:47:32 GMT"), "") << "invalid day";
  EXPECT_EQ(Iso("Sun, 16 Dec zz 11:47:32 GMT"), "") << "invalid year";
  EXPECT_EQ(Iso("Sun, 16 Dec 2012 11:47:32 +zz:00"), "") << "invalid zone hour";
  EXPECT_EQ(Iso("Sun, 16 Dec 2012 11:47:32 +00:zz"), "") << "invalid zone minute";
  EXPECT_EQ(Iso("2013-01-28T11:30:00-06:00Textra"), "") << "trailing junk";
  EXPECT_EQ(Iso("2013-xx-27"), "");
  EXPECT_EQ(Iso("2013-01-28T09:xx:00Z"), "");
  EXPECT_EQ(Iso("2013-01-28T09:00:00+00:xx"), "");
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
