// JSON text without a DOM: a writer into a reused buffer and a pull reader. The event hot path,
// the contract's validator and the tracker's state all use these, so the browser build needs
// neither nlohmann's parser nor its serializer (which would more than double its size).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "json.hpp"
#include "utf8.hpp"

namespace clickstream::detail {

// How json_string writes each byte: 0 as it is (printable ASCII but the quote and the backslash),
// 1 as part of a UTF-8 sequence, else after a backslash as this letter ('u': as \u00XX).
inline constexpr std::array<char, 256> json_escape = [] {
  std::array<char, 256> escape{};
  for (int c = 0; c < 0x20; ++c) escape[static_cast<std::size_t>(c)] = 'u';
  for (int c = 0x80; c < 0x100; ++c) escape[static_cast<std::size_t>(c)] = 1;
  escape['"'] = '"';
  escape['\\'] = '\\';
  escape['\n'] = 'n';
  escape['\r'] = 'r';
  escape['\t'] = 't';
  return escape;
}();

// Writes an integer's decimal digits (after a '-' when negative) at out; returns the end. The
// core's one integer formatter: std::to_chars and std::to_string instantiate one per type, and the
// wasm build pays for each in code.
inline char* write_decimal(char* out, std::uint64_t magnitude, bool negative) noexcept {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) *out++ = '-';
  while (n > 0) *out++ = digits[--n];
  return out;
}

template <typename Int>
char* write_integer(char* out, Int value) noexcept {
  if constexpr (std::is_signed_v<Int>) {
    const auto magnitude = static_cast<std::uint64_t>(value);
    return write_decimal(out, value < 0 ? 0 - magnitude : magnitude, value < 0);
  } else {
    return write_decimal(out, value, false);
  }
}

// An integer's decimal text, held in place: a part for concat().
class decimal {
 public:
  template <typename Int>
  explicit decimal(Int value) noexcept {
    size_ = static_cast<std::size_t>(write_integer(text_, value) - text_);
  }
  operator std::string_view() const noexcept { return {text_, size_}; }

 private:
  char text_[21];
  std::size_t size_;
};

// The parts joined. Messages are built through this one function, so each call site is a list of
// views rather than a chain of temporary strings.
inline std::string concat(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (const auto part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (const auto part : parts) out.append(part.data(), part.size());
  return out;
}

// JSON's insignificant white space.
constexpr bool json_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

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
  template <typename Int>
  void integer(Int value) {
    commit(write_integer(room(24), value));
  }
  std::string_view text() const noexcept { return {buf_.data(), n_}; }

  // s as a JSON string of at most max_chars code points. With `repair`, invalid UTF-8 becomes
  // U+FFFD, so whatever a host hands over (a page title with a lone surrogate, say) still yields
  // valid JSON; without it the bytes pass as they are, for the validator to see and refuse.
  void json_string(std::string_view s, std::size_t max_chars = static_cast<std::size_t>(-1),
                   bool repair = true) {
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
      while (j < limit && json_escape[static_cast<unsigned char>(s[j])] == 0) ++j;
      std::memcpy(p, s.data() + i, j - i);
      p += j - i;
      chars += j - i;
      i = j;
      if (i == s.size() || (count && chars == max_chars)) break;
      const auto c = static_cast<unsigned char>(s[i]);
      const char escape = json_escape[c];
      ++chars;
      if (escape != 1) {
        *p++ = '\\';
        *p++ = escape;
        if (escape == 'u') {
          *p++ = '0';
          *p++ = '0';
          *p++ = hex[c >> 4];
          *p++ = hex[c & 0x0F];
        }
        ++i;
      } else if (const auto n = repair ? utf8_sequence_length(s, i) : 1; n != 0) {
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

  // A DOM value, strings as they are (see json_string). Containers deeper than `depth` are written
  // empty: the validator still sees them and reports the nesting, and a 100,000-deep value costs no
  // recursion. Values JSON cannot hold are written as tokens the reader knows and the validator
  // refuses: NaN, Infinity, -Infinity, and `undefined` for binary or discarded values.
  void value(const json& v, int depth = 8) {
    switch (v.type()) {
      case json::value_t::string:
        json_string(v.get_ref<const std::string&>(), -1, false);
        break;
      case json::value_t::number_unsigned:
        integer(v.get<std::uint64_t>());
        break;
      case json::value_t::number_integer:
        integer(v.get<std::int64_t>());
        break;
      case json::value_t::number_float: {
        const double d = v.get<double>();
        if (std::isnan(d)) {
          put("NaN");
        } else if (std::isinf(d)) {
          put(d > 0 ? "Infinity" : "-Infinity");
        } else {
          char* p = room(64);
          commit(nlohmann::detail::to_chars(p, p + 64, d));
        }
        break;
      }
      case json::value_t::boolean:
        put(v.get<bool>() ? "true" : "false");
        break;
      case json::value_t::null:
        put("null");
        break;
      case json::value_t::object: {
        put('{');
        if (depth > 0) {
          bool first = true;
          for (auto it = v.begin(); it != v.end(); ++it) {
            if (!first) put(',');
            first = false;
            json_string(it.key(), -1, false);
            put(':');
            value(it.value(), depth - 1);
          }
        }
        put('}');
        break;
      }
      case json::value_t::array: {
        put('[');
        if (depth > 0) {
          bool first = true;
          for (const auto& e : v) {
            if (!first) put(',');
            first = false;
            value(e, depth - 1);
          }
        }
        put(']');
        break;
      }
      default:
        put("undefined");
    }
  }

 private:
  std::string& buf_;
  std::size_t n_ = 0;
};

// The members of an object's JSON text ("k":v,...): what lies between its braces, trimmed. The
// text is a valid object: its first and last characters but for white space are the braces.
inline std::string_view object_members(std::string_view object) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && json_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && json_space(s.back())) s.remove_suffix(1);
    return s;
  };
  object = trim(object);
  return trim(object.substr(1, object.size() - 2));
}

// Writes the members of one JSON object; empty strings are left out, so absent context costs
// nothing. Keys passed to string/integer/boolean are the SDK's own ASCII names.
class object_writer {
 public:
  explicit object_writer(std::string& buffer) : out_(buffer) { out_.put('{'); }
  void string(std::string_view key, std::string_view value,
              std::size_t max_chars = static_cast<std::size_t>(-1)) {
    if (value.empty()) return;
    name(key);
    out_.json_string(value, max_chars);
  }
  void integer(std::string_view key, std::int64_t value) {
    name(key);
    out_.integer(value);
  }
  void boolean(std::string_view key, bool value) {
    name(key);
    out_.put(value ? std::string_view("true") : std::string_view("false"));
  }
  // A member whose value is JSON text already (validated elsewhere).
  void raw(std::string_view key, std::string_view json_text) {
    separate();
    out_.json_string(key);
    out_.put(':');
    out_.put(json_text);
  }
  // A member whose value the caller writes next, straight into the object's text.
  text_writer& member(std::string_view key) {
    name(key);
    return out_;
  }
  // Members written elsewhere ("k":v,...), spliced in as they are.
  void members(std::string_view text) {
    if (text.empty()) return;
    separate();
    out_.put(text);
  }
  void value(std::string_view key, const json& v) {
    separate();
    out_.json_string(key);
    out_.put(':');
    out_.value(v);
  }
  std::string_view close() {
    out_.put('}');
    return out_.text();
  }

 private:
  void separate() {
    if (!first_) out_.put(',');
    first_ = false;
  }
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

enum class token : unsigned char {
  begin_object,
  end_object,
  begin_array,
  end_array,
  key,
  string,
  number,
  literal_true,
  literal_false,
  null,
  non_finite,  // NaN, Infinity, -Infinity: not JSON, but common (Python, C++ DOMs); refused by name
  undefined,   // what text_writer writes for binary or discarded values
  end,         // the whole text was read
  error,       // not JSON; error() says why
};

// A strict RFC 8259 pull reader (plus the two extra tokens above). Iterative: nesting costs one
// byte of stack_ per level, never a stack frame, whatever the depth of the input.
class json_reader {
 public:
  explicit json_reader(std::string_view text) : s_(text) {}

  token next() {
    skip_space();
    start_ = pos_;
    switch (expect_) {
      case expect::done:
        break;
      case expect::first_key_or_end:
        if (peek() == '}') return close('}');
        [[fallthrough]];
      case expect::key: {
        if (peek() != '"') return fail("expected a key");
        if (!scan_string()) return token::error;
        const std::size_t key_start = start_, key_end = pos_;
        skip_space();
        if (peek() != ':') return fail("expected ':' after a key");
        ++pos_;
        start_ = key_start;
        end_ = key_end;
        expect_ = expect::value;
        return tok_ = token::key;
      }
      case expect::comma_or_end: {
        const char c = peek();
        if (c == ',') {
          ++pos_;
          expect_ = stack_.back() == '{' ? expect::key : expect::value;
          return next();
        }
        if ((c == '}' && stack_.back() == '{') || (c == ']' && stack_.back() == '['))
          return close(c);
        return fail("expected ',' or the end of the container");
      }
      case expect::first_value_or_end:
        if (peek() == ']') return close(']');
        [[fallthrough]];
      case expect::value:
        return value();
    }
    return pos_ == s_.size() ? token::end : fail("unexpected text after the JSON value");
  }

  // Reads past the rest of the container just begun (or does nothing after a scalar).
  token skip(token first) {
    if (first != token::begin_object && first != token::begin_array) return first;
    const std::size_t depth = stack_.size() - 1;
    token t = first;
    while (stack_.size() > depth) {
      t = next();
      if (t == token::error || t == token::end) return t;
    }
    return t;
  }

  // The current token's text: a string's or key's content between the quotes (still escaped),
  // a number or literal as written.
  std::string_view raw() const noexcept {
    return (tok_ == token::string || tok_ == token::key) ? s_.substr(start_ + 1, end_ - start_ - 2)
                                                         : s_.substr(start_, end_ - start_);
  }
  bool escaped() const noexcept { return escaped_; }
  // Where the current value starts in the text (for spans of whole values).
  std::size_t offset() const noexcept { return start_; }
  std::size_t position() const noexcept { return pos_; }
  std::size_t depth() const noexcept { return stack_.size(); }
  const std::string& error() const noexcept { return error_; }
  std::string_view text() const noexcept { return s_; }

  // The string or key token decoded into out (escapes resolved). False for an escape that names
  // no character: a lone surrogate.
  bool decode(std::string& out) const {
    const std::string_view r = raw();
    // Every escape is longer than what it stands for: the raw length is room enough.
    out.resize(r.size());
    char* p = out.data();
    // The scanner let through only well-formed escapes: each \u has its four hex digits.
    for (const char *q = r.data(), *const end = q + r.size(); q != end;) {
      char c = *q++;
      if (c == '\\') {
        c = *q++;
        if (c == 'u') {
          std::uint32_t cp = hex4(q);
          q += 4;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - q < 6 || q[0] != '\\' || q[1] != 'u') return false;
            const std::uint32_t low = hex4(q + 2);
            if (low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            q += 6;
          }
          p = append_utf8(p, cp);
          continue;
        }
        // b f n r t stand for control characters; " \ / for themselves.
        const char* const named = std::strchr("b\bf\fn\nr\rt\t", c);
        if (named != nullptr) c = named[1];
      }
      *p++ = c;
    }
    out.resize(static_cast<std::size_t>(p - out.data()));
    return true;
  }

 private:
  enum class expect : unsigned char {
    value,
    first_value_or_end,
    first_key_or_end,
    key,
    comma_or_end,
    done
  };

  char peek() const noexcept { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at(std::string_view word) const noexcept {
    return s_.size() - pos_ >= word.size() &&
           std::memcmp(s_.data() + pos_, word.data(), word.size()) == 0;
  }

  void skip_space() noexcept {
    while (pos_ < s_.size() && json_space(s_[pos_])) ++pos_;
  }

  token fail(const char* why) {
    error_ = concat({why, " at byte ", decimal(pos_)});
    expect_ = expect::done;
    pos_ = s_.size() + 1;  // every later next() fails too
    return tok_ = token::error;
  }

  token emit(token t) {
    end_ = pos_;
    return tok_ = t;
  }

  void after_value() noexcept { expect_ = stack_.empty() ? expect::done : expect::comma_or_end; }

  token close(char c) {
    ++pos_;
    stack_.pop_back();
    after_value();
    return emit(c == '}' ? token::end_object : token::end_array);
  }

  token value() {
    const char c = peek();
    if (c == '{' || c == '[') {
      ++pos_;
      stack_.push_back(c);
      expect_ = c == '{' ? expect::first_key_or_end : expect::first_value_or_end;
      return emit(c == '{' ? token::begin_object : token::begin_array);
    }
    token t = token::string;
    if (c == '"') {
      if (!scan_string()) return token::error;
    } else if ((c >= '0' && c <= '9') || (c == '-' && !at("-Infinity"))) {
      if (!scan_number()) return token::error;
      t = token::number;
    } else {
      // The words a value can be, NUL-ended in one string, and their tokens: one loop, not a
      // comparison each.
      static constexpr char words[] = "true\0false\0null\0NaN\0Infinity\0-Infinity\0undefined";
      static constexpr token kinds[] = {
          token::literal_true, token::literal_false, token::null,     token::non_finite,
          token::non_finite,   token::non_finite,    token::undefined};
      const char* w = words;
      for (const token kind : kinds) {
        const std::string_view word(w);
        if (at(word)) {
          pos_ += word.size();
          t = kind;
          break;
        }
        w += word.size() + 1;
      }
      if (t == token::string)
        return fail(pos_ >= s_.size() ? "unexpected end of text" : "expected a value");
    }
    after_value();
    return emit(t);
  }

  bool scan_string() {
    escaped_ = false;
    ++pos_;
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        end_ = pos_;
        tok_ = token::string;
        return true;
      }
      if (c < 0x20) return fail("control character in a string"), false;
      if (c == '\\') {
        escaped_ = true;
        const char e = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
        if (e == 'u') {
          for (std::size_t k = 2; k < 6; ++k) {
            const char h = pos_ + k < s_.size() ? s_[pos_ + k] : '\0';
            if (!((h >= '0' && h <= '9') || ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')))
              return fail("bad \\u escape"), false;
          }
          pos_ += 6;
          continue;
        }
        if (std::strchr("\"\\/bfnrt", e) == nullptr || e == '\0')
          return fail("bad escape in a string"), false;
        pos_ += 2;
        continue;
      }
      ++pos_;
    }
    return fail("unterminated string"), false;
  }

  bool scan_number() {
    const auto digit = [&] { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (digit()) {
      while (digit()) ++pos_;
    } else {
      return fail("bad number"), false;
    }
    if (peek() == '.') {
      ++pos_;
      if (!digit()) return fail("bad number"), false;
      while (digit()) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digit()) return fail("bad number"), false;
      while (digit()) ++pos_;
    }
    return true;
  }

  static std::uint32_t hex4(const char* h) noexcept {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = h[k];
      v = v << 4 | static_cast<std::uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
  }

  static char* append_utf8(char* p, std::uint32_t cp) noexcept {
    // The lead byte's marker and the count of continuation bytes, by the code point's size.
    const int tail = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
    constexpr unsigned char lead[] = {0x00, 0xC0, 0xE0, 0xF0};
    *p++ = static_cast<char>(lead[tail] | cp >> (6 * tail));
    for (int k = tail - 1; k >= 0; --k) *p++ = static_cast<char>(0x80 | (cp >> (6 * k) & 0x3F));
    return p;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
  token tok_ = token::end;
  bool escaped_ = false;
  expect expect_ = expect::value;
  std::string stack_;  // the open containers' brackets
  std::string error_;
};

// A string or key token's text, decoded; nullopt for any other token or a lone surrogate.
inline std::optional<std::string> string_of(const json_reader& r, token t) {
  if (t != token::string && t != token::key) return std::nullopt;
  std::string out(r.raw());
  if (r.escaped() && !r.decode(out)) return std::nullopt;
  return out;
}

// read_members' loop, compiled once for all its callers: visit(context, key, first_token).
inline bool visit_members(json_reader& r, void* context,
                          void (*visit)(void*, const std::string&, token)) {
  const std::size_t depth = r.depth();
  for (token t = r.next(); t != token::end_object; t = r.next()) {
    const auto key = string_of(r, t);
    if (!key) return false;
    const token first = r.next();
    if (first == token::error) return false;
    visit(context, *key, first);
    while (r.depth() > depth) {
      const token skipped = r.next();
      if (skipped == token::error || skipped == token::end) return false;
    }
  }
  return true;
}

// Calls visit(key, first_token) for each member of the object whose begin_object was just read;
// what visit leaves of a container value is skipped. False when the text is not a valid object.
template <typename Visit>
bool read_members(json_reader& r, Visit&& visit) {
  // A const visitor (a lambda held in a const variable) is only ever called, never changed.
  void* context = const_cast<void*>(static_cast<const void*>(&visit));
  return visit_members(r, context, [](void* v, const std::string& key, token first) {
    (*static_cast<std::remove_reference_t<Visit>*>(v))(key, first);
  });
}

// Whether a decimal of 309 integer digits, whose significant digits start `digits`, is at least
// 2^1024 - 2^970, the smallest value that a double parse rounds to infinity: whether its first 309
// digits D (zero-padded) give floor(D / 2^970) >= 2^54 - 1. The digits past the 309th cannot
// reach the next integer, and the boundary is one. Exact, and with no table of its 309 digits.
inline bool past_double_range(std::string_view digits) noexcept {
  // Its first 16 digits decide all but a 10^-16 sliver of numbers, without the 0.7 µs of big-number
  // arithmetic: 1 MB of 1e308s is read in 3 ms rather than 115 (native -O2).
  constexpr std::string_view top = "1797693134862315";
  for (std::size_t i = 0; i < top.size(); ++i) {
    const char c = i < digits.size() ? digits[i] : '0';
    if (c != top[i]) return c > top[i];
  }
  std::uint32_t d[33] = {};  // D in base 2^32, least significant first: 1056 bits > log2(10^309)
  for (std::size_t k = 0; k < 309; k += 9) {
    std::uint64_t chunk = 0, scale = 1;
    for (std::size_t j = k; j < k + 9 && j < 309; ++j, scale *= 10)
      chunk = chunk * 10 + (j < digits.size() ? static_cast<std::uint64_t>(digits[j] - '0') : 0);
    // The limbs in use so far: k + 9 digits hold fewer than (k + 9) * 10 / 3 bits.
    for (std::size_t l = 0; l <= (k + 9) * 10 / 96; ++l) {
      const std::uint64_t x = d[l] * scale + chunk;
      d[l] = static_cast<std::uint32_t>(x);
      chunk = x >> 32;
    }
  }
  // Bits 970 and up: the top 22 of d[30], then d[31] and d[32].
  const std::uint64_t high = std::uint64_t{d[32]} << 54 | std::uint64_t{d[31]} << 22 | d[30] >> 10;
  return high >= (std::uint64_t{1} << 54) - 1;
}

// What a JSON number token means, without converting it to a double (no strtod: it would pull
// long-double arithmetic into the wasm build).
struct number_facts {
  bool negative = false;
  bool zero = true;    // every digit is 0
  bool finite = true;  // what a double parse gives: below 2^1024 - 2^970 in magnitude
  std::optional<std::int64_t> integer;  // set when the value is a whole number within ±2^53
};

inline number_facts inspect_number(std::string_view n) {
  number_facts f;
  std::size_t i = 0;
  if (i < n.size() && n[i] == '-') {
    f.negative = true;
    ++i;
  }
  // The significant digits, as far as the overflow test reads them, and the decimal exponent of
  // the first one.
  char digits[309];
  std::size_t seen = 0;   // significant digits read
  std::size_t count = 0;  // the same without trailing zeros
  long long point = 0;    // digits before the decimal point, counted from the first significant
  bool seen_point = false;
  for (; i < n.size() && (n[i] | 0x20) != 'e'; ++i) {
    const char c = n[i];
    if (c == '.') {
      seen_point = true;
      continue;
    }
    if (seen == 0 && c == '0') {
      point -= seen_point;
      continue;
    }
    point += !seen_point;
    if (seen < sizeof digits) digits[seen] = c;
    ++seen;
    if (c != '0') count = seen;
  }
  long long exponent = 0;
  if (i < n.size()) {
    ++i;
    bool minus = false;
    if (n[i] == '+' || n[i] == '-') minus = n[i++] == '-';
    for (; i < n.size(); ++i) exponent = std::min<long long>(exponent * 10 + (n[i] - '0'), 1 << 30);
    if (minus) exponent = -exponent;
  }
  if (count == 0) {
    f.integer = 0;
    return f;
  }
  f.zero = false;
  const std::string_view kept(digits, std::min(count, sizeof digits));
  const long long magnitude = point + exponent;  // value = 0.digits × 10^magnitude
  f.finite = magnitude < 309 || (magnitude == 309 && !past_double_range(kept));
  if (magnitude >= static_cast<long long>(count) && magnitude <= 16) {
    std::int64_t v = 0;
    for (std::size_t k = 0; k < static_cast<std::size_t>(magnitude); ++k)
      v = v * 10 + (k < count ? digits[k] - '0' : 0);
    if (v <= (std::int64_t{1} << 53)) f.integer = f.negative ? -v : v;
  }
  return f;
}

// A number token's value when it is a whole number within ±2^53.
inline std::optional<std::int64_t> integer_of(const json_reader& r, token t) {
  if (t != token::number) return std::nullopt;
  return inspect_number(r.raw()).integer;
}

}  // namespace clickstream::detail
