#include "services/core/text/ascii.h"

#include <gtest/gtest.h>

namespace newsflow::text {
namespace {

TEST(AsciiTest, LowersOnlyAsciiCapitals) {
  EXPECT_EQ(AsciiLower('A'), 'a');
  EXPECT_EQ(AsciiLower('Z'), 'z');
  EXPECT_EQ(AsciiLower('a'), 'a');
  EXPECT_EQ(AsciiLower('@'), '@');  // just below 'A'
  EXPECT_EQ(AsciiLower('['), '[');  // just above 'Z'
  EXPECT_EQ(AsciiLower('\xC3'), '\xC3');
}

TEST(AsciiTest, UpperCaseTestsAndLoweredCopies) {
  EXPECT_TRUE(IsAsciiUpper('A'));
  EXPECT_TRUE(IsAsciiUpper('Z'));
  EXPECT_FALSE(IsAsciiUpper('a'));
  EXPECT_FALSE(IsAsciiUpper('\xC3'));
  EXPECT_TRUE(HasAsciiUpper("youTube"));
  EXPECT_FALSE(HasAsciiUpper("youtube-dl \xC3\x89"));  // "É" is not ASCII
  EXPECT_FALSE(HasAsciiUpper(""));
  EXPECT_EQ(ToAsciiLower("UTF-8 \xC3\x89T\xC3\x89"), "utf-8 \xC3\x89t\xC3\x89");
}

TEST(AsciiTest, EqualsIgnoringAsciiCase) {
  EXPECT_TRUE(EqualsIgnoringAsciiCase("UTM_Source", "utm_source"));
  EXPECT_TRUE(EqualsIgnoringAsciiCase("", ""));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("utm", "utm_"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("Smith", "Smyth"));
  // '@' and '`' differ from 'A'/'a' by the case bit but are not letters.
  EXPECT_FALSE(EqualsIgnoringAsciiCase("@", "`"));
  // UTF-8 bytes compare exactly: "É" is not folded to "é".
  EXPECT_FALSE(EqualsIgnoringAsciiCase("\xC3\x89", "\xC3\xA9"));
  EXPECT_TRUE(EqualsIgnoringAsciiCase("Zo\xC3\xAB", "ZO\xC3\xAB"));
}

TEST(AsciiTest, StartsWithIgnoringAsciiCase) {
  EXPECT_TRUE(StartsWithIgnoringAsciiCase("UTM_campaign", "utm_"));
  EXPECT_TRUE(StartsWithIgnoringAsciiCase("x", ""));
  EXPECT_FALSE(StartsWithIgnoringAsciiCase("ut", "utm_"));
  EXPECT_FALSE(StartsWithIgnoringAsciiCase("fbclid", "utm_"));
}

}  // namespace
}  // namespace newsflow::text
