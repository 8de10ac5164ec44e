// The outbox: events waiting to be sent, and the batches formed from them. Bounded by events and
// bytes; when full, the oldest event not on the wire goes first. O(1) per event pushed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clickstream {

// A first-in first-out sequence on one vector: amortized O(1) at both ends, and far less code
// than std::deque (which matters in the wasm build).
template <typename T>
class fifo {
 public:
  using iterator = typename std::vector<T>::iterator;
  using const_iterator = typename std::vector<T>::const_iterator;

  void push_back(T value) { items_.push_back(std::move(value)); }
  void pop_front() { erase(0, 1); }
  // n items from the at-th on; from the front in amortized O(1) per item.
  void erase(std::size_t at, std::size_t n) {
    if (at != 0) {
      const auto first = begin() + static_cast<std::ptrdiff_t>(at);
      items_.erase(first, first + static_cast<std::ptrdiff_t>(n));
      return;
    }
    head_ += n;
    // Compact once the dead front outweighs the live part: each element moves O(1) times.
    if (head_ >= 32 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }
  const T& operator[](std::size_t i) const { return items_[head_ + i]; }
  const T* data() const noexcept { return items_.data() + head_; }
  std::size_t size() const noexcept { return items_.size() - head_; }
  bool empty() const noexcept { return size() == 0; }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }
  iterator begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  const_iterator end() const { return items_.end(); }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

struct queue_limits {
  std::size_t max_events = 10'000;
  std::size_t max_bytes = 8 * 1024 * 1024;
  std::size_t batch_max_events = 50;
  // Kept under the 64 KiB keepalive/beacon budget by default, so any batch can leave with the page.
  std::size_t batch_max_bytes = 60 * 1024;
};

struct queued_event {
  std::uint64_t seq = 0;
  std::string body;
  std::int64_t enqueued_ms = 0;
};

// A request in the making. Its id and events never change once formed, so a resend is the same
// request and the ingest's write-once key stores it once. The events stay in the queue: a batch
// is a run of them, so forming, splitting and restoring one moves no event.
struct batch {
  std::string id;
  std::size_t events = 0;  // how many: the next run of the queue's batched events
  std::uint32_t attempts = 0;
  std::int64_t next_attempt_ms = 0;
  bool on_wire = false;
  std::uint64_t dropped_reported = 0;  // the queue-overflow count this request told the ingest
};

// A batch's events, oldest first.
struct event_run {
  const queued_event* first;
  std::size_t count;
  const queued_event* begin() const noexcept { return first; }
  const queued_event* end() const noexcept { return first + count; }
  const queued_event& front() const noexcept { return first[0]; }
  const queued_event& back() const noexcept { return first[count - 1]; }
};

class event_queue {
 public:
  explicit event_queue(queue_limits limits = {}) : limits_(limits) {}

  const queue_limits& limits() const noexcept { return limits_; }
  std::size_t size() const noexcept { return batched_.size() + ready_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  const fifo<queued_event>& ready() const noexcept { return ready_; }
  std::vector<batch>& batches() noexcept { return batches_; }
  const std::vector<batch>& batches() const noexcept { return batches_; }

  // The events of one of batches().
  event_run events(const batch& b) const noexcept {
    return {batched_.data() + offset(b), b.events};
  }
  // The request body: the events as a JSON array.
  std::string body(const batch& b) const {
    std::string out = "[";
    for (const auto& e : events(b)) {
      if (out.size() > 1) out += ',';
      out += e.body;
    }
    out += ']';
    return out;
  }
  std::vector<std::uint64_t> seqs(const batch& b) const {
    std::vector<std::uint64_t> out;
    for (const auto& e : events(b)) out.push_back(e.seq);
    return out;
  }

  // Adds an event; returns the seqs evicted to make room (oldest first, never one on the wire).
  std::vector<std::uint64_t> push(queued_event e) {
    bytes_ += e.body.size();
    ready_.push_back(std::move(e));
    std::vector<std::uint64_t> evicted;
    while ((size() > limits_.max_events || bytes_ > limits_.max_bytes) && size() > 1) {
      if (!evict_oldest(evicted)) break;
    }
    return evicted;
  }

  // Moves the oldest ready events into a new batch, within the batch caps (always at least one).
  batch& form_batch(std::string id, std::size_t max_bytes) {
    batch& b = adopt_batch(std::move(id));
    std::size_t body = 1;
    while (!ready_.empty() && b.events < limits_.batch_max_events) {
      const std::size_t next = body + ready_.front().body.size() + 1;
      if (b.events != 0 && next > max_bytes) break;
      body = next;
      batched_.push_back(std::move(ready_.front()));
      ready_.pop_front();
      ++b.events;
    }
    return b;
  }

  // Puts a batch back together from events loaded from storage (a restart mid-delivery): a new
  // last batch, which each adopt() then gives one more event.
  batch& adopt_batch(std::string id) {
    batches_.push_back({std::move(id)});
    return batches_.back();
  }
  void adopt(queued_event e) {
    bytes_ += e.body.size();
    batched_.push_back(std::move(e));
    ++batches_.back().events;
  }

  batch* find(std::string_view id) noexcept {
    for (auto& b : batches_)
      if (b.id == id) return &b;
    return nullptr;
  }

  // Removes a finished batch, one of batches() (the reference is not to be used afterwards);
  // returns its seqs so storage can reclaim them.
  std::vector<std::uint64_t> erase(batch& b) {
    auto out = seqs(b);
    for (const auto& e : events(b)) bytes_ -= e.body.size();
    batched_.erase(offset(b), b.events);
    batches_.erase(batches_.begin() + (&b - batches_.data()));
    return out;
  }

  // Replaces a batch, one of batches() (the reference is not to be used afterwards), by its two
  // halves, in place, so order is kept. The halves are new requests.
  void split(batch& b, std::string first_id, std::string second_id) {
    if (b.events < 2) return;
    const std::size_t at = static_cast<std::size_t>(&b - batches_.data());
    const std::size_t half = b.events / 2;
    batches_.push_back({std::move(second_id), b.events - half});
    batch& first = batches_[at];  // b may have moved with the vector
    first.events = half;
    first.id = std::move(first_id);
    first.attempts = 0;
    first.next_attempt_ms = 0;
    first.on_wire = false;
    // The second half goes right after the first (less code than vector::insert).
    for (std::size_t i = batches_.size() - 1; i > at + 1; --i)
      std::swap(batches_[i], batches_[i - 1]);
  }

  // Everything, on the wire or not; returns the seqs.
  std::vector<std::uint64_t> clear() {
    std::vector<std::uint64_t> seqs;
    for (const auto& e : batched_) seqs.push_back(e.seq);
    for (const auto& e : ready_) seqs.push_back(e.seq);
    batches_.clear();
    batched_.clear();
    ready_.clear();
    bytes_ = 0;
    return seqs;
  }

 private:
  std::size_t offset(const batch& b) const noexcept {
    std::size_t at = 0;
    for (const batch* p = batches_.data(); p != &b; ++p) at += p->events;
    return at;
  }

  bool evict_oldest(std::vector<std::uint64_t>& evicted) {
    // Batches hold older events than the ready queue (they were formed from its head), and the
    // first idle batch holds the oldest events that can still be given up.
    std::size_t at = 0;
    for (auto it = batches_.begin(); it != batches_.end(); at += it->events, ++it) {
      if (it->on_wire || it->events == 0) continue;
      const auto& e = batched_[at];
      if (!ready_.empty() && ready_.front().seq < e.seq) break;
      evicted.push_back(e.seq);
      bytes_ -= e.body.size();
      batched_.erase(at, 1);
      if (--it->events == 0) batches_.erase(it);
      return true;
    }
    if (ready_.size() <= 1) return false;
    evicted.push_back(ready_.front().seq);
    bytes_ -= ready_.front().body.size();
    ready_.pop_front();
    return true;
  }

  queue_limits limits_;
  fifo<queued_event> ready_;
  fifo<queued_event> batched_;  // every batch's events, batch after batch in batches_' order
  std::vector<batch> batches_;  // a handful at most: in flight, waiting for a retry
  std::size_t bytes_ = 0;
};

}  // namespace clickstream
