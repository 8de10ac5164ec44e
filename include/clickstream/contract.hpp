// The wire contract (DESIGN.md §3): the one validation used by the SDK before enqueue and by the
// ingest (through wasm). Untrusted bodies and caller-built values can neither abort nor overflow
// the stack: nothing throws, parsing is iterative and every walk over a value is depth-bounded.
#pragma once

#include "json.hpp"
#include "utf8.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clickstream::contract {

inline constexpr std::size_t max_event_bytes = 32 * 1024;  // serialized event
inline constexpr std::size_t max_depth = 4;                // event object itself = depth 1
inline constexpr std::size_t max_key_chars = 64;
inline constexpr std::size_t max_url_chars = 2048;    // page_url, page_path, referrer, keys "*_url"
inline constexpr std::size_t max_string_chars = 256;  // every other string value
inline constexpr std::size_t max_request_events = 500;
inline constexpr std::size_t max_request_bytes = 1024 * 1024;  // decoded body
inline constexpr std::size_t max_event_name_chars = 64;

struct rejection {
  std::size_t index;
  std::string error;
};

enum class request_status {
  ok,
  not_json,
  not_object_or_array,
  empty,
  too_many_events,
  too_large,
  no_valid_event
};

struct request_check {
  request_status status = request_status::ok;
  std::string error;                        // for non-ok status: a clear message
  std::vector<json> accepted;               // the valid events, in request order
  std::vector<std::size_t> accepted_index;  // their index in the request
  std::vector<rejection> rejected;          // index + reason, in order
};

namespace detail {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

// 9999-12-31T23:59:59.999Z, the last instant parse_timestamp accepts; epoch-ms numbers share it.
inline constexpr std::int64_t max_epoch_ms = 253402300799999;

// Code points in s, or npos when s is not well-formed UTF-8 (Unicode table 3-7: no overlong forms,
// surrogates or values above U+10FFFF).
inline std::size_t utf8_count(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  std::size_t count = 0;
  while (p != end) {
    // Payloads are mostly ASCII: skip it 8 bytes at a time.
    if (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, sizeof word);
      if ((word & 0x8080808080808080ull) == 0) {
        p += 8;
        count += 8;
        continue;
      }
    }
    if (*p < 0x80) {
      ++p;
      ++count;
      continue;
    }
    const std::size_t len = clickstream::detail::utf8_sequence_length(
        {reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p)}, 0);
    if (len == 0) return npos;
    p += len;
    ++count;
  }
  return count;
}

enum class text_issue : unsigned char { none, empty, not_utf8, too_long };

inline text_issue check_text(std::string_view s, std::size_t max_chars) noexcept {
  // A code point is at most 4 bytes: a longer string is too long without scanning it.
  if (s.size() > 4 * max_chars) return text_issue::too_long;
  const std::size_t chars = utf8_count(s);
  if (chars == npos) return text_issue::not_utf8;
  return chars > max_chars ? text_issue::too_long : text_issue::none;
}

inline std::string text_error(text_issue issue, std::size_t max_chars) {
  if (issue == text_issue::not_utf8) return "not valid UTF-8";
  return "string longer than " + std::to_string(max_chars) + " chars";
}

inline text_issue key_issue(std::string_view key) noexcept {
  return key.empty() ? text_issue::empty : check_text(key, max_key_chars);
}

// The key's first characters, quoted, so an over-long key can be recognised in the message.
inline std::string key_preview(std::string_view key) {
  std::size_t cut = key.size() < 24 ? key.size() : 24;
  while (cut > 0 && cut < key.size() && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return "\"" + std::string(key.substr(0, cut)) + "...\"";
}

inline std::string key_error(text_issue issue, std::string_view key) {
  if (issue == text_issue::empty) return "empty key";
  if (issue == text_issue::not_utf8) return "key is not valid UTF-8";
  // A valid prefix is shown; one that is itself broken UTF-8 is not echoed.
  std::string preview = key_preview(key);
  if (utf8_count(preview) == npos) preview = "(not valid UTF-8)";
  return "key longer than " + std::to_string(max_key_chars) + " chars: " + preview;
}

inline bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

inline std::size_t string_limit(std::string_view key) noexcept {
  return ends_with(key, "_url") ? max_url_chars : max_string_chars;
}

inline std::string nesting_error() { return "nesting deeper than " + std::to_string(max_depth); }

// Checks a caller value: `depth` is the level it occupies if it is a container (a top-level field
// value is at 2) and `max_chars` the limit for strings, inherited by array elements. On failure
// returns "<path below value>: <reason>". Recursion stops at max_depth, so at most 4 frames.
inline std::optional<std::string> check_value(const json& value, std::size_t depth,
                                              std::size_t max_chars) {
  switch (value.type()) {
    case json::value_t::string: {
      const text_issue issue = check_text(*value.get_ptr<const json::string_t*>(), max_chars);
      if (issue == text_issue::none) return std::nullopt;
      return ": " + text_error(issue, max_chars);
    }
    case json::value_t::number_float:
      if (std::isfinite(*value.get_ptr<const json::number_float_t*>())) return std::nullopt;
      return std::string(": NaN and Infinity are not allowed");
    case json::value_t::object: {
      if (depth > max_depth) return ": " + nesting_error();
      for (const auto& [key, child] : *value.get_ptr<const json::object_t*>()) {
        if (const text_issue issue = key_issue(key); issue != text_issue::none) {
          return ": " + key_error(issue, key);
        }
        if (auto error = check_value(child, depth + 1, string_limit(key))) {
          return "." + key + *error;
        }
      }
      return std::nullopt;
    }
    case json::value_t::array: {
      if (depth > max_depth) return ": " + nesting_error();
      const auto& elements = *value.get_ptr<const json::array_t*>();
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (auto error = check_value(elements[i], depth + 1, max_chars)) {
          return "[" + std::to_string(i) + "]" + *error;
        }
      }
      return std::nullopt;
    }
    case json::value_t::binary:
      return std::string(": binary values are not allowed");
    case json::value_t::discarded:
      return std::string(": not a JSON value");
    case json::value_t::null:
    case json::value_t::boolean:
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return std::nullopt;
  }
  return std::nullopt;
}

// An integer-valued number: integers, and floats with no fraction that a double holds exactly.
inline std::optional<std::int64_t> as_integer(const json& value) noexcept {
  if (const auto* i = value.get_ptr<const json::number_integer_t*>()) return *i;
  if (const auto* u = value.get_ptr<const json::number_unsigned_t*>()) {
    if (*u <= static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*u);
    }
    return std::nullopt;
  }
  if (const auto* f = value.get_ptr<const json::number_float_t*>()) {
    constexpr double exact = 9007199254740992.0;  // 2^53
    if (std::isfinite(*f) && std::floor(*f) == *f && std::fabs(*f) <= exact) {
      return static_cast<std::int64_t>(*f);
    }
  }
  return std::nullopt;
}

enum class field_kind : unsigned char {
  text,
  required_text,
  url,
  event_id,
  event_name,
  event_timestamp,
  session_index,
  session_start,
  product_price,
  referrer_type
};

struct known_field {
  std::string_view name;
  field_kind kind;
};

// Sorted by name for binary search (checked below).
inline constexpr known_field known_fields[] = {
    {"client_id", field_kind::required_text},
    {"dclid", field_kind::text},
    {"event_id", field_kind::event_id},
    {"event_name", field_kind::event_name},
    {"event_timestamp", field_kind::event_timestamp},
    {"fbclid", field_kind::text},
    {"gbraid", field_kind::text},
    {"gclid", field_kind::text},
    {"identity_source", field_kind::text},
    {"li_fat_id", field_kind::text},
    {"locale", field_kind::text},
    {"login_state", field_kind::text},
    {"msclkid", field_kind::text},
    {"page_path", field_kind::url},
    {"page_title", field_kind::text},
    {"page_url", field_kind::url},
    {"platform", field_kind::text},
    {"product_category", field_kind::text},
    {"product_id", field_kind::text},
    {"product_name", field_kind::text},
    {"product_price", field_kind::product_price},
    {"referrer", field_kind::url},
    {"referrer_type", field_kind::referrer_type},
    {"screen", field_kind::text},
    {"sdk", field_kind::text},
    {"session_id", field_kind::required_text},
    {"session_index", field_kind::session_index},
    {"session_start", field_kind::session_start},
    {"timezone", field_kind::text},
    {"ttclid", field_kind::text},
    {"twclid", field_kind::text},
    {"user_id", field_kind::text},
    {"utm_campaign", field_kind::text},
    {"utm_content", field_kind::text},
    {"utm_medium", field_kind::text},
    {"utm_source", field_kind::text},
    {"utm_term", field_kind::text},
    {"viewport", field_kind::text},
    {"wbraid", field_kind::text},
};

constexpr bool known_fields_sorted() {
  for (std::size_t i = 1; i < std::size(known_fields); ++i) {
    if (!(known_fields[i - 1].name < known_fields[i].name)) return false;
  }
  return true;
}
static_assert(known_fields_sorted(), "known_fields must stay sorted for find_known");

inline const known_field* find_known(std::string_view key) noexcept {
  std::size_t lo = 0;
  std::size_t hi = std::size(known_fields);
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const int order = key.compare(known_fields[mid].name);
    if (order == 0) return &known_fields[mid];
    if (order < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return nullptr;
}

inline constexpr std::string_view referrer_types[] = {"direct", "internal", "search", "social",
                                                      "email",  "paid",     "other"};

inline std::optional<std::string> field_error(std::string_view key, std::string_view reason) {
  std::string error(key);
  error += ": ";
  error += reason;
  return error;
}

}  // namespace detail

inline bool is_valid_utf8(std::string_view s) noexcept {
  return detail::utf8_count(s) != detail::npos;
}

// Code points of valid UTF-8; for invalid input, the bytes that are not continuation bytes.
inline std::size_t utf8_length(std::string_view s) noexcept {
  std::size_t count = 0;
  for (const char c : s) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// 8-4-4-4-12 hex digits, any case, any version or variant.
inline bool is_uuid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

// 1-64 chars: an ASCII letter, then ASCII letters, digits, _ . : -
inline bool is_event_name(std::string_view s) noexcept {
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (s.empty() || s.size() > max_event_name_chars || !letter(s[0])) return false;
  for (const char c : s.substr(1)) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != ':' && c != '-') {
      return false;
    }
  }
  return true;
}

// YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|+HH:MM|-HH:MM) -> epoch ms, for instants in years 1970-9999.
inline std::optional<std::int64_t> parse_timestamp(std::string_view iso) noexcept {
  std::size_t pos = 0;
  // Reads exactly n digits at pos; -1 when any is missing.
  const auto digits = [&](std::size_t n) -> std::int64_t {
    if (iso.size() - pos < n) return -1;
    std::int64_t v = 0;
    for (std::size_t end = pos + n; pos < end; ++pos) {
      if (iso[pos] < '0' || iso[pos] > '9') return -1;
      v = v * 10 + (iso[pos] - '0');
    }
    return v;
  };
  const auto expect = [&](char a, char b) {
    if (pos >= iso.size() || (iso[pos] != a && iso[pos] != b)) return false;
    ++pos;
    return true;
  };
  const std::int64_t year = digits(4);
  if (year < 1970 || !expect('-', '-')) return std::nullopt;
  const std::int64_t month = digits(2);
  if (month < 1 || month > 12 || !expect('-', '-')) return std::nullopt;
  const std::int64_t day = digits(2);
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr std::int64_t month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const std::int64_t days_in_month = month_days[month - 1] + (month == 2 && leap ? 1 : 0);
  // RFC 3339 allows a lower-case separator, as it does the lower-case 'z'.
  if (day < 1 || day > days_in_month || !expect('T', 't')) return std::nullopt;
  const std::int64_t hour = digits(2);
  if (hour < 0 || hour > 23 || !expect(':', ':')) return std::nullopt;
  const std::int64_t minute = digits(2);
  if (minute < 0 || minute > 59 || !expect(':', ':')) return std::nullopt;
  const std::int64_t second = digits(2);
  if (second < 0 || second > 60) return std::nullopt;  // 60: a leap second
  std::int64_t millis = 0;
  if (expect('.', '.')) {
    // Up to 9 digits; those past milliseconds are truncated, never rounded into the next second.
    std::size_t count = 0;
    for (; pos < iso.size() && iso[pos] >= '0' && iso[pos] <= '9'; ++pos, ++count) {
      if (count < 3) millis = millis * 10 + (iso[pos] - '0');
    }
    if (count == 0 || count > 9) return std::nullopt;
    for (; count < 3; ++count) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (!expect('Z', 'z')) {
    if (pos >= iso.size() || (iso[pos] != '+' && iso[pos] != '-')) return std::nullopt;
    const std::int64_t sign = iso[pos++] == '-' ? -1 : 1;
    const std::int64_t off_hour = digits(2);
    if (off_hour < 0 || off_hour > 23 || !expect(':', ':')) return std::nullopt;
    const std::int64_t off_minute = digits(2);
    if (off_minute < 0 || off_minute > 59) return std::nullopt;
    offset_minutes = sign * (off_hour * 60 + off_minute);
  }
  if (pos != iso.size()) return std::nullopt;

  // Howard Hinnant's days_from_civil, for years >= 0 (here >= 1969 after the March shift).
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = y / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;

  const std::int64_t ms =
      ((days * 24 + hour) * 60 + minute - offset_minutes) * 60000 + second * 1000 + millis;
  if (ms < 0 || ms > detail::max_epoch_ms) return std::nullopt;
  return ms;
}

// One top-level field of an event, key and value, nested values included: the reason it is
// rejected ("<field>: <why>"), or nullopt. Allocates only when it rejects.
inline std::optional<std::string> check_field(std::string_view key, const json& value) {
  using detail::field_kind;
  using detail::text_issue;
  if (const text_issue issue = detail::key_issue(key); issue != text_issue::none) {
    return detail::key_error(issue, key);
  }
  const detail::known_field* known = detail::find_known(key);
  if (known == nullptr) {
    // A caller property (or a server-added field): any JSON value within the generic rules.
    auto error = detail::check_value(value, 2, detail::string_limit(key));
    if (!error) return std::nullopt;
    return std::string(key) + *error;
  }
  const auto* text = value.get_ptr<const json::string_t*>();
  switch (known->kind) {
    case field_kind::text:
    case field_kind::required_text:
    case field_kind::url: {
      const bool required = known->kind == field_kind::required_text;
      if (text == nullptr || (required && text->empty())) {
        return detail::field_error(key,
                                   required ? "must be a non-empty string" : "must be a string");
      }
      const std::size_t limit = known->kind == field_kind::url ? max_url_chars : max_string_chars;
      const text_issue issue = detail::check_text(*text, limit);
      if (issue == text_issue::none) return std::nullopt;
      return detail::field_error(key, detail::text_error(issue, limit));
    }
    case field_kind::event_id:
      if (text != nullptr && is_uuid(*text)) return std::nullopt;
      return detail::field_error(key, "must be a UUID string");
    case field_kind::event_name:
      if (text != nullptr && is_event_name(*text)) return std::nullopt;
      return detail::field_error(key,
                                 "must be 1-64 chars: a letter, then letters, digits, _ . : -");
    case field_kind::event_timestamp: {
      if (text != nullptr && parse_timestamp(*text)) return std::nullopt;
      const auto ms = text == nullptr ? detail::as_integer(value) : std::nullopt;
      if (ms && *ms >= 0 && *ms <= detail::max_epoch_ms) return std::nullopt;
      return detail::field_error(key, "must be an ISO-8601 UTC string or integer epoch ms >= 0");
    }
    case field_kind::session_index: {
      const auto index = detail::as_integer(value);
      if (index && *index >= 1) return std::nullopt;
      return detail::field_error(key, "must be an integer >= 1");
    }
    case field_kind::session_start:
      if (value.is_boolean()) return std::nullopt;
      return detail::field_error(key, "must be a boolean");
    case field_kind::product_price: {
      const auto* f = value.get_ptr<const json::number_float_t*>();
      const auto* i = value.get_ptr<const json::number_integer_t*>();
      if ((f != nullptr && std::isfinite(*f) && *f >= 0) || (i != nullptr && *i >= 0) ||
          value.is_number_unsigned()) {
        return std::nullopt;
      }
      return detail::field_error(key, "must be a finite number >= 0");
    }
    case field_kind::referrer_type:
      if (text != nullptr) {
        for (const std::string_view type : detail::referrer_types) {
          if (*text == type) return std::nullopt;
        }
      }
      return detail::field_error(
          key, "must be one of direct, internal, search, social, email, paid, other");
  }
  return std::nullopt;
}

namespace detail {

// Counts what the serializer writes, so sizing an event allocates no string.
class byte_counter : public nlohmann::detail::output_adapter_protocol<char> {
 public:
  void write_character(char /*c*/) override { ++bytes_; }
  void write_characters(const char* /*s*/, std::size_t length) override { bytes_ += length; }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  std::size_t bytes_ = 0;
};

// Same bytes as clickstream::detail::dump. Only call on a depth-checked value: the serializer
// recurses.
inline std::size_t event_bytes(const json& value) {
  auto counter = std::make_shared<byte_counter>();
  nlohmann::detail::serializer<json> serializer(counter, ' ', json::error_handler_t::replace);
  serializer.dump(value, false, false, 0);
  return counter->bytes();
}

inline std::string size_error(std::size_t bytes) {
  return "event is " + std::to_string(bytes) + " bytes serialized, max " +
         std::to_string(max_event_bytes);
}

}  // namespace detail

// A whole event. serialized_size: its size if the caller already serialized it, else 0 to have it
// measured (after the depth check, as serializing recurses).
inline std::optional<std::string> validate_event(const json& event,
                                                 std::size_t serialized_size = 0) {
  const auto* fields = event.get_ptr<const json::object_t*>();
  if (fields == nullptr) return std::string("event must be an object");
  if (serialized_size > max_event_bytes) return detail::size_error(serialized_size);
  if (fields->find("event_name") == fields->end()) return std::string("event_name: required");
  for (const auto& [key, value] : *fields) {
    if (auto error = check_field(key, value)) return error;
  }
  if (serialized_size == 0) {
    // Safe only now that the depth is known to be bounded.
    const std::size_t size = detail::event_bytes(event);
    if (size > max_event_bytes) return detail::size_error(size);
  }
  return std::nullopt;
}

namespace detail {

// SAX handler that builds each top-level event itself, so it can stop building one that nests too
// deep (and skip non-objects, and events past the cap) while the rest of the batch is still read.
// nlohmann's parser is iterative, so even 100,000 levels of input cost no stack.
class request_parser {
 public:
  explicit request_parser(request_check& out) : out_(out) {}

  bool null() { return scalar(nullptr); }
  bool boolean(bool value) { return scalar(value); }
  bool number_integer(json::number_integer_t value) { return scalar(value); }
  bool number_unsigned(json::number_unsigned_t value) { return scalar(value); }
  bool number_float(json::number_float_t value, const json::string_t& /*text*/) {
    return scalar(value);
  }
  bool string(json::string_t& value) { return scalar(std::move(value)); }
  // Part of the SAX interface; JSON text never yields binary values.
  bool binary(json::binary_t& /*value*/) { return true; }

  bool start_object(std::size_t /*elements*/) { return open(json::value_t::object); }
  bool start_array(std::size_t /*elements*/) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& key) {
    if (state_ == element::building) {
      slot_ = &(*stack_.back()->get_ptr<json::object_t*>())[std::move(key)];
    }
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const json::exception& ex) {
    std::string_view what = ex.what();
    // Drop nlohmann's "[json.exception.…] " tag and the echo of the offending token, which may be
    // huge or invalid UTF-8.
    if (const auto tag_end = what.find("] "); tag_end != std::string_view::npos) {
      what.remove_prefix(tag_end + 2);
    }
    what = what.substr(0, what.find("; last read"));
    error_ = "not valid JSON: " + std::string(what.substr(0, 160));
    return false;
  }

  const std::string& error() const noexcept { return error_; }
  bool root_is_scalar() const noexcept { return root_scalar_; }
  std::size_t events() const noexcept { return count_; }

 private:
  enum class element : unsigned char { none, building, not_object, too_deep, over_cap };

  bool at_element_start() const noexcept { return depth_ == 0 || (root_array_ && depth_ == 1); }

  void begin_element(json::value_t type) {
    element_depth_ = depth_;
    index_ = count_++;
    if (count_ > max_request_events) {
      state_ = element::over_cap;
    } else if (type != json::value_t::object) {
      state_ = element::not_object;
    } else {
      state_ = element::building;
      event_ = json::object();
      stack_.assign(1, &event_);
    }
  }

  void finish_element() {
    switch (state_) {
      case element::building:
        if (auto error = validate_event(event_)) {
          out_.rejected.push_back({index_, std::move(*error)});
        } else {
          out_.accepted.push_back(std::move(event_));
          out_.accepted_index.push_back(index_);
        }
        break;
      case element::not_object:
        out_.rejected.push_back({index_, "event must be an object"});
        break;
      case element::too_deep:
        out_.rejected.push_back({index_, std::move(too_deep_error_)});
        break;
      case element::none:
      case element::over_cap:
        break;
    }
    state_ = element::none;
    event_ = json();
    stack_.clear();
  }

  // Where a value goes: appended to the open array, or into the slot its key made.
  json& place(json&& value) {
    if (auto* array = stack_.back()->get_ptr<json::array_t*>()) {
      return array->emplace_back(std::move(value));
    }
    *slot_ = std::move(value);
    return *slot_;
  }

  template <typename T>
  bool scalar(T&& value) {
    if (depth_ == 0) {
      root_scalar_ = true;
    } else if (root_array_ && depth_ == 1) {
      begin_element(json::value_t::null);
      finish_element();
    } else if (state_ == element::building) {
      place(json(std::forward<T>(value)));
    }
    return true;
  }

  bool open(json::value_t type) {
    if (depth_ == 0 && type == json::value_t::array) {
      root_array_ = true;
    } else if (at_element_start()) {
      begin_element(type);
    } else if (state_ == element::building) {
      // The event object is depth 1.
      if (depth_ - element_depth_ + 1 > max_depth) {
        too_deep_error_ = too_deep_path() + ": " + nesting_error();
        state_ = element::too_deep;
        event_ = json();
        stack_.clear();
      } else {
        stack_.push_back(&place(json(type)));
      }
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (state_ == element::building) stack_.pop_back();
    if (state_ != element::none && depth_ == element_depth_) finish_element();
    return true;
  }

  // Path of the container about to open, in check_value's notation ("a.b[2].c").
  std::string too_deep_path() const {
    std::string path;
    const auto segment = [&path](const json& parent, const json* child) {
      if (const auto* array = parent.get_ptr<const json::array_t*>()) {
        const auto i = static_cast<std::size_t>(child - array->data());
        path += "[" + std::to_string(i) + "]";
        return;
      }
      for (const auto& [key, value] : *parent.get_ptr<const json::object_t*>()) {
        if (&value == child) {
          if (!path.empty()) path += '.';
          path += key;
          return;
        }
      }
    };
    for (std::size_t i = 1; i < stack_.size(); ++i) segment(*stack_[i - 1], stack_[i]);
    const json& top = *stack_.back();
    // The new container's own position: the next array slot, or the slot its key made.
    segment(top, top.is_array() ? top.get_ptr<const json::array_t*>()->data() + top.size() : slot_);
    return path;
  }

  request_check& out_;
  std::string error_;
  bool root_array_ = false;
  bool root_scalar_ = false;
  std::size_t depth_ = 0;  // containers open in the body
  std::size_t count_ = 0;  // top-level events seen
  element state_ = element::none;
  std::size_t element_depth_ = 0;  // depth_ at which the current event opened
  std::size_t index_ = 0;
  json event_;
  std::vector<json*> stack_;  // open containers of event_, event_ first
  json* slot_ = nullptr;      // the member the last key created
  std::string too_deep_error_;
};

inline request_check fail(request_check& out, request_status status, std::string error) {
  out.status = status;
  out.error = std::move(error);
  out.accepted.clear();
  out.accepted_index.clear();
  out.rejected.clear();
  return std::move(out);
}

}  // namespace detail

// A decoded request body (not base64, not gzip): a JSON array of event objects, or one object (an
// array of one).
inline request_check validate_request(std::string_view body) {
  request_check out;
  if (body.size() > max_request_bytes) {
    return detail::fail(out, request_status::too_large,
                        "body is " + std::to_string(body.size()) + " bytes, max " +
                            std::to_string(max_request_bytes));
  }
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return detail::fail(out, request_status::empty, "empty body");
  }
  detail::request_parser parser(out);
  if (!json::sax_parse(body.begin(), body.end(), &parser, json::input_format_t::json, true)) {
    return detail::fail(out, request_status::not_json, parser.error());
  }
  if (parser.root_is_scalar()) {
    return detail::fail(out, request_status::not_object_or_array,
                        "body must be a JSON array of event objects or one event object");
  }
  const std::size_t events = parser.events();
  if (events == 0) return detail::fail(out, request_status::empty, "empty array: no events");
  if (events > max_request_events) {
    return detail::fail(
        out, request_status::too_many_events,
        std::to_string(events) + " events, max " + std::to_string(max_request_events));
  }
  if (out.accepted.empty()) {
    out.status = request_status::no_valid_event;
    const rejection& first = out.rejected.front();
    out.error = "no valid event (event " + std::to_string(first.index) + ": " + first.error + ")";
  }
  return out;
}

inline const char* to_string(request_status status) noexcept {
  switch (status) {
    case request_status::ok:
      return "ok";
    case request_status::not_json:
      return "not_json";
    case request_status::not_object_or_array:
      return "not_object_or_array";
    case request_status::empty:
      return "empty";
    case request_status::too_many_events:
      return "too_many_events";
    case request_status::too_large:
      return "too_large";
    case request_status::no_valid_event:
      return "no_valid_event";
  }
  return "unknown";
}

}  // namespace clickstream::contract
