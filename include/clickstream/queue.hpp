// The outbox: events waiting to be sent, and the batches formed from them. Bounded by events and
// bytes; when full, the oldest event not on the wire goes first. O(1) per event pushed.
#pragma once

#include <cstdint>
#include <string>
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
  void pop_front() {
    ++head_;
    // Compact once the dead front outweighs the live part: each element moves O(1) times.
    if (head_ >= 32 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }
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
// request and the ingest's write-once key stores it once.
struct batch {
  std::string id;
  std::vector<queued_event> events;
  std::uint32_t attempts = 0;
  std::int64_t next_attempt_ms = 0;
  bool on_wire = false;
  std::uint64_t dropped_reported = 0;  // the queue-overflow count this request told the ingest

  std::size_t body_bytes() const noexcept {
    std::size_t n = 2 + (events.empty() ? 0 : events.size() - 1);
    for (const auto& e : events) n += e.body.size();
    return n;
  }
  std::string body() const {
    std::string out;
    out.reserve(body_bytes());
    out.push_back('[');
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (i) out.push_back(',');
      out.append(events[i].body);
    }
    out.push_back(']');
    return out;
  }
  std::vector<std::uint64_t> seqs() const {
    std::vector<std::uint64_t> out;
    out.reserve(events.size());
    for (const auto& e : events) out.push_back(e.seq);
    return out;
  }
};

class event_queue {
 public:
  explicit event_queue(queue_limits limits = {}) : limits_(limits) {}

  const queue_limits& limits() const noexcept { return limits_; }
  std::size_t size() const noexcept { return count_; }
  std::size_t bytes() const noexcept { return bytes_; }
  const fifo<queued_event>& ready() const noexcept { return ready_; }
  std::vector<batch>& batches() noexcept { return batches_; }
  const std::vector<batch>& batches() const noexcept { return batches_; }

  // Adds an event; returns the seqs evicted to make room (oldest first, never one on the wire).
  std::vector<std::uint64_t> push(queued_event e) {
    count_ += 1;
    bytes_ += e.body.size();
    ready_.push_back(std::move(e));
    std::vector<std::uint64_t> evicted;
    while ((count_ > limits_.max_events || bytes_ > limits_.max_bytes) && count_ > 1) {
      if (!evict_oldest(evicted)) break;
    }
    return evicted;
  }

  // Moves the oldest ready events into a new batch, within the batch caps (always at least one).
  batch& form_batch(std::string id, std::size_t max_bytes) {
    batch b;
    b.id = std::move(id);
    std::size_t body = 1;
    while (!ready_.empty() && b.events.size() < limits_.batch_max_events) {
      const std::size_t next = body + ready_.front().body.size() + 1;
      if (!b.events.empty() && next > max_bytes) break;
      body = next;
      b.events.push_back(std::move(ready_.front()));
      ready_.pop_front();
    }
    batches_.push_back(std::move(b));
    return batches_.back();
  }

  // Puts a batch back together with events loaded from storage (a restart mid-delivery).
  batch& adopt_batch(batch b) {
    for (const auto& e : b.events) {
      count_ += 1;
      bytes_ += e.body.size();
    }
    batches_.push_back(std::move(b));
    return batches_.back();
  }

  batch* find(std::string_view id) noexcept {
    for (auto& b : batches_)
      if (b.id == id) return &b;
    return nullptr;
  }

  // Removes a finished batch; returns its seqs so storage can reclaim them.
  std::vector<std::uint64_t> erase(std::string_view id) {
    for (auto it = batches_.begin(); it != batches_.end(); ++it) {
      if (it->id != id) continue;
      auto seqs = it->seqs();
      forget(*it);
      batches_.erase(it);
      return seqs;
    }
    return {};
  }

  // Replaces a batch by its two halves, in place, so order is kept. The halves are new requests.
  void split(std::string_view id, std::string first_id, std::string second_id) {
    for (auto it = batches_.begin(); it != batches_.end(); ++it) {
      if (it->id != id || it->events.size() < 2) continue;
      const auto middle = it->events.begin() + static_cast<std::ptrdiff_t>(it->events.size() / 2);
      batch second;
      second.id = std::move(second_id);
      second.events.assign(std::make_move_iterator(middle),
                           std::make_move_iterator(it->events.end()));
      it->events.erase(middle, it->events.end());
      it->id = std::move(first_id);
      it->attempts = 0;
      it->next_attempt_ms = 0;
      it->on_wire = false;
      batches_.insert(it + 1, std::move(second));
      return;
    }
  }

  // Everything, on the wire or not; returns the seqs.
  std::vector<std::uint64_t> clear() {
    std::vector<std::uint64_t> seqs;
    for (const auto& b : batches_)
      for (const auto& e : b.events) seqs.push_back(e.seq);
    for (const auto& e : ready_) seqs.push_back(e.seq);
    batches_.clear();
    ready_.clear();
    count_ = 0;
    bytes_ = 0;
    return seqs;
  }

 private:
  void forget(const batch& b) noexcept {
    for (const auto& e : b.events) {
      count_ -= 1;
      bytes_ -= e.body.size();
    }
  }

  bool evict_oldest(std::vector<std::uint64_t>& evicted) {
    // Batches hold older events than the ready queue (they were formed from its head), and the
    // first idle batch holds the oldest events that can still be given up.
    for (auto it = batches_.begin(); it != batches_.end(); ++it) {
      if (it->on_wire || it->events.empty()) continue;
      const auto& e = it->events.front();
      if (!ready_.empty() && ready_.front().seq < e.seq) break;
      evicted.push_back(e.seq);
      count_ -= 1;
      bytes_ -= e.body.size();
      it->events.erase(it->events.begin());
      if (it->events.empty()) batches_.erase(it);
      return true;
    }
    if (ready_.size() <= 1) return false;
    evicted.push_back(ready_.front().seq);
    count_ -= 1;
    bytes_ -= ready_.front().body.size();
    ready_.pop_front();
    return true;
  }

  queue_limits limits_;
  fifo<queued_event> ready_;
  std::vector<batch> batches_;  // a handful at most: in flight, waiting for a retry
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace clickstream
