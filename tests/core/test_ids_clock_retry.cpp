#include <doctest/doctest.h>

#include <clickstream/contract.hpp>
#include <clickstream/ids.hpp>
#include <clickstream/retry.hpp>

#include <set>
#include <string>

using namespace clickstream;

namespace {

std::uint64_t timestamp_of(const uuid& id) {
  std::uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | id[i];
  return ms;
}

// Always returns the same value: the worst case for a counter inside one millisecond.
class constant_random final : public random_source {
 public:
  explicit constant_random(std::uint64_t v) : v_(v) {}
  std::uint64_t next_u64() override { return v_; }

 private:
  std::uint64_t v_;
};

}  // namespace

TEST_CASE("uuid v7: version, variant and timestamp bits") {
  seeded_random random(1);
  uuid_v7_generator gen;
  const auto id = gen.next(1764861825123, random);
  CHECK((id[6] >> 4) == 7);
  CHECK((id[8] & 0xC0) == 0x80);
  CHECK(timestamp_of(id) == 1764861825123ULL);
  const auto text = to_string(id);
  CHECK(text.size() == 36);
  CHECK(contract::is_uuid(text));
  CHECK(text[14] == '7');
  CHECK(text.substr(0, 13) == "019ae9f6-5063");
}

TEST_CASE("uuid v7: strictly increasing inside one millisecond, 1,000,000 without collision") {
  seeded_random random(7);
  uuid_v7_generator gen;
  uuid previous = gen.next(1000, random);
  std::size_t not_increasing = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    // Half the ids share one millisecond, then time moves in small steps.
    const uuid id = gen.next(1000 + (i > 500'000 ? (i - 500'000) / 1000 : 0), random);
    if (!(previous < id)) ++not_increasing;
    CHECK_FALSE((id[6] >> 4) != 7);
    previous = id;
  }
  // Strictly increasing means all 1,000,001 are distinct.
  CHECK(not_increasing == 0);
}

TEST_CASE("uuid v7: still increasing when the clock steps back or the counter runs out") {
  constant_random random(~0ULL);  // largest random steps: exhausts the counter fastest
  uuid_v7_generator gen;
  uuid previous = gen.next(5000, random);
  for (int i = 0; i < 20'000; ++i) {
    const uuid id = gen.next(i % 2 ? 4000 : 5000, random);  // clock jumps back and forth
    REQUIRE(previous < id);
    previous = id;
  }
  CHECK(timestamp_of(previous) >= 5000);
}

TEST_CASE("uuid v4: version and variant bits, distinct") {
  seeded_random random(3);
  const auto a = uuid_v4(random);
  const auto b = uuid_v4(random);
  CHECK((a[6] >> 4) == 4);
  CHECK((a[8] & 0xC0) == 0x80);
  CHECK(a != b);
}

TEST_CASE("uuid v8 named: version and variant bits, one id per name, 100,000 without collision") {
  const auto a = uuid_v8_named("client-a/1/");
  CHECK((a[6] >> 4) == 8);
  CHECK((a[8] & 0xC0) == 0x80);
  CHECK(a == uuid_v8_named("client-a/1/"));
  CHECK(contract::is_uuid(to_string(a)));
  std::set<std::string> seen;
  for (int i = 0; i < 100'000; ++i) seen.insert(to_string(uuid_v8_named("c/" + std::to_string(i))));
  CHECK(seen.size() == 100'000);
  CHECK(to_string(uuid_v8_named("")) != to_string(uuid_v8_named("/")));
}

TEST_CASE("timestamps: ISO 8601 UTC with milliseconds") {
  CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_timestamp(1764861825123) == "2025-12-04T15:23:45.123Z");
  CHECK(format_timestamp(1709164800000) == "2024-02-29T00:00:00.000Z");
  CHECK(format_timestamp(253402300799999) == "9999-12-31T23:59:59.999Z");
  CHECK(format_timestamp(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_timestamp(-100'000'000'000'000) == "0000-01-01T00:00:00.000Z");
  CHECK(format_timestamp(300'000'000'000'000) == "9999-12-31T23:59:59.999Z");
  seeded_random random(9);
  for (int i = 0; i < 10'000; ++i) {
    const auto ms = static_cast<std::int64_t>(random.next_u64() % 253402300799999ULL);
    REQUIRE(contract::parse_timestamp(format_timestamp(ms)) == ms);
  }
}

TEST_CASE("retry: the response taxonomy") {
  CHECK(classify(200) == outcome::delivered);
  CHECK(classify(204) == outcome::delivered);
  CHECK(classify(299) == outcome::delivered);
  CHECK(classify(400) == outcome::dropped);
  CHECK(classify(401) == outcome::dropped);
  CHECK(classify(403) == outcome::dropped);
  CHECK(classify(404) == outcome::dropped);
  CHECK(classify(422) == outcome::dropped);
  CHECK(classify(413) == outcome::split);
  CHECK(classify(0) == outcome::retry);
  CHECK(classify(408) == outcome::retry);
  CHECK(classify(425) == outcome::retry);
  CHECK(classify(429) == outcome::retry);
  CHECK(classify(500) == outcome::retry);
  CHECK(classify(502) == outcome::retry);
  CHECK(classify(503) == outcome::retry);
  CHECK(classify(504) == outcome::retry);
  CHECK(classify(301) == outcome::retry);
  CHECK(classify(100) == outcome::retry);
}

TEST_CASE("retry: jittered exponential backoff with a cap") {
  retry_policy p;
  p.base_delay_ms = 1000;
  p.max_delay_ms = 30'000;
  seeded_random random(5);
  for (std::uint32_t attempt = 1; attempt <= 12; ++attempt) {
    const std::int64_t step = std::min<std::int64_t>(1000LL << (attempt - 1), 30'000);
    std::int64_t lo = step, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto d = backoff_delay(p, attempt, random);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    CAPTURE(attempt);
    CHECK(lo >= step / 2);
    CHECK(hi <= step);
    CHECK(hi - lo > step / 4);  // jitter actually spreads
  }
  CHECK(backoff_delay(p, 1'000'000, random) <= 30'000);
}

TEST_CASE("retry: Retry-After as seconds or an HTTP-date, honoured and clamped") {
  const std::int64_t now = 784'111'777'000;  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(parse_retry_after("120", now) == 120'000);
  CHECK(parse_retry_after(" 0 ", now) == 0);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) == 10'000);
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now) == 0);
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("-5", now));
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("Sun, 06 Foo 1994 08:49:47 GMT", now));
  CHECK_FALSE(parse_retry_after("99999999999999999999", now));
  retry_policy p;
  seeded_random random(1);
  CHECK(retry_delay(p, 1, std::int64_t{7000}, random) == 7000);
  CHECK(retry_delay(p, 1, std::int64_t{999'999'999}, random) == p.max_retry_after_ms);
  const auto d = retry_delay(p, 3, std::nullopt, random);
  CHECK(d >= 2000);
  CHECK(d <= 4000);
}
