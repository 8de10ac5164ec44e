// UTF-8 decoding shared by the writer (which repairs) and the validator (which refuses).
#pragma once

#include <cstddef>
#include <string_view>

namespace clickstream::detail {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid (overlong forms,
// surrogates and code points past U+10FFFF are invalid).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  if (b0 < 0xC2 || b0 > 0xF4) return 0;
  const std::size_t n = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  if (n > s.size() - i) return 0;
  // The allowed range of the second byte: narrower after E0 and F0 (overlong forms), ED
  // (surrogates) and F4 (past U+10FFFF); every later byte is a plain continuation byte.
  unsigned lo = b0 == 0xE0 ? 0xA0 : b0 == 0xF0 ? 0x90 : 0x80;
  unsigned hi = b0 == 0xED ? 0x9F : b0 == 0xF4 ? 0x8F : 0xBF;
  for (std::size_t k = 1; k < n; ++k, lo = 0x80, hi = 0xBF) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) return 0;
  }
  return n;
}

}  // namespace clickstream::detail
