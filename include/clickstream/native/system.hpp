// The operating system's clock and entropy, behind the core's `clock` and `random_source`
// interfaces, for native hosts. Neither class is synchronized: the client uses them under its lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "../clock.hpp"
#include "../random.hpp"

namespace clickstream::native {

// Wall-clock time (event timestamps must be real UTC); timers built on it tolerate steps because
// the client re-reads it after every wait.
class system_clock final : public clock {
 public:
  std::int64_t now_ms() override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

// Seeded once from std::random_device (the OS entropy pool on Linux), then xoshiro256**: ids and
// jitter need uniqueness, not secrecy, and a syscall per id would dominate track().
class os_random final : public random_source {
 public:
  os_random() : rng_(seed()) {}
  std::uint64_t next_u64() noexcept override { return rng_.next_u64(); }

 private:
  static std::uint64_t seed() {
    std::random_device device;
    // random_device yields 32 bits per call.
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }
  seeded_random rng_;
};

}  // namespace clickstream::native
