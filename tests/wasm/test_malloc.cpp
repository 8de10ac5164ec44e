// wasm/malloc.cpp, the browser artefact's allocator, tested directly (this suite runs on it).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

// This program, unlike the standalone artefact, has Emscripten's JS glue, which calls the libc
// allocator by these names.
extern "C" {
void* __libc_malloc(std::size_t n) { return std::malloc(n); }
void* __libc_calloc(std::size_t count, std::size_t size) { return std::calloc(count, size); }
void __libc_free(void* p) { std::free(p); }
void* emscripten_builtin_malloc(std::size_t n) { return std::malloc(n); }
}

TEST_CASE("malloc: 16-aligned blocks that hold what was asked, reused once freed") {
  std::vector<void*> blocks;
  for (std::size_t n : {0, 1, 15, 16, 17, 100, 4096, 70000}) {
    void* p = std::malloc(n);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % 16 == 0);
    std::memset(p, 0xab, n);
    blocks.push_back(p);
  }
  void* freed = blocks[5];
  std::free(freed);
  CHECK(std::malloc(90) == freed);  // the same size class
  for (std::size_t i = 0; i < blocks.size(); ++i)
    if (i != 5) std::free(blocks[i]);
  std::free(freed);
  std::free(nullptr);
}

TEST_CASE("realloc keeps the contents, in place while the block has room") {
  auto* p = static_cast<char*>(std::malloc(20));
  std::memcpy(p, "0123456789abcdefghi", 20);
  CHECK(std::realloc(p, 40) == p);  // 20 and 40 share the 64-byte class
  auto* q = static_cast<char*>(std::realloc(p, 5000));
  REQUIRE(q != nullptr);
  CHECK(std::memcmp(q, "0123456789abcdefghi", 20) == 0);
  std::free(q);
  auto* r = static_cast<char*>(std::realloc(nullptr, 8));
  REQUIRE(r != nullptr);
  std::free(r);
}

TEST_CASE("calloc zeroes a reused block and refuses an overflowing size") {
  auto* p = static_cast<unsigned char*>(std::malloc(200));
  std::memset(p, 0xff, 200);
  std::free(p);
  auto* z = static_cast<unsigned char*>(std::calloc(50, 4));
  REQUIRE(z == p);
  for (int i = 0; i < 200; ++i) CHECK_UNARY(z[i] == 0);
  std::free(z);
  CHECK(std::calloc(SIZE_MAX / 2, 4) == nullptr);
}

TEST_CASE("the heap grows past the initial memory; an impossible size gives nullptr") {
  // 48 MB in 1 MB blocks: past the 16 MB the module starts with.
  std::vector<unsigned char*> blocks;
  for (int i = 0; i < 48; ++i) {
    auto* p = static_cast<unsigned char*>(std::malloc(1 << 20));
    REQUIRE(p != nullptr);
    std::memset(p, i, 1 << 20);
    blocks.push_back(p);
  }
  for (int i = 0; i < 48; ++i) {
    CHECK(blocks[i][0] == i);
    CHECK(blocks[i][(1 << 20) - 1] == i);
    std::free(blocks[i]);
  }
  CHECK(std::malloc(SIZE_MAX - 8) == nullptr);
  CHECK(std::malloc(std::size_t{3} << 30) == nullptr);
}
