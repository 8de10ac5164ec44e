// Identifiers: UUIDv7 for events and batches (time-ordered, so storage and warehouses index them
// well), UUIDv4 for install ids, UUIDv8 named ids for sessions. RFC 9562.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "random.hpp"

namespace clickstream {

using uuid = std::array<std::uint8_t, 16>;

namespace detail {

inline void set_version_and_variant(uuid& id, std::uint8_t version) noexcept {
  id[6] = static_cast<std::uint8_t>((id[6] & 0x0F) | (version << 4));
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3F) | 0x80);
}

inline void put_u64(std::uint8_t* out, std::uint64_t value, int bytes) noexcept {
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(value);
    value >>= 8;
  }
}

}  // namespace detail

inline constexpr std::size_t uuid_chars = 36;

// "0190b7e2-...": lower-case, written to out[0..36).
inline void format_uuid_to(char* out, const uuid& id) noexcept {
  constexpr char hex[] = "0123456789abcdef";
  std::size_t pos = 0;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) out[pos++] = '-';
    out[pos++] = hex[id[i] >> 4];
    out[pos++] = hex[id[i] & 0x0F];
  }
}

inline std::string to_string(const uuid& id) {
  std::string out(uuid_chars, '-');
  format_uuid_to(&out[0], id);
  return out;
}

inline uuid uuid_v4(random_source& random) {
  uuid id{};
  detail::put_u64(id.data(), random.next_u64(), 8);
  detail::put_u64(id.data() + 8, random.next_u64(), 8);
  detail::set_version_and_variant(id, 4);
  return id;
}

// A UUID named by `name` (RFC 9562 version 8, vendor-specific): the same name gives the same id
// wherever it is made, with no coordination. Two seeded FNV-1a hashes of the name, each mixed
// through splitmix64, fill the 122 bits.
inline uuid uuid_v8_named(std::string_view name) noexcept {
  const auto hash = [name](std::uint64_t h) {
    for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
    return detail::splitmix64(h);
  };
  uuid id{};
  detail::put_u64(id.data(), hash(0xCBF29CE484222325ULL), 8);
  detail::put_u64(id.data() + 8, hash(0x84222325CBF29CE4ULL), 8);
  detail::set_version_and_variant(id, 8);
  return id;
}

// UUIDv7 with RFC 9562 §6.2 method 2: inside one millisecond (or when the clock steps back) the 74
// random bits act as a counter advanced by a random step, so ids from one generator strictly
// increase.
class uuid_v7_generator {
 public:
  uuid next(std::int64_t now_ms, random_source& random) {
    auto ms = static_cast<std::uint64_t>(now_ms < 0 ? 0 : now_ms) & 0xFFFF'FFFF'FFFFULL;
    if (ms > last_ms_ || !started_) {
      last_ms_ = ms;
      // The top bit of the counter starts clear, leaving room for at least 2^61 increments.
      rand_a_ = static_cast<std::uint16_t>(random.next_u64() & 0x7FF);
      rand_b_ = random.next_u64() & 0x3FFF'FFFF'FFFF'FFFFULL;
      started_ = true;
    } else {
      rand_b_ += 1 + (random.next_u64() & 0xFFFF'FFFFULL);
      if (rand_b_ > 0x3FFF'FFFF'FFFF'FFFFULL) {
        rand_b_ &= 0x3FFF'FFFF'FFFF'FFFFULL;
        if (++rand_a_ > 0xFFF) {
          // Counter exhausted: borrow the next millisecond, as the RFC allows.
          ++last_ms_;
          rand_a_ = 0;
        }
      }
    }
    // 48 bits of milliseconds, rand_a under the version, rand_b under the variant.
    uuid id{};
    detail::put_u64(id.data(), (last_ms_ << 16) | rand_a_, 8);
    detail::put_u64(id.data() + 8, rand_b_, 8);
    detail::set_version_and_variant(id, 7);
    return id;
  }

 private:
  std::uint64_t last_ms_ = 0;
  std::uint16_t rand_a_ = 0;
  std::uint64_t rand_b_ = 0;
  bool started_ = false;
};

}  // namespace clickstream
