// Randomness is injected: tests pass a seeded generator and replay exactly; hosts seed one from the
// OS.
#pragma once

#include <cstdint>

namespace clickstream {

namespace detail {

// splitmix64: advances x and returns a well-mixed word (seeds the generator below; mixes hashes).
inline std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace detail

class random_source {
 public:
  virtual ~random_source() = default;
  virtual std::uint64_t next_u64() = 0;
};

// xoshiro256** seeded through splitmix64: fast, small state, good enough for ids and jitter
// (it is not a cryptographic generator; hosts that need one inject their own).
class seeded_random final : public random_source {
 public:
  explicit seeded_random(std::uint64_t seed) noexcept {
    for (auto& word : state_) word = detail::splitmix64(seed);
  }
  std::uint64_t next_u64() noexcept override {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4];
};

// Uniform in [0, bound) without modulo bias worth caring about for jitter (bound < 2^32).
inline std::uint64_t uniform_below(random_source& random, std::uint64_t bound) {
  return bound == 0 ? 0 : static_cast<std::uint64_t>((random.next_u64() >> 32) * bound >> 32);
}

}  // namespace clickstream
