// The native client: a tracker, a transport and one background sender thread.
//
// Calls (track, page_view, ...) run the tracker on the caller's thread under a mutex: the event is
// built, validated and appended to storage before the call returns. The sender thread sleeps on a
// condition variable until the tracker's next_wakeup() (or a call that brings it forward), takes
// the next request under the mutex, and sends it with the mutex released, so a slow endpoint never
// blocks track(). One request is on the wire at a time (config::max_in_flight above 1 has no
// effect here: batches go out in order).
//
// shutdown(deadline) flushes and keeps sending until nothing is pending or the deadline passes.
// With the default curl transport a request still running at the deadline is aborted; a custom
// transport should bound its own calls, since shutdown waits for the one in progress. Events not
// delivered stay in the storage: a client started later on the same storage sends them.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "../tracker.hpp"
#include "curl_transport.hpp"
#include "system.hpp"

namespace clickstream::native {

struct client_options {
  // Sends one request and returns its outcome (status 0 for no HTTP answer). Called on the sender
  // thread only. Empty: a curl_transport configured by `curl`.
  std::function<response(const request&)> transport;
  curl_options curl;
  // Injected time and randomness (tests); nullptr: the system clock and OS-seeded randomness.
  clock* clk = nullptr;
  random_source* rnd = nullptr;
  // Observes every request and its outcome, on the sender thread, without the client's lock held
  // (it may call track(), but not shutdown(): the sender cannot wait for itself).
  std::function<void(const request&, const response&)> on_response;
  // What the destructor gives shutdown().
  std::chrono::milliseconds shutdown_deadline{2000};
};

class client {
 public:
  // Loads what `store` kept from an earlier run and starts the sender. `store` must outlive the
  // client and must not be used by anything else meanwhile.
  client(config cfg, storage& store, client_options options = {})
      : options_(std::move(options)),
        own_clock_(options_.clk ? nullptr : std::make_unique<system_clock>()),
        own_random_(options_.rnd ? nullptr : std::make_unique<os_random>()),
        curl_(options_.transport ? nullptr : std::make_unique<curl_transport>(options_.curl)),
        clock_(options_.clk ? *options_.clk : *own_clock_),
        tracker_(std::move(cfg), clock_, options_.rnd ? *options_.rnd : *own_random_, store) {
    if (curl_) options_.transport = [c = curl_.get()](const request& r) { return c->post(r); };
    worker_ = std::thread([this] { run(); });
  }

  client(const client&) = delete;
  client& operator=(const client&) = delete;

  ~client() { shutdown(options_.shutdown_deadline); }

  track_result track(std::string_view event_name, const json& properties = json::object()) {
    return call([&] { return tracker_.track(event_name, properties); });
  }
  track_result page_view(page_context page, const json& properties = json::object()) {
    return call([&] { return tracker_.page_view(std::move(page), properties); });
  }
  void identify(std::string_view user_id, std::string_view identity_source = {}) {
    call([&] { tracker_.identify(user_id, identity_source); });
  }
  void reset() {
    call([&] { tracker_.reset(); });
  }
  void set_consent(consent c) {
    call([&] { tracker_.set_consent(c); });
  }
  // Sends everything queued now, without waiting for flush_at or the interval (backoff still
  // holds).
  void flush() {
    call([&] { tracker_.flush(); });
  }

  // Flushes, then sends until nothing is pending or `deadline` has passed, and stops the sender.
  // Returns the events left undelivered (kept in storage for the next start). Later calls return
  // at once; events tracked after shutdown are stored but not sent.
  std::size_t shutdown(std::chrono::milliseconds deadline) {
    const std::lock_guard<std::mutex> once(shutdown_mutex_);
    if (worker_.joinable()) {
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        tracker_.flush();
        stopping_ = true;
        deadline_ = std::chrono::steady_clock::now() + deadline;
        kick_ = true;
      }
      if (curl_) curl_->abort_at(deadline_);
      wake_.notify_one();
      worker_.join();
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    return tracker_.pending();
  }

  std::size_t pending() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return tracker_.pending();
  }
  stats counters() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return tracker_.counters();
  }
  std::vector<notification> take_notifications() {
    return call([&] { return tracker_.take_notifications(); });
  }

 private:
  static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

  // Runs a tracker call under the lock, then wakes the sender if the call brought its wakeup
  // forward (most track() calls do not, and cost no context switch).
  template <class F>
  std::invoke_result_t<F&> call(F&& f) {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto notify_if_sooner = [&] {
      if (tracker_.next_wakeup() >= sleeping_until_) return;
      kick_ = true;
      lock.unlock();
      wake_.notify_one();
    };
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
      f();
      notify_if_sooner();
    } else {
      auto result = f();
      notify_if_sooner();
      return result;
    }
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      const bool out_of_time = stopping_ && std::chrono::steady_clock::now() >= deadline_;
      if (stopping_ && (tracker_.pending() == 0 || out_of_time)) return;
      if (auto req = tracker_.next_request()) {
        sleeping_until_ = std::numeric_limits<std::int64_t>::min();  // busy: no need to wake it
        lock.unlock();
        const response res = send(*req);
        lock.lock();
        tracker_.on_response(req->batch_id, res);
        continue;
      }
      const std::int64_t wake = tracker_.next_wakeup();
      // Nothing can become sendable without a new call (consent pending, say): stop now.
      if (stopping_ && wake == never) return;
      sleeping_until_ = wake;
      kick_ = false;
      const auto ready = [this] { return kick_; };
      if (wake == never) {
        wake_.wait(lock, ready);
        continue;
      }
      // At least 1 ms, so a wakeup that is already due but not yet sendable cannot spin; at most a
      // day, so the time_point arithmetic cannot overflow; the loop then looks again.
      const std::int64_t delay = std::clamp<std::int64_t>(wake - clock_.now_ms(), 1, 86'400'000);
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
      if (stopping_) until = std::min(until, deadline_);
      wake_.wait_until(lock, until, ready);
    }
  }

  // A throwing transport must not kill the sender: it counts as a network error.
  response send(const request& req) {
    response res;
    try {
      res = options_.transport(req);
    } catch (...) {
      res = response{};
    }
    if (options_.on_response) {
      try {
        options_.on_response(req, res);
      } catch (...) {  // an observer's failure is not the delivery's
      }
    }
    return res;
  }

  client_options options_;
  std::unique_ptr<system_clock> own_clock_;
  std::unique_ptr<os_random> own_random_;
  std::unique_ptr<curl_transport> curl_;
  clock& clock_;
  mutable std::mutex mutex_;  // guards the tracker and everything below it
  tracker tracker_;
  std::condition_variable wake_;
  bool kick_ = false;
  bool stopping_ = false;
  std::int64_t sleeping_until_ = std::numeric_limits<std::int64_t>::min();
  std::chrono::steady_clock::time_point deadline_{};
  std::mutex shutdown_mutex_;
  std::thread worker_;
};

}  // namespace clickstream::native
