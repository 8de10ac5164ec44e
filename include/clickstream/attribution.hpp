// Attribution of a landing page (DESIGN §4): the utm_* parameters and ad click ids of its URL, and
// a classification of where the visit came from (direct, internal, search, social, email, paid,
// other). Computed once per page view, so the code favours clarity, but stays linear in its input:
// a landing URL with a 100 KB query is fine. Everything works on bytes; arbitrary (even invalid
// UTF-8) input never crashes, and only ASCII is ever lower-cased.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clickstream {

// A lenient parse of an absolute or relative URL, in the order of the WHATWG URL standard: the
// fragment starts at the first '#', the query at the first '?' before it, the authority after "//".
// It never fails; what it cannot make sense of ends up in `path`. A network-path reference
// ("//host/p") gets its host (browsers resolve it against the page's scheme) but no scheme.
struct url_parts {
  std::string scheme;  // lower-cased, "" for relative
  std::string host;   // lower-cased, no port, no userinfo, IPv6 keeps its brackets; "" for relative
  std::string path;   // as written (not decoded), "/" when a URL with an authority has none
  std::string query;  // raw, without '?'
  std::string fragment;  // raw, without '#'
};

enum class referrer_type { direct, internal, search, social, email, paid, other };

inline constexpr std::array<std::string_view, 5> utm_keys{
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"};
inline constexpr std::array<std::string_view, 9> click_id_keys{
    "gclid", "gbraid", "wbraid", "dclid", "fbclid", "msclkid", "ttclid", "twclid", "li_fat_id"};

namespace detail {

// utm_keys then click_id_keys: the slots of campaign_params.
inline constexpr std::array<std::string_view, utm_keys.size() + click_id_keys.size()>
    campaign_keys = [] {
      std::array<std::string_view, utm_keys.size() + click_id_keys.size()> all{};
      std::size_t n = 0;
      for (auto key : utm_keys) all[n++] = key;
      for (auto key : click_id_keys) all[n++] = key;
      return all;
    }();

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = ascii_lower(c);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

// WHATWG strips leading and trailing C0 controls and spaces before parsing.
constexpr std::string_view trim(std::string_view s) noexcept {
  auto blank = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// Hosts, media and sources compare with ASCII lower-cased on both sides, byte by byte, so the
// classification never copies its inputs to lower-case them.
constexpr bool same_text(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

constexpr bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && same_text({s.data(), prefix.size()}, prefix);
}

constexpr bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() &&
         same_text({s.data() + s.size() - suffix.size(), suffix.size()}, suffix);
}

// RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
// The length of the longest prefix of `s` that can be a scheme (never holding ':').
constexpr std::size_t scheme_length(std::string_view s) noexcept {
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = ascii_lower(s[i]);
    const bool alpha = c >= 'a' && c <= 'z';
    const bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!alpha && (i == 0 || !other)) break;
  }
  return i;
}

// What comes before the first `c` of `s` (all of it when there is none); `s` keeps what follows.
constexpr std::string_view take_until(std::string_view& s, char c) noexcept {
  const std::size_t at = std::min(s.find(c), s.size());
  const std::string_view head(s.data(), at);
  s.remove_prefix(at < s.size() ? at + 1 : at);
  return head;
}

// Walks the '&'-separated pairs of a query (a leading '?' tolerated, empty segments skipped)
// without decoding them, so callers decode only what they keep.
class query_cursor {
 public:
  explicit query_cursor(std::string_view query) noexcept : rest_(query) {
    if (!rest_.empty() && rest_.front() == '?') rest_.remove_prefix(1);
  }

  bool next(std::string_view& key, std::string_view& value) noexcept {
    while (!rest_.empty()) {
      value = take_until(rest_, '&');
      if (value.empty()) continue;
      key = take_until(value, '=');
      return true;
    }
    return false;
  }

 private:
  std::string_view rest_;
};

constexpr std::size_t campaign_index(std::string_view key) noexcept {
  std::size_t i = 0;
  while (i < campaign_keys.size() && campaign_keys[i] != key) ++i;
  return i;
}

}  // namespace detail

// The campaign values of a landing: one slot per key of utm_keys then click_id_keys, "" where the
// landing has none. The values share one string, appended in the order they are set: copying,
// moving and destroying the set is one string's work, and there is no list to search.
class campaign_params {
 public:
  static constexpr std::size_t slots = detail::campaign_keys.size();

  campaign_params() = default;
  // (key, value) pairs in any order: other keys are ignored, the first non-empty value wins.
  campaign_params(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    for (const auto& [key, value] : pairs) set(key, value);
  }

  std::string_view operator[](std::size_t slot) const noexcept {
    return {text_.data() + at_[slot], size_[slot]};
  }

  // Fills `slot` unless it already has a value.
  void set(std::size_t slot, std::string_view value) {
    if (size_[slot] != 0) return;
    at_[slot] = text_.size();
    size_[slot] = value.size();
    text_ += value;
  }
  // The same by key; a key other than campaign_keys is ignored.
  void set(std::string_view key, std::string_view value) {
    if (const std::size_t slot = detail::campaign_index(key); slot < slots) set(slot, value);
  }

  bool empty() const noexcept { return text_.empty(); }

  // Calls f(key, value) for each value present, in slot order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < slots; ++i)
      if (size_[i] != 0) f(detail::campaign_keys[i], (*this)[i]);
  }

  bool operator==(const campaign_params& other) const noexcept {
    for (std::size_t i = 0; i < slots; ++i)
      if ((*this)[i] != other[i]) return false;
    return true;
  }
  bool operator!=(const campaign_params& other) const noexcept { return !(*this == other); }

 private:
  std::string text_;
  std::array<std::size_t, slots> at_{}, size_{};
};

namespace detail {

// url_parts as views into the input, scheme and host as written: what the page-view path needs,
// with no copies (it compares hosts lower-cased itself).
struct url_view {
  std::string_view scheme, host, path, query, fragment;
};

constexpr url_view split_url(std::string_view url) noexcept {
  url_view out;
  std::string_view rest = trim(url);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    out.fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  if (const std::size_t question = rest.find('?'); question != std::string_view::npos) {
    out.query = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  // A scheme ends at the first ':', so the scheme-like prefix must reach one.
  if (const std::size_t colon = scheme_length(rest);
      colon != 0 && colon < rest.size() && rest[colon] == ':') {
    out.scheme = {rest.data(), colon};
    rest.remove_prefix(colon + 1);
  }
  if (!starts_with(rest, "//")) {
    out.path = rest;
    return out;
  }
  rest.remove_prefix(2);
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  // Userinfo ends at the last '@' (a password may contain one).
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    authority = authority.substr(0, close == std::string_view::npos ? close : close + 1);
  } else {
    authority = authority.substr(0, authority.find(':'));
  }
  out.host = authority;
  return out;
}

}  // namespace detail

inline url_parts parse_url(std::string_view url) {
  const detail::url_view v = detail::split_url(url);
  return {detail::ascii_lower(v.scheme), detail::ascii_lower(v.host), std::string(v.path),
          std::string(v.query), std::string(v.fragment)};
}

// Malformed escapes (%zz, a trailing %) are kept literally, as browsers do; "%2B" is a '+', never a
// space.
inline std::string percent_decode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = detail::hex_value(s[i + 1]);
      const int lo = detail::hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(c == '+' && plus_as_space ? ' ' : c);
  }
  return out;
}

// Decoded pairs in order, as URLSearchParams: '+' is a space, a key without '=' has an empty value,
// empty segments are skipped, repeated keys are all kept.
inline std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  detail::query_cursor cursor(query);
  std::string_view key, value;
  while (cursor.next(key, value))
    out.emplace_back(percent_decode(key, true), percent_decode(value, true));
  return out;
}

// The first non-empty value of `key` ("a=&a=x" gives "x"); nullopt when the key has none.
inline std::optional<std::string> query_param(std::string_view query, std::string_view key) {
  detail::query_cursor cursor(query);
  std::string_view k, v;
  while (cursor.next(k, v)) {
    if (percent_decode(k, true) != key) continue;
    std::string value = percent_decode(v, true);
    if (!value.empty()) return value;
  }
  return std::nullopt;
}

namespace detail {
// Indexed by referrer_type; literals, so each view's data() is a C string too.
inline constexpr std::string_view referrer_type_names[] = {"direct", "internal", "search", "social",
                                                           "email",  "paid",     "other"};
}  // namespace detail

inline const char* to_string(referrer_type type) noexcept {
  constexpr auto other = static_cast<std::size_t>(referrer_type::other);
  static_assert(std::size(detail::referrer_type_names) == other + 1);
  const auto i = static_cast<std::size_t>(type);
  // "other" also for a value cast from an out-of-range integer.
  return detail::referrer_type_names[i < other ? i : other].data();
}

struct attribution {
  campaign_params params;  // decoded, from the landing URL
  std::string referrer;    // the landing's document.referrer (may be empty)
  referrer_type type = referrer_type::direct;

  // Any utm_* or click id present.
  bool has_campaign() const noexcept { return !params.empty(); }

  // Same campaign = same utm_* and click ids; the referrer does not count. Used to decide whether
  // a landing starts a new session.
  bool same_campaign(const attribution& other) const noexcept { return params == other.params; }
};

namespace detail {

// Host tables. An entry matches the host itself and its subdomains, on label boundaries
// ("notgoogle.com" is not "google.com"). An entry ending in ".*" stands for any TLD, one label or a
// two-label country suffix such as co.uk or com.au.
// com.google.android.gm: the Gmail app on Android.
inline constexpr std::string_view webmail_hosts[] = {
    "mail.google.com",    "inbox.google.com",      "com.google.android.gm", "outlook.live.com",
    "outlook.office.com", "outlook.office365.com", "mail.yahoo.*",          "mail.aol.com",
    "mail.proton.me",     "mail.yandex.*",         "mail.zoho.*",
};

// com.google.android.googlequicksearchbox: the Google app on Android (android-app:// referrer).
inline constexpr std::string_view search_hosts[] = {
    "google.*",       "bing.com",   "yahoo.*",
    "duckduckgo.com", "baidu.com",  "yandex.*",
    "ya.ru",          "ecosia.org", "search.brave.com",
    "startpage.com",  "naver.com",  "ask.com",
    "search.aol.com", "qwant.com",  "seznam.cz",
    "sogou.com",      "so.com",     "daum.net",
    "kagi.com",       "mojeek.com", "com.google.android.googlequicksearchbox"};

inline constexpr std::string_view social_hosts[] = {
    "facebook.com", "fb.com",          "fb.me",       "messenger.com", "instagram.com",
    "threads.net",  "threads.com",     "t.co",        "twitter.com",   "x.com",
    "linkedin.com", "lnkd.in",         "reddit.com",  "redd.it",       "youtube.com",
    "youtu.be",     "tiktok.com",      "pinterest.*", "pin.it",        "news.ycombinator.com",
    "bsky.app",     "mastodon.social", "tumblr.com",  "quora.com",     "vk.com",
    "weibo.com",    "snapchat.com",    "discord.com", "t.me",          "whatsapp.com",
    "wa.me",
};

// Second-level labels under which a country TLD sells names (google.co.uk, google.com.br).
inline constexpr std::string_view country_slds[] = {"co", "com", "net", "org", "ac",
                                                    "or", "ne",  "gov", "edu", "gob"};

// utm_medium values (compared lower-cased and trimmed), after GA4's default channel groups. Any
// medium starting with "paid" is paid too.
inline constexpr std::string_view paid_mediums[] = {
    "cpc",        "ppc",         "cpm",         "cpv",          "cpa",
    "cpp",        "display",     "banner",      "ads",          "affiliate",
    "affiliates", "retargeting", "remarketing", "interstitial", "expandable"};
inline constexpr std::string_view email_mediums[] = {"email", "e-mail", "e_mail", "e mail",
                                                     "newsletter"};
inline constexpr std::string_view social_mediums[] = {
    "social",       "social-network", "social_network", "social network",
    "social-media", "social_media",   "social media",   "sm"};

// utm_source names (lower-cased, trimmed) used when neither the medium nor the referrer decided.
inline constexpr std::string_view email_sources[] = {"email", "e-mail", "newsletter"};
inline constexpr std::string_view search_sources[] = {
    "google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia", "brave", "naver"};
inline constexpr std::string_view social_sources[] = {
    "facebook", "fb",     "instagram", "ig",      "twitter",    "x",       "linkedin", "reddit",
    "youtube",  "tiktok", "pinterest", "threads", "hackernews", "bluesky", "mastodon", "whatsapp"};

// A table above as one run of NUL-terminated words, built at compile time: in the wasm build a
// string_view per entry (pointer and size) weighs more than the entry's text, and a constant
// separator compresses better than length bytes (~90 B of gzip).
template <std::size_t Bytes>
struct packed_words {
  char bytes[Bytes];
  constexpr std::string_view text() const noexcept { return {bytes, Bytes}; }
};

// The word of a packed table at `at`; `at` moves past its terminator.
constexpr std::string_view next_word(std::string_view packed, std::size_t& at) noexcept {
  const std::string_view word(packed.data() + at);  // up to its NUL
  at += word.size() + 1;
  return word;
}

template <std::size_t N>
constexpr std::size_t packed_size(const std::string_view (&table)[N]) noexcept {
  std::size_t bytes = 0;
  for (auto entry : table) bytes += 1 + entry.size();
  return bytes;
}

template <std::size_t N>
constexpr bool packable(const std::string_view (&table)[N]) noexcept {
  for (auto entry : table)
    if (entry.find('\0') != std::string_view::npos) return false;
  return true;
}

template <const auto& Table>
constexpr auto pack() noexcept {
  static_assert(packable(Table), "a packed word ends at its first NUL");
  packed_words<packed_size(Table)> out{};
  std::size_t n = 0;
  for (auto entry : Table) {
    for (const char c : entry) out.bytes[n++] = c;
    out.bytes[n++] = '\0';
  }
  return out;
}

template <const auto& Table>
inline constexpr auto packed = pack<Table>();

// Lookups are plain functions of the packed text, so every table shares one copy of each loop.
constexpr bool packed_contains(std::string_view packed, std::string_view value) noexcept {
  for (std::size_t at = 0; at < packed.size();)
    if (same_text(next_word(packed, at), value)) return true;
  return false;
}

template <const auto& Table>
constexpr bool contains(std::string_view value) noexcept {
  return packed_contains(packed<Table>.text(), value);
}

constexpr bool is_domain_or_subdomain(std::string_view host, std::string_view domain) noexcept {
  return ends_with(host, domain) &&
         (host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.');
}

constexpr bool host_matches(std::string_view host, std::string_view entry) noexcept {
  if (!ends_with(entry, ".*")) return is_domain_or_subdomain(host, entry);
  const std::string_view name(entry.data(), entry.size() - 2);
  const std::size_t last = host.rfind('.');
  if (last == std::string_view::npos) return false;
  const std::string_view without_tld(host.data(), last);
  if (is_domain_or_subdomain(without_tld, name)) return true;
  const std::size_t second = without_tld.rfind('.');
  if (second == std::string_view::npos) return false;
  const std::string_view sld(host.data() + second + 1, last - second - 1);
  return contains<country_slds>(sld) &&
         is_domain_or_subdomain(std::string_view(host.data(), second), name);
}

constexpr bool packed_host_in(std::string_view packed, std::string_view host) noexcept {
  for (std::size_t at = 0; at < packed.size();)
    if (host_matches(host, next_word(packed, at))) return true;
  return false;
}

template <const auto& Table>
constexpr bool host_in(std::string_view host) noexcept {
  return packed_host_in(packed<Table>.text(), host);
}

// A host as compared: "www." and a trailing root dot ("example.com.") do not make another site.
constexpr std::string_view site_of(std::string_view host) noexcept {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (starts_with(host, "www.")) host.remove_prefix(4);
  return host;
}

inline std::optional<referrer_type> host_type(std::string_view host) noexcept {
  if (host_in<webmail_hosts>(host)) return referrer_type::email;
  if (host_in<search_hosts>(host)) return referrer_type::search;
  if (host_in<social_hosts>(host)) return referrer_type::social;
  return std::nullopt;
}

// utm_source as a name ("facebook") or a host ("l.facebook.com", "google.co.uk").
inline std::optional<referrer_type> source_type(std::string_view source) {
  const std::string_view name = trim(source);
  if (contains<email_sources>(name)) return referrer_type::email;
  if (contains<search_sources>(name)) return referrer_type::search;
  if (contains<social_sources>(name)) return referrer_type::social;
  return host_type(site_of(name));
}

}  // namespace detail

// Precedence, first match wins:
//   1. paid: any click id, or a paid utm_medium (cpc, ppc, cpm, display, affiliate, paid*, ...);
//   2. email: an email utm_medium, or a webmail referrer (mail.google.com, outlook.live.com, ...);
//   3. social: a social utm_medium (social, social-network, sm, ...);
//   4. search: utm_medium "organic";
//   5. the referrer host's table: search engines, then social networks;
//   6. utm_source as a known name or host (utm_source=facebook: social);
//   7. internal: the referrer is own_host or one of its subdomains ("www." ignored on both sides);
//   8. direct: the referrer has no host (empty or unparsable) and there is no campaign;
//   9. other.
// own_host is a host name as in url_parts::host (no scheme, no port); "" makes nothing internal.
inline referrer_type classify_referrer(std::string_view referrer, std::string_view own_host,
                                       const campaign_params& params) {
  for (std::size_t i = utm_keys.size(); i < campaign_params::slots; ++i)
    if (!params[i].empty()) return referrer_type::paid;
  constexpr std::size_t medium_at = detail::campaign_index("utm_medium");
  constexpr std::size_t source_at = detail::campaign_index("utm_source");
  const std::string_view medium = detail::trim(params[medium_at]);
  if (detail::contains<detail::paid_mediums>(medium) || detail::starts_with(medium, "paid"))
    return referrer_type::paid;

  const std::string_view ref_site = detail::site_of(detail::split_url(referrer).host);
  if (detail::contains<detail::email_mediums>(medium) ||
      detail::host_in<detail::webmail_hosts>(ref_site))
    return referrer_type::email;
  if (detail::contains<detail::social_mediums>(medium)) return referrer_type::social;
  if (detail::same_text(medium, "organic")) return referrer_type::search;
  if (detail::host_in<detail::search_hosts>(ref_site)) return referrer_type::search;
  if (detail::host_in<detail::social_hosts>(ref_site)) return referrer_type::social;
  if (const auto from_source = detail::source_type(params[source_at])) return *from_source;

  const std::string_view own_site = detail::site_of(own_host);
  if (!ref_site.empty() && !own_site.empty() && detail::is_domain_or_subdomain(ref_site, own_site))
    return referrer_type::internal;
  if (ref_site.empty() && params.empty()) return referrer_type::direct;
  return referrer_type::other;
}

namespace detail {

// Fills the still empty slots of `found` from a query; the first non-empty value of a key wins.
inline void collect_campaign(std::string_view query, campaign_params& found) {
  query_cursor cursor(query);
  std::string_view k, v;
  while (cursor.next(k, v)) {
    const std::size_t slot = campaign_index(percent_decode(k, true));
    if (slot < campaign_params::slots) found.set(slot, percent_decode(v, true));
  }
}

// The query-like part of a fragment: after its first '?' for hash routes ("#/shop?utm_source=x"),
// else all of it ("#utm_source=x"). A plain anchor ("#reviews") yields no campaign key, so no test
// of "query-likeness" is needed beyond that.
constexpr std::string_view fragment_query(std::string_view fragment) noexcept {
  if (const std::size_t question = fragment.find('?'); question != std::string_view::npos)
    fragment.remove_prefix(question + 1);
  return fragment;
}

}  // namespace detail

namespace detail {

// attribution_from_landing for a page URL already split (the tracker splits it for the path too).
inline attribution landing_attribution(const url_view& page, std::string_view referrer) {
  attribution out;
  collect_campaign(page.query, out.params);
  collect_campaign(fragment_query(page.fragment), out.params);
  out.referrer = referrer;
  out.type = classify_referrer(referrer, page.host, out.params);
  return out;
}

}  // namespace detail

// Campaign parameters come from page_url's query; each key the query lacks (absent or only empty
// values) is then looked up in the fragment, so "#utm_source=x" and "#/route?utm_source=x" count,
// but the query always wins for a key it has. The referrer is classified against page_url's host.
inline attribution attribution_from_landing(std::string_view page_url, std::string_view referrer) {
  return detail::landing_attribution(detail::split_url(page_url), referrer);
}

}  // namespace clickstream
