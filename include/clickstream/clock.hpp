// Time is injected: the core never reads a wall clock, so every timer (session expiry, flush
// interval, backoff) is driven by whatever the host or a test says "now" is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace clickstream {

class clock {
 public:
  virtual ~clock() = default;
  // Milliseconds since the Unix epoch, UTC.
  virtual std::int64_t now_ms() = 0;
};

// A clock that moves only when told: tests, and hosts that pass "now" in with every call (wasm).
class manual_clock final : public clock {
 public:
  explicit manual_clock(std::int64_t start_ms = 0) noexcept : now_(start_ms) {}
  std::int64_t now_ms() noexcept override { return now_; }
  void set(std::int64_t ms) noexcept { now_ = ms; }
  void advance(std::int64_t ms) noexcept { now_ += ms; }

 private:
  std::int64_t now_;
};

namespace detail {

// Howard Hinnant's civil-calendar algorithms: exact for the proleptic Gregorian calendar.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

inline void put_digits(char* out, unsigned value, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// The reverse, for the date parsers: the decimal value of s[at, at + n), or -1 when s ends first
// or one of those is not a digit.
inline std::int64_t digits_at(std::string_view s, std::size_t at, std::size_t n) noexcept {
  if (s.size() - at < n) return -1;
  std::int64_t v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace detail

inline constexpr std::size_t timestamp_chars = 24;

// "2025-12-04T15:23:45.123Z": ISO 8601, UTC, milliseconds, written to out[0..24). Years outside
// 0..9999 are clamped to keep the fixed width the contract promises.
inline void format_timestamp_to(char* out, std::int64_t epoch_ms) noexcept {
  constexpr std::int64_t ms_per_day = 86'400'000;
  std::int64_t days = epoch_ms / ms_per_day;
  std::int64_t rem = epoch_ms % ms_per_day;
  if (rem < 0) {
    rem += ms_per_day;
    --days;
  }
  auto date = detail::civil_from_days(days);
  if (date.year < 0) date = {0, 1, 1}, rem = 0;
  if (date.year > 9999) date = {9999, 12, 31}, rem = ms_per_day - 1;
  const auto r = static_cast<unsigned>(rem);
  detail::put_digits(out, static_cast<unsigned>(date.year), 4);
  detail::put_digits(out + 5, date.month, 2);
  detail::put_digits(out + 8, date.day, 2);
  detail::put_digits(out + 11, r / 3'600'000, 2);
  detail::put_digits(out + 14, r / 60'000 % 60, 2);
  detail::put_digits(out + 17, r / 1000 % 60, 2);
  detail::put_digits(out + 20, r % 1000, 3);
  out[4] = out[7] = '-';
  out[10] = 'T';
  out[13] = out[16] = ':';
  out[19] = '.';
  out[23] = 'Z';
}

inline std::string format_timestamp(std::int64_t epoch_ms) {
  std::string out(timestamp_chars, '\0');
  format_timestamp_to(&out[0], epoch_ms);
  return out;
}

}  // namespace clickstream
