// What to do with a response, and when to try again. The taxonomy is the wire contract's (§3):
// a batch is delivered, dropped, split, or retried with jittered exponential backoff.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "clock.hpp"
#include "random.hpp"

namespace clickstream {

enum class outcome {
  delivered,  // 2xx: stored (some events may still have been rejected one by one)
  dropped,    // 400, 422, other 4xx: resending the same bytes cannot succeed
  split,      // 413: too large for the server; halves may fit
  retry,      // network error (0), 408, 425, 429, 5xx, and anything unexpected (1xx, 3xx)
};

inline outcome classify(int status) noexcept {
  if (status >= 200 && status < 300) return outcome::delivered;
  if (status == 413) return outcome::split;
  if (status == 408 || status == 425 || status == 429) return outcome::retry;
  if (status >= 400 && status < 500) return outcome::dropped;
  return outcome::retry;
}

struct retry_policy {
  std::int64_t base_delay_ms = 1000;
  std::int64_t max_delay_ms = 5 * 60 * 1000;
  // A Retry-After beyond this is clamped: a misconfigured server cannot park the queue for days.
  std::int64_t max_retry_after_ms = 60 * 60 * 1000;
  std::uint32_t max_attempts = 20;                   // sends of one batch before giving up
  std::int64_t max_age_ms = 3LL * 24 * 3600 * 1000;  // an event older than this is given up
};

// "Equal jitter": half the exponential step is fixed, half random. Many clients recovering from the
// same outage spread out, and none retries sooner than half its step.
inline std::int64_t backoff_delay(const retry_policy& p, std::uint32_t attempt,
                                  random_source& random) {
  std::int64_t step = p.base_delay_ms;
  for (std::uint32_t i = 1; i < attempt && step < p.max_delay_ms; ++i) step *= 2;
  step = std::min(step, p.max_delay_ms);
  const std::int64_t half = step / 2;
  return half + static_cast<std::int64_t>(
                    uniform_below(random, static_cast<std::uint64_t>(step - half) + 1));
}

namespace detail {

// HTTP "optional white space" around a header value.
inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// IMF-fixdate, the only HTTP-date form servers may send: "Sun, 06 Nov 1994 08:49:37 GMT". As
// epoch ms, or -1 (never a date's: those are whole seconds). Fields are read where they stand:
// this runs once per failed request, and plain code is a fraction of the size of views and
// optionals.
inline std::int64_t parse_http_date(std::string_view s) noexcept {
  if (s.size() != 29 || s[3] != ',' || std::memcmp(s.data() + 25, " GMT", 4) != 0) return -1;
  constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  unsigned month = 0;
  while (month < 12 && std::memcmp(months + 3 * month, s.data() + 8, 3) != 0) ++month;
  const std::int64_t day = digits_at(s, 5, 2), year = digits_at(s, 12, 4);
  const std::int64_t hh = digits_at(s, 17, 2), mm = digits_at(s, 20, 2), ss = digits_at(s, 23, 2);
  if (month == 12 || day < 1 || day > 31 || year < 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
      ss < 0 || ss > 60)
    return -1;
  const auto days = days_from_civil(year, month + 1, static_cast<unsigned>(day));
  return ((days * 24 + hh) * 60 + mm) * 60'000 + ss * 1000;
}

}  // namespace detail

// Retry-After as a delay in ms from `now`: delta-seconds or an HTTP-date. Nullopt when absent or
// unreadable (the backoff then decides alone).
inline std::optional<std::int64_t> parse_retry_after(std::string_view header, std::int64_t now_ms) {
  header = detail::trim_ows(header);
  const std::int64_t seconds =
      header.empty() || header.size() > 12 ? -1 : detail::digits_at(header, 0, header.size());
  if (seconds >= 0) return seconds * 1000;
  const std::int64_t at = detail::parse_http_date(header);
  if (at == -1) return std::nullopt;
  return std::max<std::int64_t>(0, at - now_ms);
}

// When to send a batch again after its `attempt`-th failed send.
inline std::int64_t retry_delay(const retry_policy& p, std::uint32_t attempt,
                                std::optional<std::int64_t> retry_after, random_source& random) {
  if (retry_after) return std::clamp<std::int64_t>(*retry_after, 0, p.max_retry_after_ms);
  return backoff_delay(p, attempt, random);
}

}  // namespace clickstream
