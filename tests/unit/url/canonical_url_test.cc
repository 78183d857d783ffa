#include "services/core/url/canonical_url.h"

#include <gtest/gtest.h>

namespace newsflow::url {
namespace {

std::string Canon(std::string_view in) { return CanonicalizeUrl(in).value_or("<none>"); }

TEST(CanonicalUrlTest, SchemeHostAndDefaultPort) {
  EXPECT_EQ(Canon("HTTP://WWW.Example.com:80/A/B"), "http://www.example.com/A/B");
  EXPECT_EQ(Canon("https://example.com:443"), "https://example.com/");
  EXPECT_EQ(Canon("https://example.com:8443/x"), "https://example.com:8443/x");
  EXPECT_EQ(Canon("http://example.com.:80/"), "http://example.com/");
  EXPECT_EQ(Canon("  https://example.com/a  "), "https://example.com/a");
}

TEST(CanonicalUrlTest, TrackingParametersAndFragmentRemoved) {
  EXPECT_EQ(Canon("https://e.com/a?utm_source=rss&utm_MEDIUM=x&id=3&fbclid=abc#top"),
            "https://e.com/a?id=3");
  EXPECT_EQ(Canon("https://e.com/a?utm_campaign=x"), "https://e.com/a");
  EXPECT_EQ(Canon("https://e.com/a?b=2&a=1"), "https://e.com/a?b=2&a=1");  // order kept
  EXPECT_EQ(Canon("https://e.com/a?gclid=1&page=2&mc_cid=9"), "https://e.com/a?page=2");
}

TEST(CanonicalUrlTest, PathDotSegmentsAndEscapes) {
  EXPECT_EQ(Canon("https://e.com/a/./b/../c"), "https://e.com/a/c");
  EXPECT_EQ(Canon("https://e.com/a/b/.."), "https://e.com/a/");
  EXPECT_EQ(Canon("https://e.com/%7euser/%e4%b8%ad"), "https://e.com/%7Euser/%E4%B8%AD");
  EXPECT_EQ(Canon("https://e.com/新闻 1"), "https://e.com/%E6%96%B0%E9%97%BB%201");
  EXPECT_EQ(Canon("https://e.com/100%"), "https://e.com/100%25");
}

TEST(CanonicalUrlTest, UserInfoAndIpv6) {
  EXPECT_EQ(Canon("https://user@Host.com/x"), "https://user@host.com/x");
  EXPECT_EQ(Canon("http://[::1]:80/x"), "http://[::1]/x");
  EXPECT_EQ(Canon("http://[::1]:8080/x"), "http://[::1]:8080/x");
}

TEST(CanonicalUrlTest, RejectsWhatIsNotAnHttpUrl) {
  EXPECT_FALSE(CanonicalizeUrl("ftp://e.com/x"));
  EXPECT_FALSE(CanonicalizeUrl("/relative/path"));
  EXPECT_FALSE(CanonicalizeUrl("https:///nohost"));
  EXPECT_FALSE(CanonicalizeUrl("https://e.com:80a/"));
  EXPECT_FALSE(CanonicalizeUrl("javascript:alert(1)"));
  EXPECT_FALSE(CanonicalizeUrl(""));
  // Found by url_fuzz: a second "://" inside the authority, and empty host labels.
  EXPECT_FALSE(CanonicalizeUrl("HTTPS://ExXmpleCOM:4ttp://[::1]:8043/a"));
  EXPECT_FALSE(CanonicalizeUrl("https://@xex3a'../c"));
  EXPECT_FALSE(CanonicalizeUrl("https://a..b/"));
  EXPECT_FALSE(CanonicalizeUrl("https://.a/"));
}

TEST(CanonicalUrlTest, CustomTrackingList) {
  CanonicalUrlOptions options;
  options.tracking_parameters = {"session*"};
  EXPECT_EQ(CanonicalizeUrl("https://e.com/?sessionid=1&utm_source=x", options),
            "https://e.com/?utm_source=x");
}

}  // namespace
}  // namespace newsflow::url
