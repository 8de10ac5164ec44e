// The browser artefact's allocator (-sMALLOC=none): blocks in power-of-two size classes, each
// freed block kept on its class's list for the next allocation of that class. A tenth of
// emmalloc's code, at the price of up to half of each block unused and no coalescing: a class
// keeps as many blocks as it ever held at once. The tracker's heap is a bounded queue of events
// plus small strings whose sizes recur, so blocks are reused rather than added (docs/size.md).
#include <emscripten/heap.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" unsigned char __heap_base;

namespace {

// The header keeps the payload 16-aligned, as malloc must (alignof(max_align_t)).
constexpr std::size_t header = 16;

struct free_block {
  free_block* next;
};

free_block* free_lists[32];

// Set at the first allocation: static constructors allocate, so this cannot wait for one.
std::uintptr_t heap_end;

// Fresh memory at the end of the heap; emscripten_resize_heap grows the memory and tells the host,
// whose views of it are then stale.
void* grow_heap(std::size_t n) {
  if (!heap_end)
    heap_end = (reinterpret_cast<std::uintptr_t>(&__heap_base) + 15) & ~std::uintptr_t{15};
  if (heap_end + n > emscripten_get_heap_size() && !emscripten_resize_heap(heap_end + n))
    return nullptr;
  void* block = reinterpret_cast<void*>(heap_end);
  heap_end += n;
  return block;
}

// The smallest class whose blocks hold n bytes and the header: 2^class bytes, 32 at least.
unsigned class_of(std::size_t n) {
  unsigned c = 5;
  while ((std::size_t{1} << c) - header < n) ++c;
  return c;
}

unsigned& class_tag(void* payload) {
  return *reinterpret_cast<unsigned*>(static_cast<char*>(payload) - header);
}

}  // namespace

extern "C" {

void* malloc(std::size_t n) {
  if (n > (std::size_t{1} << 30)) return nullptr;
  const unsigned c = class_of(n);
  void* block = free_lists[c];
  if (block) {
    free_lists[c] = free_lists[c]->next;
  } else {
    block = grow_heap(std::size_t{1} << c);
    if (!block) return nullptr;
  }
  void* payload = static_cast<char*>(block) + header;
  class_tag(payload) = c;
  return payload;
}

void free(void* payload) {
  if (!payload) return;
  const unsigned c = class_tag(payload);
  auto* block = reinterpret_cast<free_block*>(static_cast<char*>(payload) - header);
  block->next = free_lists[c];
  free_lists[c] = block;
}

void* realloc(void* payload, std::size_t n) {
  if (!payload) return malloc(n);
  const std::size_t room = (std::size_t{1} << class_tag(payload)) - header;
  if (n <= room) return payload;
  void* moved = malloc(n);
  if (moved) {
    std::memcpy(moved, payload, room);
    free(payload);
  }
  return moved;
}

void* calloc(std::size_t count, std::size_t size) {
  if (size && count > static_cast<std::size_t>(-1) / size) return nullptr;
  void* p = malloc(count * size);
  if (p) std::memset(p, 0, count * size);
  return p;
}
}
