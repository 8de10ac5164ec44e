#include <doctest/doctest.h>

#include <clickstream/attribution.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using clickstream::attribution;
using clickstream::attribution_from_landing;
using clickstream::classify_referrer;
using clickstream::parse_query;
using clickstream::parse_url;
using clickstream::percent_decode;
using clickstream::query_param;
using clickstream::referrer_type;
using params_t = std::vector<std::pair<std::string, std::string>>;

namespace {

// The values present, as (key, value) pairs in slot order: what the assertions compare.
params_t listed(const clickstream::campaign_params& params) {
  params_t out;
  params.for_each([&](std::string_view k, std::string_view v) { out.emplace_back(k, v); });
  return out;
}

// doctest prints enums as numbers; names make a failing row readable.
std::string name(referrer_type t) { return clickstream::to_string(t); }

// A fixed-seed generator, so a fuzz failure reproduces.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

// Half the fuzz bytes come from the characters the parsers act on, so their branches are hit.
constexpr char special[] = ":/?#&=%+@[].wW0aF";

}  // namespace

TEST_CASE("parse_url: absolute URL with every part") {
  const auto u = parse_url("https://shop.example.com/p/42?utm_source=x&a=1#reviews");
  CHECK(u.scheme == "https");
  CHECK(u.host == "shop.example.com");
  CHECK(u.path == "/p/42");
  CHECK(u.query == "utm_source=x&a=1");
  CHECK(u.fragment == "reviews");
}

TEST_CASE("parse_url: relative references") {
  SUBCASE("absolute path") {
    const auto u = parse_url("/cart?step=2#top");
    CHECK(u.scheme.empty());
    CHECK(u.host.empty());
    CHECK(u.path == "/cart");
    CHECK(u.query == "step=2");
    CHECK(u.fragment == "top");
  }
  SUBCASE("relative path") {
    const auto u = parse_url("shop/item");
    CHECK(u.scheme.empty());
    CHECK(u.host.empty());
    CHECK(u.path == "shop/item");
  }
  SUBCASE("query only") {
    const auto u = parse_url("?q=1");
    CHECK(u.path.empty());
    CHECK(u.query == "q=1");
  }
  SUBCASE("fragment only") {
    const auto u = parse_url("#x");
    CHECK(u.path.empty());
    CHECK(u.fragment == "x");
  }
  SUBCASE("network-path reference keeps its host") {
    const auto u = parse_url("//cdn.example.com/a.js");
    CHECK(u.scheme.empty());
    CHECK(u.host == "cdn.example.com");
    CHECK(u.path == "/a.js");
  }
  SUBCASE("a colon after a slash is no scheme") {
    const auto u = parse_url("/a:b");
    CHECK(u.scheme.empty());
    CHECK(u.path == "/a:b");
  }
  SUBCASE("empty") {
    const auto u = parse_url("");
    CHECK(u.scheme.empty());
    CHECK(u.host.empty());
    CHECK(u.path.empty());
  }
}

TEST_CASE("parse_url: ports, userinfo, IPv6") {
  CHECK(parse_url("http://example.com:8080/x").host == "example.com");
  CHECK(parse_url("http://example.com:8080/x").path == "/x");
  CHECK(parse_url("https://user:secret@example.com/").host == "example.com");
  CHECK(parse_url("https://user:p@ss@example.com:443/").host == "example.com");
  const auto v6 = parse_url("http://[::1]:8080/admin");
  CHECK(v6.host == "[::1]");
  CHECK(v6.path == "/admin");
  CHECK(parse_url("http://[2001:db8::1]/").host == "[2001:db8::1]");
  CHECK(parse_url("http://[::1").host == "[::1");  // unterminated: kept, never out of range
}

TEST_CASE("parse_url: no path, fragments, '?' inside the fragment") {
  CHECK(parse_url("https://example.com").path == "/");
  const auto q = parse_url("https://example.com?x=1");
  CHECK(q.path == "/");
  CHECK(q.query == "x=1");
  const auto f = parse_url("https://example.com#frag");
  CHECK(f.path == "/");
  CHECK(f.fragment == "frag");
  const auto qf = parse_url("https://example.com/p#/route?utm_source=x");
  CHECK(qf.query.empty());
  CHECK(qf.fragment == "/route?utm_source=x");
  const auto both = parse_url("https://example.com/p?a=1#b?c=2#d");
  CHECK(both.query == "a=1");
  CHECK(both.fragment == "b?c=2#d");
  CHECK(parse_url("https://example.com/p?").query.empty());
  CHECK(parse_url("file:///etc/hosts").host.empty());
  CHECK(parse_url("file:///etc/hosts").path == "/etc/hosts");
}

TEST_CASE("parse_url: upper-case scheme and host are lower-cased, the path is not") {
  const auto u = parse_url("HTTPS://WWW.Example.COM/Path/A?Q=B#F");
  CHECK(u.scheme == "https");
  CHECK(u.host == "www.example.com");
  CHECK(u.path == "/Path/A");
  CHECK(u.query == "Q=B");
  CHECK(u.fragment == "F");
}

TEST_CASE("parse_url: surrounding whitespace and non-ASCII bytes") {
  CHECK(parse_url("  https://example.com/x \n").path == "/x");
  const auto u = parse_url(
      "https://B\xC3\xBC"
      "cher.example/\xC3\xA9");
  CHECK(u.host ==
        "b\xC3\xBC"
        "cher.example");  // only ASCII is lower-cased
  CHECK(u.path == "/\xC3\xA9");
  CHECK(parse_url("mailto:someone@example.com").scheme == "mailto");
  CHECK(parse_url("mailto:someone@example.com").host.empty());
}

TEST_CASE("percent_decode") {
  CHECK(percent_decode("a%20b", false) == "a b");
  CHECK(percent_decode("a%2Bb", true) == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("%2f%2F", false) == "//");
  CHECK(percent_decode("%zz", true) == "%zz");
  CHECK(percent_decode("%2", true) == "%2");
  CHECK(percent_decode("100%", true) == "100%");
  CHECK(percent_decode("%", true) == "%");
  CHECK(percent_decode("%%41", true) == "%A");
  CHECK(percent_decode("caf%C3%A9", true) == "caf\xC3\xA9");
  CHECK(percent_decode("caf\xC3\xA9", true) == "caf\xC3\xA9");
  CHECK(percent_decode("%FF%00", false) == std::string("\xFF\0", 2));  // bytes, not validated here
  CHECK(percent_decode("", true).empty());
}

TEST_CASE("parse_query: order, repeats, empty values, keys without '='") {
  const params_t expected{{"a", "1"}, {"b", ""}, {"c", ""}, {"a", "2"}, {"", "v"}, {"d", "x=y"}};
  CHECK(parse_query("a=1&b=&&c&a=2&=v&d=x=y&") == expected);
  CHECK(parse_query("?a=1") == params_t{{"a", "1"}});
  CHECK(parse_query("").empty());
  CHECK(parse_query("&&&").empty());
  CHECK(parse_query("q=red+shoes&k%20ey=%41") == params_t{{"q", "red shoes"}, {"k ey", "A"}});
}

TEST_CASE("query_param: first non-empty value") {
  CHECK(query_param("a=1&a=2", "a") == "1");
  CHECK(query_param("a=&a=2", "a") == "2");
  CHECK(query_param("a=&a", "a") == std::nullopt);
  CHECK(query_param("b=1", "a") == std::nullopt);
  CHECK(query_param("utm%5Fsource=x", "utm_source") == "x");
  CHECK(query_param("q=a+b%2Bc", "q") == "a b+c");
}

TEST_CASE("attribution_from_landing: every utm_* and every click id, decoded, in canonical order") {
  std::string url = "https://shop.example.com/?";
  params_t expected;
  // Added in reverse so the result's order shows it is canonical, not the URL's.
  std::vector<std::string_view> keys(clickstream::utm_keys.begin(), clickstream::utm_keys.end());
  keys.insert(keys.end(), clickstream::click_id_keys.begin(), clickstream::click_id_keys.end());
  for (auto it = keys.rbegin(); it != keys.rend(); ++it)
    url += std::string(*it) + "=v+" + std::string(*it) + "%21&";
  for (auto key : keys) expected.emplace_back(key, "v " + std::string(key) + "!");
  const attribution a = attribution_from_landing(url + "other=1", "");
  CHECK(listed(a.params) == expected);
  CHECK(a.has_campaign());
  CHECK(name(a.type) == "paid");
}

TEST_CASE("attribution_from_landing: repeats, empty values, fragment fallback") {
  SUBCASE("first non-empty value wins") {
    const auto a = attribution_from_landing(
        "https://e.com/?utm_source=&utm_source=news&utm_source=later&utm_medium", "");
    CHECK(listed(a.params) == params_t{{"utm_source", "news"}});
  }
  SUBCASE("fragment when the query has none") {
    const auto a = attribution_from_landing("https://e.com/#utm_source=fb&utm_campaign=x", "");
    CHECK(listed(a.params) == params_t{{"utm_source", "fb"}, {"utm_campaign", "x"}});
  }
  SUBCASE("hash route with a query") {
    const auto a = attribution_from_landing("https://e.com/#/shop?utm_campaign=spring%20sale", "");
    CHECK(listed(a.params) == params_t{{"utm_campaign", "spring sale"}});
  }
  SUBCASE("the query wins per key, the fragment fills the rest") {
    const auto a =
        attribution_from_landing("https://e.com/?utm_source=q#utm_source=f&utm_medium=email", "");
    CHECK(listed(a.params) == params_t{{"utm_source", "q"}, {"utm_medium", "email"}});
  }
  SUBCASE("a plain anchor is no campaign") {
    const auto a = attribution_from_landing("https://e.com/p#reviews", "");
    CHECK(a.params.empty());
    CHECK_FALSE(a.has_campaign());
    CHECK(name(a.type) == "direct");
  }
  SUBCASE("keys are case-sensitive, other keys ignored") {
    const auto a = attribution_from_landing("https://e.com/?UTM_SOURCE=x&ref=y&gclid=g", "r");
    CHECK(listed(a.params) == params_t{{"gclid", "g"}});
    CHECK(a.referrer == "r");
  }
}

TEST_CASE("has_campaign and same_campaign") {
  const auto a = attribution_from_landing("https://e.com/?utm_source=a&utm_campaign=c", "");
  const auto reordered = attribution_from_landing("https://e.com/?utm_campaign=c&utm_source=a&x=1",
                                                  "https://www.google.com/");
  const auto other_campaign =
      attribution_from_landing("https://e.com/?utm_source=a&utm_campaign=d", "");
  const auto more =
      attribution_from_landing("https://e.com/?utm_source=a&utm_campaign=c&gclid=1", "");
  const auto none = attribution_from_landing("https://e.com/", "");
  const auto none_too = attribution_from_landing("https://e.com/other", "https://x.com/");

  CHECK(a.has_campaign());
  CHECK_FALSE(none.has_campaign());
  CHECK(a.same_campaign(a));
  CHECK(a.same_campaign(reordered));  // referrer does not count
  CHECK_FALSE(a.same_campaign(other_campaign));
  CHECK_FALSE(a.same_campaign(more));
  CHECK_FALSE(more.same_campaign(a));
  CHECK_FALSE(a.same_campaign(none));
  CHECK(none.same_campaign(none_too));

  attribution manual;  // params filled by hand, in any order, with empty values ignored
  manual.params = {
      {"utm_campaign", "c"}, {"utm_term", ""}, {"utm_source", "a"}, {"unrelated", "z"}};
  CHECK(manual.has_campaign());
  CHECK(manual.same_campaign(a));
  attribution only_unrelated;
  only_unrelated.params = {{"unrelated", "z"}, {"utm_source", ""}};
  CHECK_FALSE(only_unrelated.has_campaign());
}

TEST_CASE("to_string(referrer_type)") {
  CHECK(name(referrer_type::direct) == "direct");
  CHECK(name(referrer_type::internal) == "internal");
  CHECK(name(referrer_type::search) == "search");
  CHECK(name(referrer_type::social) == "social");
  CHECK(name(referrer_type::email) == "email");
  CHECK(name(referrer_type::paid) == "paid");
  CHECK(name(referrer_type::other) == "other");
}

TEST_CASE("referrer classification table") {
  struct row {
    const char* referrer;
    const char* page_url;
    referrer_type expected;
  };
  constexpr const char* page = "https://shop.example.com/landing";
  const row rows[] = {
      // direct: no referrer host and no campaign
      {"", page, referrer_type::direct},
      {"   ", page, referrer_type::direct},
      {"not a url", page, referrer_type::direct},
      {"about:blank", page, referrer_type::direct},
      {"", "https://shop.example.com/#reviews", referrer_type::direct},
      // internal: same site, www. ignored, subdomains of own host, ports ignored
      {"https://shop.example.com/cart", page, referrer_type::internal},
      {"https://www.shop.example.com/", page, referrer_type::internal},
      {"https://shop.example.com/", "https://www.shop.example.com/", referrer_type::internal},
      {"https://blog.shop.example.com/post", page, referrer_type::internal},
      {"HTTPS://SHOP.EXAMPLE.COM/", page, referrer_type::internal},
      {"http://localhost:3000/a", "http://localhost:3000/b", referrer_type::internal},
      {"http://[::1]:8080/a", "http://[::1]:8080/b", referrer_type::internal},
      {"https://shop.example.com/", "https://shop.example.com/?utm_campaign=x",
       referrer_type::internal},
      // search engines, any TLD where the table says so, on label boundaries
      {"https://www.google.com/", page, referrer_type::search},
      {"https://www.google.co.uk/", page, referrer_type::search},
      {"https://google.com.au/search?q=x", page, referrer_type::search},
      {"https://WWW.GOOGLE.DE/", page, referrer_type::search},
      {"https://user:pw@www.google.com:443/", page, referrer_type::search},
      {"https://www.google.com./", page, referrer_type::search},
      {"android-app://com.google.android.googlequicksearchbox/", page, referrer_type::search},
      {"https://www.bing.com/search?q=a", page, referrer_type::search},
      {"https://duckduckgo.com/", page, referrer_type::search},
      {"https://search.yahoo.com/", page, referrer_type::search},
      {"https://www.baidu.com/", page, referrer_type::search},
      {"https://yandex.ru/", page, referrer_type::search},
      {"https://yandex.com.tr/", page, referrer_type::search},
      {"https://www.ecosia.org/", page, referrer_type::search},
      {"https://search.brave.com/", page, referrer_type::search},
      {"https://www.startpage.com/", page, referrer_type::search},
      {"https://search.naver.com/", page, referrer_type::search},
      // social networks
      {"https://www.facebook.com/", page, referrer_type::social},
      {"https://m.facebook.com/", page, referrer_type::social},
      {"https://l.facebook.com/l.php?u=x", page, referrer_type::social},
      {"https://lm.facebook.com/", page, referrer_type::social},
      {"https://t.co/abc", page, referrer_type::social},
      {"https://twitter.com/", page, referrer_type::social},
      {"https://x.com/", page, referrer_type::social},
      {"https://www.linkedin.com/", page, referrer_type::social},
      {"https://lnkd.in/x", page, referrer_type::social},
      {"https://www.instagram.com/", page, referrer_type::social},
      {"https://www.reddit.com/", page, referrer_type::social},
      {"https://old.reddit.com/r/cpp", page, referrer_type::social},
      {"https://www.youtube.com/", page, referrer_type::social},
      {"https://www.tiktok.com/", page, referrer_type::social},
      {"https://www.pinterest.co.uk/", page, referrer_type::social},
      {"https://www.threads.net/", page, referrer_type::social},
      {"https://news.ycombinator.com/item?id=1", page, referrer_type::social},
      // email: webmail referrers, email media
      {"https://mail.google.com/mail/u/0/", page, referrer_type::email},
      {"https://outlook.live.com/", page, referrer_type::email},
      {"https://mail.yahoo.com/", page, referrer_type::email},
      {"android-app://com.google.android.gm/", page, referrer_type::email},
      {"", "https://shop.example.com/?utm_medium=email&utm_source=mc", referrer_type::email},
      {"", "https://shop.example.com/?utm_medium=Newsletter", referrer_type::email},
      {"", "https://shop.example.com/?utm_medium=e-mail", referrer_type::email},
      {"https://www.facebook.com/", "https://shop.example.com/?utm_medium=email",
       referrer_type::email},
      // paid: click ids and paid media beat everything
      {"https://www.google.com/", "https://shop.example.com/?gclid=abc", referrer_type::paid},
      {"", "https://shop.example.com/?fbclid=x", referrer_type::paid},
      {"", "https://shop.example.com/?msclkid=x", referrer_type::paid},
      {"", "https://shop.example.com/?utm_medium=cpc", referrer_type::paid},
      {"", "https://shop.example.com/?utm_medium=+CPC+", referrer_type::paid},
      {"", "https://shop.example.com/?utm_medium=display", referrer_type::paid},
      {"", "https://shop.example.com/?utm_medium=affiliate", referrer_type::paid},
      {"https://www.facebook.com/", "https://shop.example.com/?utm_medium=paid_social",
       referrer_type::paid},
      {"https://mail.google.com/", "https://shop.example.com/?utm_medium=cpc", referrer_type::paid},
      {"https://shop.example.com/", "https://shop.example.com/?wbraid=1", referrer_type::paid},
      {"https://www.google.com/", "https://shop.example.com/#utm_medium=cpc", referrer_type::paid},
      // media beat the referrer host; utm_source decides when nothing else did
      {"https://www.google.com/", "https://shop.example.com/?utm_medium=social",
       referrer_type::social},
      {"", "https://shop.example.com/?utm_medium=sm", referrer_type::social},
      {"", "https://shop.example.com/?utm_medium=organic&utm_source=google", referrer_type::search},
      {"", "https://shop.example.com/?utm_source=facebook", referrer_type::social},
      {"", "https://shop.example.com/?utm_source=l.facebook.com", referrer_type::social},
      {"", "https://shop.example.com/?utm_source=Google", referrer_type::search},
      {"https://www.facebook.com/", "https://shop.example.com/?utm_source=google",
       referrer_type::social},
      // other: unknown sites, look-alikes, a campaign without any signal
      {"https://blog.example.org/post", page, referrer_type::other},
      {"https://example.com/", page, referrer_type::other},  // a parent is another site
      {"https://notshop.example.com/", page, referrer_type::other},
      {"https://notgoogle.com/", page, referrer_type::other},
      {"https://google.evil.com/", page, referrer_type::other},
      {"https://google/", page, referrer_type::other},
      {"https://bit.co/", page, referrer_type::other},
      {"https://box.com/", page, referrer_type::other},
      {"https://ycombinator.com/", page, referrer_type::other},
      {"https://docs.example.net/", "/relative/page", referrer_type::other},
      {"", "https://shop.example.com/?utm_campaign=spring", referrer_type::other},
      {"", "https://shop.example.com/?utm_source=partner&utm_medium=referral",
       referrer_type::other},
  };
  static_assert(sizeof(rows) / sizeof(rows[0]) >= 30);
  bool seen[7] = {};
  for (const row& r : rows) {
    const std::string referrer = r.referrer, page_url = r.page_url;  // CAPTURE prints strings
    CAPTURE(referrer);
    CAPTURE(page_url);
    const attribution a = attribution_from_landing(r.page_url, r.referrer);
    CHECK(name(a.type) == name(r.expected));
    CHECK(a.referrer == r.referrer);
    seen[static_cast<int>(r.expected)] = true;
  }
  for (bool s : seen) CHECK(s);  // all seven types are covered
}

TEST_CASE("classify_referrer with explicit params and own host") {
  CHECK(name(classify_referrer("https://m.shop.example.com/", "WWW.Shop.Example.com", {})) ==
        "internal");
  CHECK(name(classify_referrer("https://shop.example.com/", "", {})) == "other");
  CHECK(name(classify_referrer("", "", {{"utm_source", ""}})) == "direct");
  CHECK(name(classify_referrer("", "", {{"ttclid", "1"}})) == "paid");
  CHECK(name(classify_referrer("", "", {{"utm_medium", "paidsearch"}})) == "paid");
  CHECK(name(classify_referrer("", "", {{"utm_medium", "social-network"}})) == "social");
}

TEST_CASE("long inputs stay linear") {
  std::string query;
  while (query.size() < 100 * 1024) query += "k=v%20&&x+y=%zz&";
  const std::string url = "https://shop.example.com/?" + query + "utm_source=late#" + query;
  const auto a = attribution_from_landing(url, "https://www.google.com/?" + query);
  CHECK(listed(a.params) == params_t{{"utm_source", "late"}});
  CHECK(name(a.type) == "search");
  CHECK(parse_query(query).size() == 2 * (query.size() / 16));
  CHECK(query_param(query, "missing") == std::nullopt);
  CHECK(percent_decode(std::string(100 * 1024, '%'), true).size() == 100 * 1024);
}

TEST_CASE("fuzz: random bytes never crash") {
  splitmix64 rng{0x5EED};
  auto random_string = [&rng] {
    std::string s(rng.next() % 64, '\0');
    for (char& c : s) {
      const std::uint64_t r = rng.next();
      c = (r & 1) ? special[(r >> 1) % (sizeof(special) - 1)] : static_cast<char>(r >> 8);
    }
    return s;
  };
  const std::string prefixes[] = {"", "https://", "http://www.google.com/?", "//", "?"};
  for (int i = 0; i < 10000; ++i) {
    const std::string s = prefixes[i % 5] + random_string();
    const std::string t = random_string();
    const auto u = parse_url(s);
    for (char c : u.host) REQUIRE_FALSE((c >= 'A' && c <= 'Z'));
    for (char c : u.scheme) REQUIRE_FALSE((c >= 'A' && c <= 'Z'));
    for (const auto& [k, v] : parse_query(s)) REQUIRE(k.size() + v.size() <= s.size());
    REQUIRE(percent_decode(s, i % 2 == 0).size() <= s.size());
    (void)query_param(s, "utm_source");
    const auto a = attribution_from_landing(s, t);
    for (const auto& [k, v] : listed(a.params)) REQUIRE_FALSE(v.empty());
    (void)clickstream::to_string(a.type);
    (void)classify_referrer(t, u.host, a.params);
  }
}
