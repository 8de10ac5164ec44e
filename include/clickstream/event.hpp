// Building one event: the SDK's fields, then the caller's properties, written straight to JSON text
// (no intermediate DOM: this is the hot path of track()).
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "attribution.hpp"
#include "clock.hpp"
#include "json.hpp"
#include "utf8.hpp"

namespace clickstream {

// The page an event happened on (web hosts fill it; native apps may leave it empty).
struct page_context {
  std::string url;
  std::string path;
  std::string title;
  std::string referrer;
};

// Where the SDK runs; constant for a tracker's lifetime except viewport.
struct device_context {
  std::string locale;
  std::string timezone;
  std::string screen;
  std::string viewport;
  std::string platform;
  std::string sdk = "clickstream-cpp/0.1.0";
};

// Who and which session an event belongs to.
struct event_identity {
  std::string_view client_id;
  std::string_view user_id;
  std::string_view identity_source;
  std::string_view session_id;
  std::uint32_t session_index = 0;
  bool session_start = false;
};

// Names the SDK or the ingest fills; caller properties with these names are left out (the SDK's
// value wins), so a property can never forge an id, a timestamp, the session or the enrichment.
inline constexpr std::array<std::string_view, 43> reserved_fields{"batch_id",
                                                                  "client_id",
                                                                  "dclid",
                                                                  "derived_timestamp",
                                                                  "event_id",
                                                                  "event_name",
                                                                  "event_timestamp",
                                                                  "fbclid",
                                                                  "gbraid",
                                                                  "gclid",
                                                                  "identity_source",
                                                                  "li_fat_id",
                                                                  "locale",
                                                                  "login_state",
                                                                  "msclkid",
                                                                  "page_path",
                                                                  "page_title",
                                                                  "page_url",
                                                                  "platform",
                                                                  "received_at",
                                                                  "referrer",
                                                                  "referrer_type",
                                                                  "request_id",
                                                                  "screen",
                                                                  "sdk",
                                                                  "sent_at",
                                                                  "session_id",
                                                                  "session_index",
                                                                  "session_start",
                                                                  "source_ip",
                                                                  "timestamp_source",
                                                                  "timezone",
                                                                  "ttclid",
                                                                  "twclid",
                                                                  "user_agent",
                                                                  "user_id",
                                                                  "utm_campaign",
                                                                  "utm_content",
                                                                  "utm_medium",
                                                                  "utm_source",
                                                                  "utm_term",
                                                                  "viewport",
                                                                  "wbraid"};

namespace detail {

// Shorter first, then alphabetical: most keys are told apart by their length alone.
constexpr bool shortlex_less(std::string_view a, std::string_view b) noexcept {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

inline constexpr auto reserved_by_length = [] {
  auto sorted = reserved_fields;
  for (std::size_t i = 1; i < sorted.size(); ++i)
    for (std::size_t j = i; j > 0 && shortlex_less(sorted[j], sorted[j - 1]); --j) {
      const auto t = sorted[j];
      sorted[j] = sorted[j - 1];
      sorted[j - 1] = t;
    }
  return sorted;
}();

}  // namespace detail

// Called for every property of every event: keep it cheap.
inline bool is_sdk_field(std::string_view key) noexcept {
  const auto& names = detail::reserved_by_length;
  const auto it = std::lower_bound(names.begin(), names.end(), key, detail::shortlex_less);
  return it != names.end() && *it == key;
}

namespace detail {

// Bytes that a JSON string can hold as they are: printable ASCII but the quote and the backslash.
inline constexpr std::array<bool, 256> json_plain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// Appends to a reusable buffer through a cursor. The buffer only grows (in practice once per
// tracker), so writing an event allocates nothing and each append is a bounds check and a copy.
class text_writer {
 public:
  explicit text_writer(std::string& buffer) : buf_(buffer) {
    if (buf_.size() < 1024) buf_.resize(1024);
  }
  char* room(std::size_t n) {
    if (n_ + n > buf_.size()) buf_.resize(std::max(buf_.size() * 2, n_ + n));
    return &buf_[n_];
  }
  void commit(const char* end) noexcept { n_ = static_cast<std::size_t>(end - buf_.data()); }
  void put(char c) {
    *room(1) = c;
    ++n_;
  }
  void put(std::string_view s) {
    if (s.empty()) return;
    std::memcpy(room(s.size()), s.data(), s.size());
    n_ += s.size();
  }
  std::string_view text() const noexcept { return {buf_.data(), n_}; }

  // s as a JSON string of at most max_chars code points; invalid UTF-8 becomes U+FFFD, so whatever
  // a host hands over (a page title with a lone surrogate, say) still yields valid JSON.
  void json_string(std::string_view s, std::size_t max_chars = static_cast<std::size_t>(-1)) {
    constexpr char hex[] = "0123456789abcdef";
    // Code points never outnumber bytes: a string that short needs no counting (the common case).
    const bool count = s.size() > max_chars;
    // Each byte read writes at most 6 ("\u00XX"), and at most 4 bytes are read per code point.
    const std::size_t readable = count ? std::min(s.size(), max_chars * 4) : s.size();
    char* p = room(2 + 6 * readable);
    *p++ = '"';
    std::size_t chars = 0;
    std::size_t i = 0;
    while (i < s.size()) {
      // A run of plain bytes (one code point each) is copied at once, cut where the limit falls.
      const std::size_t limit = count ? std::min(s.size(), i + (max_chars - chars)) : s.size();
      std::size_t j = i;
      while (j < limit && json_plain[static_cast<unsigned char>(s[j])]) ++j;
      std::memcpy(p, s.data() + i, j - i);
      p += j - i;
      chars += j - i;
      i = j;
      if (i == s.size() || (count && chars == max_chars)) break;
      const auto c = static_cast<unsigned char>(s[i]);
      ++chars;
      if (c < 0x80) {
        *p++ = '\\';
        switch (c) {
          case '"':
            *p++ = '"';
            break;
          case '\\':
            *p++ = '\\';
            break;
          case '\n':
            *p++ = 'n';
            break;
          case '\r':
            *p++ = 'r';
            break;
          case '\t':
            *p++ = 't';
            break;
          default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0x0F];
        }
        ++i;
      } else if (const auto n = utf8_sequence_length(s, i); n != 0) {
        for (std::size_t k = 0; k < n; ++k) *p++ = s[i++];
      } else {
        *p++ = '\xEF';
        *p++ = '\xBF';
        *p++ = '\xBD';
        ++i;
      }
    }
    *p++ = '"';
    commit(p);
  }

 private:
  std::string& buf_;
  std::size_t n_ = 0;
};

// The contract's limits (see contract.hpp); SDK-filled strings are cut to fit rather than failing
// the event.
inline constexpr std::size_t sdk_max_string = 256;
inline constexpr std::size_t sdk_max_url = 2048;

// Writes the members of one JSON object; empty strings are left out, so absent context costs
// nothing.
class object_writer {
 public:
  explicit object_writer(std::string& buffer) : out_(buffer) { out_.put('{'); }
  void string(std::string_view key, std::string_view value,
              std::size_t max_chars = sdk_max_string) {
    if (value.empty()) return;
    name(key);
    out_.json_string(value, max_chars);
  }
  void url(std::string_view key, std::string_view value) { string(key, value, sdk_max_url); }
  void integer(std::string_view key, std::int64_t value) {
    name(key);
    number(value);
  }
  void boolean(std::string_view key, bool value) {
    name(key);
    out_.put(value ? std::string_view("true") : std::string_view("false"));
  }
  // A caller's property: its name is escaped like any caller string. Scalars are written here;
  // only arrays and objects go through nlohmann's serializer (whose set-up costs more than a
  // whole scalar).
  void property(std::string_view key, const json& v) {
    separate();
    out_.json_string(key);
    out_.put(':');
    switch (v.type()) {
      case json::value_t::string:
        out_.json_string(v.get_ref<const std::string&>());
        break;
      case json::value_t::number_unsigned:
        number(v.get<std::uint64_t>());
        break;
      case json::value_t::number_integer:
        number(v.get<std::int64_t>());
        break;
      case json::value_t::number_float: {
        const double d = v.get<double>();
        if (!std::isfinite(d)) {
          out_.put("null");
          break;
        }
        char* p = out_.room(64);
        out_.commit(nlohmann::detail::to_chars(p, p + 64, d));
        break;
      }
      case json::value_t::boolean:
        out_.put(v.get<bool>() ? "true" : "false");
        break;
      case json::value_t::null:
        out_.put("null");
        break;
      default:
        out_.put(dump(v));
    }
  }
  std::string_view close() {
    out_.put('}');
    return out_.text();
  }

 private:
  template <typename Int>
  void number(Int value) {
    char* p = out_.room(24);
    out_.commit(std::to_chars(p, p + 24, value).ptr);
  }
  void separate() {
    if (!first_) out_.put(',');
    first_ = false;
  }
  // SDK field names are short ASCII constants: no escaping.
  void name(std::string_view key) {
    separate();
    char* p = out_.room(key.size() + 3);
    *p++ = '"';
    std::memcpy(p, key.data(), key.size());
    p += key.size();
    *p++ = '"';
    *p++ = ':';
    out_.commit(p);
  }
  text_writer out_;
  bool first_ = true;
};

}  // namespace detail

// Everything one event is made of. Properties must already be validated (contract::check_field).
struct event_parts {
  std::string_view event_id;
  std::string_view event_name;
  std::int64_t timestamp_ms = 0;
  event_identity identity;
  const page_context* page = nullptr;
  const attribution* landing = nullptr;
  const device_context* device = nullptr;
  const json* properties = nullptr;
};

// Serializes an event into `scratch` (a buffer reused from call to call) and returns its text.
// Caller properties that name an SDK field are left out and counted in *left_out.
inline std::string_view write_event(std::string& scratch, const event_parts& e,
                                    std::size_t* left_out = nullptr) {
  detail::object_writer w(scratch);
  w.string("event_id", e.event_id);
  w.string("event_name", e.event_name);
  char timestamp[timestamp_chars];
  format_timestamp_to(timestamp, e.timestamp_ms);
  w.string("event_timestamp", {timestamp, timestamp_chars});
  w.string("client_id", e.identity.client_id);
  w.string("session_id", e.identity.session_id);
  w.integer("session_index", e.identity.session_index);
  w.boolean("session_start", e.identity.session_start);
  w.string("user_id", e.identity.user_id);
  w.string("identity_source", e.identity.identity_source);
  w.string("login_state", e.identity.user_id.empty() ? "anonymous" : "logged_in");
  if (e.page) {
    w.url("page_url", e.page->url);
    w.url("page_path", e.page->path);
    w.string("page_title", e.page->title);
  }
  if (e.landing) {
    w.url("referrer", e.landing->referrer);
    w.string("referrer_type", to_string(e.landing->type));
    for (const auto& [key, value] : e.landing->params) w.string(key, value);
  }
  if (e.device) {
    w.string("locale", e.device->locale);
    w.string("timezone", e.device->timezone);
    w.string("screen", e.device->screen);
    w.string("viewport", e.device->viewport);
    w.string("platform", e.device->platform);
    w.string("sdk", e.device->sdk);
  }
  if (e.properties && e.properties->is_object()) {
    for (auto it = e.properties->begin(); it != e.properties->end(); ++it) {
      if (is_sdk_field(it.key())) {
        if (left_out) ++*left_out;
        continue;
      }
      w.property(it.key(), it.value());
    }
  }
  return w.close();
}

}  // namespace clickstream
