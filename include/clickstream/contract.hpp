// The wire contract (DESIGN.md §3): the one validation used by the SDK before enqueue and by the
// ingest (through wasm). Untrusted bodies and caller-built values can neither abort nor overflow
// the stack: nothing throws, parsing is iterative and every walk over a value is depth-bounded.
#pragma once

#include "attribution.hpp"
#include "clock.hpp"
#include "json.hpp"
#include "json_text.hpp"
#include "utf8.hpp"

#include <array>
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

using clickstream::detail::token;

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
  std::vector<std::string> accepted;        // the valid events' text, in request order
  std::vector<std::size_t> accepted_index;  // their index in the request
  std::vector<rejection> rejected;          // index + reason, in order
};

namespace detail {

using clickstream::detail::concat;
using clickstream::detail::decimal;
using clickstream::detail::inspect_number;
using clickstream::detail::json_reader;
using clickstream::detail::text_writer;
using clickstream::detail::utf8_sequence_length;

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
    const std::size_t len = utf8_sequence_length(
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

static_assert(max_string_chars == 256 && max_url_chars == 2048, "text_error names them");

inline std::string_view text_error(text_issue issue, std::size_t max_chars) {
  if (issue == text_issue::not_utf8) return "not valid UTF-8";
  return max_chars == max_url_chars ? "string longer than 2048 chars"
                                    : "string longer than 256 chars";
}

inline text_issue key_issue(std::string_view key) noexcept {
  return key.empty() ? text_issue::empty : check_text(key, max_key_chars);
}

inline std::string key_error(text_issue issue, std::string_view key) {
  if (issue == text_issue::empty) return "empty key";
  if (issue == text_issue::not_utf8) return "key is not valid UTF-8";
  static_assert(max_key_chars == 64, "the messages below name it");
  // The key's first characters, quoted, so an over-long key can be recognised in the message; a
  // prefix that is itself broken UTF-8 is not echoed.
  std::size_t cut = key.size() < 24 ? key.size() : 24;
  while (cut > 0 && cut < key.size() && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  const std::string_view prefix(key.data(), cut);
  if (utf8_count(prefix) == npos) return "key longer than 64 chars: (not valid UTF-8)";
  return concat({"key longer than 64 chars: \"", prefix, "...\""});
}

inline std::size_t string_limit(std::string_view key) noexcept {
  const bool url = key.size() >= 4 && std::memcmp(key.data() + key.size() - 4, "_url", 4) == 0;
  return url ? max_url_chars : max_string_chars;
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
  referrer_type
};

struct known_field {
  std::string_view name;
  field_kind kind;
};

// The SDK's fields, sorted by name for binary search (checked below). Each is reserved (event.hpp),
// so a property never names one; the product fields are check_property's.
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

// The table's columns apart, as find_known reads them: no padding after each kind.
inline constexpr auto known_names = [] {
  std::array<std::string_view, std::size(known_fields)> names{};
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = known_fields[i].name;
  return names;
}();
inline constexpr auto known_kinds = [] {
  std::array<field_kind, std::size(known_fields)> kinds{};
  for (std::size_t i = 0; i < kinds.size(); ++i) kinds[i] = known_fields[i].kind;
  return kinds;
}();

inline const field_kind* find_known(std::string_view key) noexcept {
  std::size_t lo = 0;
  std::size_t hi = known_names.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const int order = key.compare(known_names[mid]);
    if (order == 0) return &known_kinds[mid];
    if (order < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return nullptr;
}

inline std::optional<std::string> field_error(std::string_view key, std::string_view reason) {
  return concat({key, ": ", reason});
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
  if (s.empty() || s.size() > max_event_name_chars) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const char lower = static_cast<char>(c | 0x20);  // a letter's lower case; no other becomes one
    if ((lower >= 'a' && lower <= 'z') ||
        (i > 0 && ((c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '-')))
      continue;
    return false;
  }
  return true;
}

// YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|+HH:MM|-HH:MM) -> epoch ms, for instants in years 1970-9999.
inline std::optional<std::int64_t> parse_timestamp(std::string_view iso) noexcept {
  std::size_t pos = 0;
  // The separator c at pos, or its lower-case form: RFC 3339 allows a lower-case 't' and 'z'
  // ('-', ':', '.' and '+' are their own lower case).
  const auto expect = [&](char c) {
    if (pos >= iso.size() || (iso[pos] != c && iso[pos] != (c | 0x20))) return false;
    ++pos;
    return true;
  };
  // Reads exactly n digits at pos; -1 when any is missing (the parse then fails).
  const auto digits = [&](std::size_t n) {
    const std::int64_t v = clickstream::detail::digits_at(iso, pos, n);
    pos += n;
    return v;
  };
  const std::int64_t year = digits(4);
  if (year < 1970 || !expect('-')) return std::nullopt;
  const std::int64_t month = digits(2);
  if (month < 1 || month > 12 || !expect('-')) return std::nullopt;
  const std::int64_t day = digits(2);
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  // 31 and 30 days alternate, restarting at August; February has 28 or 29.
  const std::int64_t days_in_month = month == 2 ? 28 + leap : 30 + ((month + month / 8) & 1);
  if (day < 1 || day > days_in_month || !expect('T')) return std::nullopt;
  const std::int64_t hour = digits(2);
  if (hour < 0 || hour > 23 || !expect(':')) return std::nullopt;
  const std::int64_t minute = digits(2);
  if (minute < 0 || minute > 59 || !expect(':')) return std::nullopt;
  const std::int64_t second = digits(2);
  if (second < 0 || second > 60) return std::nullopt;  // 60: a leap second
  std::int64_t millis = 0;
  if (expect('.')) {
    // Up to 9 digits; those past milliseconds are truncated, never rounded into the next second.
    std::size_t count = 0;
    for (; pos < iso.size() && iso[pos] >= '0' && iso[pos] <= '9'; ++pos, ++count) {
      if (count < 3) millis = millis * 10 + (iso[pos] - '0');
    }
    if (count == 0 || count > 9) return std::nullopt;
    for (; count < 3; ++count) millis *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (!expect('Z')) {
    if (pos >= iso.size() || (iso[pos] != '+' && iso[pos] != '-')) return std::nullopt;
    const std::int64_t sign = iso[pos++] == '-' ? -1 : 1;
    const std::int64_t off_hour = digits(2);
    if (off_hour < 0 || off_hour > 23 || !expect(':')) return std::nullopt;
    const std::int64_t off_minute = digits(2);
    if (off_minute < 0 || off_minute > 59) return std::nullopt;
    offset_minutes = sign * (off_hour * 60 + off_minute);
  }
  if (pos != iso.size()) return std::nullopt;

  const std::int64_t days = clickstream::detail::days_from_civil(year, static_cast<unsigned>(month),
                                                                 static_cast<unsigned>(day));

  const std::int64_t ms =
      ((days * 24 + hour) * 60 + minute - offset_minutes) * 60000 + second * 1000 + millis;
  if (ms < 0 || ms > detail::max_epoch_ms) return std::nullopt;
  return ms;
}

namespace detail {

// Reads past the rest of whatever is open deeper than `depth` (after an error inside a value).
inline void skip_to_depth(json_reader& r, std::size_t depth) {
  while (r.depth() > depth) {
    const token t = r.next();
    if (t == token::error || t == token::end) return;
  }
}

// A string token's decoded text: the raw bytes when unescaped (no copy), else decoded into
// scratch. Nullopt for an escape naming no character (a lone surrogate).
inline std::optional<std::string_view> string_value(const json_reader& r, std::string& scratch) {
  if (!r.escaped()) return r.raw();
  if (!r.decode(scratch)) return std::nullopt;
  return std::string_view(scratch);
}

// Checks one value whose first token `t` was just read: `path` names it in errors, `depth` is the
// level it occupies if it is a container (a top-level field's value is at 2), and `limit` the
// string limit it and its array elements inherit. Iterative: nesting past max_depth is reported,
// never descended. On failure the reader is left inside the value (callers skip past it).
inline std::optional<std::string> check_value(json_reader& r, token t, std::string path,
                                              std::size_t depth, std::size_t limit,
                                              std::string& scratch) {
  struct frame {
    bool array;
    std::size_t index;
    std::size_t limit;
    std::size_t path_length;
  };
  // The containers open inside the value: nesting is refused before it passes max_depth.
  std::array<frame, max_depth + 1> open;
  static_assert(max_depth == 4, "the nesting message names it");
  std::size_t opened = 0;
  // One exit for every error: "<path>: <why>".
  const auto error = [&path](std::string_view why) -> std::optional<std::string> {
    return field_error(path, why);
  };
  for (;;) {
    switch (t) {
      case token::string: {
        const auto text = string_value(r, scratch);
        const text_issue issue = text ? check_text(*text, limit) : text_issue::not_utf8;
        if (issue != text_issue::none) return error(text_error(issue, limit));
        break;
      }
      case token::number:
        if (!inspect_number(r.raw()).finite) return error("number out of range");
        break;
      case token::non_finite:
        return error("NaN and Infinity are not allowed");
      case token::undefined:
        return error("not a JSON value");
      case token::begin_object:
      case token::begin_array:
        if (depth + opened > max_depth) return error("nesting deeper than 4");
        open[opened++] = {t == token::begin_array, 0, limit, path.size()};
        break;
      case token::end_object:
      case token::end_array:
        --opened;
        path.resize(open[opened].path_length);
        limit = open[opened].limit;
        break;
      case token::error:
        return concat({"not valid JSON: ", r.error()});
      default:
        break;
    }
    if (opened == 0) return std::nullopt;
    t = r.next();
    if (t == token::end_object || t == token::end_array || t == token::error) continue;
    frame& f = open[opened - 1];
    path.resize(f.path_length);
    if (f.array) {
      path += '[';
      path += std::string_view(decimal(f.index++));
      path += ']';
      limit = f.limit;
    } else {
      const auto key = string_value(r, scratch);
      const text_issue issue = key ? key_issue(*key) : text_issue::not_utf8;
      if (issue != text_issue::none) return error(key_error(issue, key.value_or("")));
      path += '.';
      path += *key;
      limit = string_limit(*key);
      t = r.next();
    }
  }
}

// One member whose name is no SDK field: a caller's property (check_properties' caller leaves out
// the SDK's names) or an unknown field of an event. Of the fields the contract types, only the
// product ones can be such a member: product_id, product_name, product_category (text) and
// product_price, so the property path compiles in none of known_fields' kinds.
inline std::optional<std::string> check_property(json_reader& r, token t, std::string_view key) {
  // One buffer for every escaped string of the value (key may live in the caller's).
  std::string scratch;
  const bool price = key == "product_price";
  if (!price && key != "product_id" && key != "product_name" && key != "product_category")
    return check_value(r, t, std::string(key), 2, string_limit(key), scratch);
  std::string_view why = price ? "must be a finite number >= 0" : "must be a string";
  if (price && t == token::number) {
    const auto n = inspect_number(r.raw());
    if (n.finite && (!n.negative || n.zero)) return std::nullopt;
  } else if (!price && t == token::string) {
    const std::optional<std::string_view> text = string_value(r, scratch);
    const text_issue issue = text ? check_text(*text, max_string_chars) : text_issue::not_utf8;
    if (issue == text_issue::none) return std::nullopt;
    why = text_error(issue, max_string_chars);
  }
  return field_error(key, why);
}

// One top-level member of an event: its value's first token `t` was just read.
inline std::optional<std::string> check_member(json_reader& r, token t, std::string_view key) {
  const field_kind* known = find_known(key);
  if (known == nullptr) return check_property(r, t, key);
  std::string scratch;
  const std::optional<std::string_view> text =
      t == token::string ? string_value(r, scratch) : std::nullopt;
  const bool is_string = t == token::string;
  // Each case returns when the value is valid and otherwise names why: one error exit for all.
  std::string_view why;
  switch (*known) {
    case field_kind::text:
    case field_kind::required_text:
    case field_kind::url: {
      const bool required = *known == field_kind::required_text;
      why = required ? "must be a non-empty string" : "must be a string";
      if (!is_string || (required && r.raw().empty())) break;
      const std::size_t limit = *known == field_kind::url ? max_url_chars : max_string_chars;
      const text_issue issue = text ? check_text(*text, limit) : text_issue::not_utf8;
      if (issue == text_issue::none) return std::nullopt;
      why = text_error(issue, limit);
      break;
    }
    case field_kind::event_id:
      if (text && is_uuid(*text)) return std::nullopt;
      why = "must be a UUID string";
      break;
    case field_kind::event_name:
      if (text && is_event_name(*text)) return std::nullopt;
      why = "must be 1-64 chars: a letter, then letters, digits, _ . : -";
      break;
    case field_kind::event_timestamp: {
      if (text && parse_timestamp(*text)) return std::nullopt;
      if (t == token::number) {
        const auto ms = inspect_number(r.raw()).integer;
        if (ms && *ms >= 0 && *ms <= max_epoch_ms) return std::nullopt;
      }
      why = "must be an ISO-8601 UTC string or integer epoch ms >= 0";
      break;
    }
    case field_kind::session_index: {
      const auto index = t == token::number ? inspect_number(r.raw()).integer : std::nullopt;
      if (index && *index >= 1) return std::nullopt;
      why = "must be an integer >= 1";
      break;
    }
    case field_kind::session_start:
      if (t == token::literal_true || t == token::literal_false) return std::nullopt;
      why = "must be a boolean";
      break;
    case field_kind::referrer_type:
      if (text) {
        for (const std::string_view type : clickstream::detail::referrer_type_names)
          if (*text == type) return std::nullopt;
      }
      why = "must be one of direct, internal, search, social, email, paid, other";
      break;
  }
  return field_error(key, why);
}

inline std::string size_error(std::size_t bytes) {
  return concat({"event is ", decimal(bytes), " bytes serialized, max ", decimal(max_event_bytes)});
}

// The event object whose begin_object was just read; always leaves the reader past its end.
inline std::optional<std::string> check_event(json_reader& r) {
  const std::size_t depth = r.depth();
  const std::size_t start = r.offset();
  bool named = false;
  std::optional<std::string> failure;
  std::string scratch;
  for (token t = r.next(); t != token::end_object; t = r.next()) {
    if (t == token::error) return concat({"not valid JSON: ", r.error()});
    const auto key = string_value(r, scratch);
    const text_issue issue = key ? key_issue(*key) : text_issue::not_utf8;
    if (issue != text_issue::none) {
      failure = key_error(issue, key.value_or(""));
      break;
    }
    const std::string_view name = *key;  // scratch holds it until the next key
    named = named || name == "event_name";
    if ((failure = check_member(r, r.next(), name))) break;
    skip_to_depth(r, depth);
  }
  if (failure) {
    skip_to_depth(r, depth - 1);
    return failure;
  }
  if (!named) return std::string("event_name: required");
  const std::size_t bytes = r.position() - start;
  if (bytes > max_event_bytes) return size_error(bytes);
  return std::nullopt;
}

inline std::optional<std::string> check_event_text(std::string_view text) {
  json_reader r(text);
  const token t = r.next();
  if (t != token::begin_object) {
    if (t == token::error) return concat({"not valid JSON: ", r.error()});
    return std::string("event must be an object");
  }
  auto error = check_event(r);
  if (!error && r.next() != token::end) return concat({"not valid JSON: ", r.error()});
  return error;
}

inline request_check fail(request_check& out, request_status status, std::string error) {
  out.status = status;
  out.error = std::move(error);
  out.accepted.clear();
  out.accepted_index.clear();
  out.rejected.clear();
  return std::move(out);
}

}  // namespace detail

// One top-level field of an event, key and value, nested values included: the reason it is
// rejected ("<field>: <why>"), or nullopt.
inline std::optional<std::string> check_field(std::string_view key, const json& value) {
  if (const auto issue = detail::key_issue(key); issue != detail::text_issue::none)
    return detail::key_error(issue, key);
  std::string buffer;
  detail::text_writer w(buffer);
  w.value(value);
  detail::json_reader r(w.text());
  return detail::check_member(r, r.next(), key);
}

// A whole event, as the ingest sees it: the text is what the SDK sends.
inline std::optional<std::string> validate_event_text(std::string_view text) {
  return detail::check_event_text(text);
}

// A C++-built event: serialized (depth-bounded) and checked as text, so there is one validator.
inline std::optional<std::string> validate_event(const json& event) {
  if (!event.is_object()) return std::string("event must be an object");
  std::string buffer;
  detail::text_writer w(buffer);
  w.value(event);
  return detail::check_event_text(w.text());
}

// A caller's properties (a JSON object's text) checked member by member, in order. Members for
// which skip(key) holds are read past unchecked (the SDK leaves them out: they name its fields);
// skip must hold for every SDK field (is_sdk_field), since the others are checked as properties,
// which types only the product fields (check_property). Those are handed to keep(key, value_text).
template <typename Skip, typename Keep>
std::optional<std::string> check_properties(std::string_view object_text, Skip&& skip,
                                            Keep&& keep) {
  detail::json_reader r(object_text);
  token t = r.next();
  if (t != token::begin_object) return std::string("properties must be a JSON object");
  std::string scratch;
  for (t = r.next(); t != token::end_object; t = r.next()) {
    if (t == token::error) return detail::concat({"properties are not valid JSON: ", r.error()});
    const auto key = detail::string_value(r, scratch);
    const auto issue = key ? detail::key_issue(*key) : detail::text_issue::not_utf8;
    if (issue != detail::text_issue::none) return detail::key_error(issue, key.value_or(""));
    const std::string_view name = *key;  // scratch holds it until the next key
    const token first = r.next();
    const std::size_t start = r.offset();
    if (skip(name)) {
      if (r.skip(first) == token::error)
        return detail::concat({"properties are not valid JSON: ", r.error()});
      continue;
    }
    if (auto error = detail::check_property(r, first, name)) return error;
    detail::skip_to_depth(r, 1);
    // The member's value text, cut in place: it lies within object_text, so no substr check.
    keep(name, std::string_view(object_text.data() + start, r.position() - start));
  }
  if (r.next() != token::end) return detail::concat({"properties are not valid JSON: ", r.error()});
  return std::nullopt;
}

// A decoded request body (not base64, not gzip): a JSON array of event objects, or one object (an
// array of one). Each event is judged on its own: a bad one is rejected with its index and the
// rest are kept; only a body that is not JSON at all fails whole.
inline request_check validate_request(std::string_view body) {
  request_check out;
  if (body.size() > max_request_bytes) {
    return detail::fail(out, request_status::too_large,
                        detail::concat({"body is ", detail::decimal(body.size()), " bytes, max ",
                                        detail::decimal(max_request_bytes)}));
  }
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return detail::fail(out, request_status::empty, "empty body");
  }
  detail::json_reader r(body);
  token t = r.next();
  const bool single = t == token::begin_object;
  if (t == token::error) return detail::fail(out, request_status::not_json, r.error());
  if (!single && t != token::begin_array) {
    return detail::fail(out, request_status::not_object_or_array,
                        "body must be a JSON array of event objects or one event object");
  }
  const auto not_json = [&] {
    return detail::fail(out, request_status::not_json,
                        detail::concat({"not valid JSON: ", r.error()}));
  };
  std::size_t index = 0;
  for (t = single ? t : r.next(); t != token::end_array; t = single ? token::end_array : r.next()) {
    if (t == token::error) return not_json();
    const std::size_t start = r.offset();
    std::optional<std::string> error;
    if (t != token::begin_object) {
      if (r.skip(t) == token::error) return not_json();
      error = "event must be an object";
    } else {
      error = detail::check_event(r);
      if (error && error->rfind("not valid JSON: ", 0) == 0) return not_json();
    }
    if (index < max_request_events) {
      if (error) {
        out.rejected.push_back({index, std::move(*error)});
      } else {
        out.accepted.emplace_back(body.substr(start, r.position() - start));
        out.accepted_index.push_back(index);
      }
    }
    ++index;
  }
  if (r.next() != token::end) return not_json();
  if (index == 0) return detail::fail(out, request_status::empty, "empty array: no events");
  if (index > max_request_events) {
    return detail::fail(out, request_status::too_many_events,
                        detail::concat({detail::decimal(index), " events, max ",
                                        detail::decimal(max_request_events)}));
  }
  if (out.accepted.empty()) {
    out.status = request_status::no_valid_event;
    const rejection& first = out.rejected.front();
    out.error = detail::concat(
        {"no valid event (event ", detail::decimal(first.index), ": ", first.error, ")"});
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
