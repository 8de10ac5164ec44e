// Building one event: the SDK's fields, then the caller's properties, written straight to JSON text
// (no intermediate DOM: this is the hot path of track()).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "attribution.hpp"
#include "clock.hpp"
#include "json_text.hpp"

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

// Everything one event is made of.
struct event_parts {
  std::string_view event_id;
  std::string_view event_name;
  std::int64_t timestamp_ms = 0;
  event_identity identity;
  const page_context* page = nullptr;
  const attribution* landing = nullptr;
  const device_context* device = nullptr;
  // The caller's properties, validated: JSON object members ("k":v,...) without the braces.
  std::string_view properties;
};

namespace detail {
// The contract's limits: strings the SDK fills in are cut to fit rather than failing the event.
inline constexpr std::size_t sdk_text_max = 256, sdk_url_max = 2048;
}  // namespace detail

// The members every event shares until the identity, the session, the page or the device changes
// (most of an event's bytes), written into `out` as "k":v,... without braces: the tracker writes
// them once per change, not once per event.
inline std::string_view write_context(std::string& out, const event_parts& e) {
  using detail::sdk_text_max, detail::sdk_url_max;
  detail::object_writer w(out);
  w.string("client_id", e.identity.client_id, sdk_text_max);
  w.string("session_id", e.identity.session_id, sdk_text_max);
  w.integer("session_index", e.identity.session_index);
  w.string("user_id", e.identity.user_id, sdk_text_max);
  w.string("identity_source", e.identity.identity_source, sdk_text_max);
  w.string("login_state", e.identity.user_id.empty() ? "anonymous" : "logged_in");
  // The context's std::strings become views in one place: inlined, that is code for every field.
  const auto field = [&w](std::string_view key, const std::string& value, std::size_t max) {
    w.string(key, value, max);
  };
  if (e.page) {
    field("page_url", e.page->url, sdk_url_max);
    field("page_path", e.page->path, sdk_url_max);
    field("page_title", e.page->title, sdk_text_max);
  }
  if (e.landing) {
    field("referrer", e.landing->referrer, sdk_url_max);
    w.string("referrer_type", to_string(e.landing->type));
    e.landing->params.for_each(
        [&](std::string_view key, std::string_view value) { w.string(key, value, sdk_text_max); });
  }
  if (e.device) {
    field("locale", e.device->locale, sdk_text_max);
    field("timezone", e.device->timezone, sdk_text_max);
    field("screen", e.device->screen, sdk_text_max);
    field("viewport", e.device->viewport, sdk_text_max);
    field("platform", e.device->platform, sdk_text_max);
    field("sdk", e.device->sdk, sdk_text_max);
  }
  const std::string_view text = w.close();
  return text.substr(1, text.size() - 2);
}

// Serializes an event into `scratch` (a buffer reused from call to call) and returns its text;
// `context` is write_context's for the same parts.
inline std::string_view write_event(std::string& scratch, const event_parts& e,
                                    std::string_view context) {
  detail::object_writer w(scratch);
  w.string("event_id", e.event_id);
  w.string("event_name", e.event_name);
  char timestamp[timestamp_chars];
  format_timestamp_to(timestamp, e.timestamp_ms);
  w.string("event_timestamp", {timestamp, timestamp_chars});
  w.boolean("session_start", e.identity.session_start);
  w.members(context);
  w.members(e.properties);
  return w.close();
}

}  // namespace clickstream
