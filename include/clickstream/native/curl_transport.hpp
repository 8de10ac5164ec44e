// HTTP for native hosts: POSTs a tracker request with libcurl and reports the outcome as a
// `response` (status 0 for anything that got no HTTP answer: refused, DNS, TLS, timeout, abort).
//
// libcurl's global state: curl_global_init runs once per process, on the first curl_transport,
// behind a function-local static (so concurrent first constructions are safe). It is never cleaned
// up, since other code in the process may still be using libcurl. An application that uses libcurl
// itself on other threads should call curl_global_init before starting them, unless its libcurl is
// built thread-safe (CURL_VERSION_THREADSAFE, the default since 7.84).
//
// One curl_transport is used by one thread at a time (the client's sender thread); only abort_at()
// may be called from another thread.
#pragma once

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "../tracker.hpp"

namespace clickstream::native {

struct curl_options {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{15000};  // the whole request, connection included
  // A CORS-simple type (no preflight in browsers); the ingest accepts application/json too.
  std::string content_type = "text/plain;charset=UTF-8";
  std::string user_agent = "clickstream-cpp/0.1.0";
  // The ingest answers with a small JSON summary; anything past this is not kept.
  std::size_t max_response_bytes = 64 * 1024;
};

namespace detail {

inline bool curl_ready() {
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  return init == CURLE_OK;
}

inline bool iequals_prefix(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c =
        text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace detail

class curl_transport {
 public:
  explicit curl_transport(curl_options options = {}) : s_(std::make_unique<state>()) {
    s_->max_body = options.max_response_bytes;
    if (!detail::curl_ready()) {
      s_->error = "curl_global_init failed";
      return;
    }
    s_->easy = curl_easy_init();
    s_->multi = curl_multi_init();
    if (!s_->easy || !s_->multi) {
      s_->error = "cannot create a libcurl handle";
      return;
    }
    s_->headers = curl_slist_append(s_->headers, ("Content-Type: " + options.content_type).c_str());
    // No "Expect: 100-continue" round trip before large bodies.
    s_->headers = curl_slist_append(s_->headers, "Expect:");
    CURL* h = s_->easy;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: we run on a thread
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85 replaced the bitmask option with a string one
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, s_->headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s_->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &state::on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s_.get());
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &state::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, s_.get());
  }

  // Sends one request on the kept-alive connection (libcurl reconnects when the server closed it).
  response post(const request& req) {
    response r;
    state& s = *s_;
    if (!s.easy || !s.multi) return r;
    s.body.clear();
    s.retry_after.clear();
    s.errbuf[0] = '\0';
    CURL* h = s.easy;
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    // The multi interface rather than curl_easy_perform: its poll can be woken, so abort_at()
    // takes effect at once instead of at libcurl's next progress tick.
    curl_multi_add_handle(s.multi, h);
    CURLcode result = CURLE_OK;
    bool aborted = false;
    for (int running = 1; running;) {
      if (curl_multi_perform(s.multi, &running) != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
      if (!running) break;
      const auto left = s.abort_ns.load() - now_ns();
      if (left <= 0) {
        aborted = true;
        break;
      }
      const auto wait_ms = static_cast<int>(std::min<std::int64_t>(left / 1'000'000 + 1, 1000));
      if (curl_multi_poll(s.multi, nullptr, 0, wait_ms, nullptr) != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(s.multi, &queued)) {
      if (msg->msg == CURLMSG_DONE) result = msg->data.result;
    }
    curl_multi_remove_handle(s.multi, h);
    if (aborted) {
      s.error = "aborted: shutdown deadline";
      return r;
    }
    if (result != CURLE_OK) {
      s.error = s.errbuf[0] ? s.errbuf : curl_easy_strerror(result);
      return r;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
    r.retry_after = std::move(s.retry_after);
    r.body = std::move(s.body);
    return r;
  }

  // From any thread: a transfer still running at `at` (and any started after it) ends at once
  // with status 0. The client uses it to keep shutdown within its deadline.
  void abort_at(std::chrono::steady_clock::time_point at) noexcept {
    s_->abort_ns.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count());
    if (s_->multi) curl_multi_wakeup(s_->multi);
  }

  // Why the last post() got no HTTP response.
  const std::string& last_error() const noexcept { return s_->error; }

 private:
  // On the heap so the handles' callback pointers stay valid when the transport moves.
  struct state {
    CURL* easy = nullptr;
    CURLM* multi = nullptr;
    curl_slist* headers = nullptr;
    char errbuf[CURL_ERROR_SIZE] = {};
    std::string body;
    std::string retry_after;
    std::string error;
    std::size_t max_body = 0;
    std::atomic<std::int64_t> abort_ns{std::numeric_limits<std::int64_t>::max()};

    state() = default;
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() {
      if (multi) curl_multi_cleanup(multi);
      if (easy) curl_easy_cleanup(easy);
      curl_slist_free_all(headers);
    }

    static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self) {
      auto* s = static_cast<state*>(self);
      const std::size_t bytes = size * n;
      s->body.append(data, std::min(bytes, s->max_body - std::min(s->max_body, s->body.size())));
      return bytes;
    }

    static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self) {
      auto* s = static_cast<state*>(self);
      const std::string_view line(data, size * n);
      // A new status line (after a 100 Continue, say) starts a new header block.
      if (detail::iequals_prefix(line, "http/")) s->retry_after.clear();
      if (detail::iequals_prefix(line, "retry-after:")) {
        auto value = line.substr(12);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
          value.remove_suffix(1);
        s->retry_after = std::string(clickstream::detail::trim_ows(value));
      }
      return size * n;
    }
  };

  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  std::unique_ptr<state> s_;
};

}  // namespace clickstream::native
