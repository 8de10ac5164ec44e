// The tracker: a deterministic state machine with no I/O, driven by its host (as quinn-proto and
// h11 are). Calls go in (track, page_view, identify, ...); requests to send come out of
// next_request(); the host reports each outcome with on_response() and wakes it at next_wakeup().
// Time, randomness and storage are injected, so a test with a manual clock replays any scenario
// exactly.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attribution.hpp"
#include "clock.hpp"
#include "contract.hpp"
#include "event.hpp"
#include "ids.hpp"
#include "json.hpp"
#include "json_text.hpp"
#include "queue.hpp"
#include "random.hpp"
#include "retry.hpp"
#include "session.hpp"
#include "storage.hpp"

namespace clickstream {

enum class consent { granted, denied, pending };

struct config {
  std::string endpoint;
  std::size_t flush_at = 20;              // ready events that trigger a send
  std::int64_t flush_interval_ms = 5000;  // the longest an event waits for company
  std::size_t max_in_flight = 1;          // concurrent requests outside of unload
  std::size_t beacon_max_bytes =
      60 * 1024;                        // body limit for keepalive/beacon (64 KiB with the URL)
  std::size_t max_notifications = 256;  // oldest forgotten when the host does not take them
  consent initial_consent = consent::granted;  // a consent stored earlier wins over this
  queue_limits queue;
  retry_policy retry;
  session_policy session;
  device_context device;
};

struct request {
  std::string batch_id;
  std::string url;  // endpoint?batch_id=…&sent_at=… (query, so beacons need no headers)
  std::string body;
  std::size_t events = 0;
  bool beacon = false;  // fits the keepalive/beacon budget
};

struct response {
  int status = 0;           // 0: no HTTP response (network error, timeout, refused beacon)
  std::string retry_after;  // the raw Retry-After header, or ""
  std::string body;
};

struct stats {
  std::uint64_t tracked = 0;             // events accepted by track() and page_view()
  std::uint64_t invalid = 0;             // calls refused by validation
  std::uint64_t properties_dropped = 0;  // properties that named an SDK field
  std::uint64_t delivered = 0;           // events the ingest stored
  std::uint64_t rejected = 0;            // events the ingest refused one by one (2xx)
  std::uint64_t discarded = 0;           // events of batches answered 4xx, or too large alone
  std::uint64_t dropped = 0;             // events evicted from a full queue
  std::uint64_t gave_up = 0;             // events out of attempts or too old
  std::uint64_t consent_dropped = 0;     // events dropped or cleared because consent was denied
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  std::uint64_t storage_errors = 0;  // appends the storage refused (kept in memory only)
};

struct notification {
  enum class kind { sent, rejected, dropped, error };
  kind what = kind::sent;
  std::string batch_id;
  std::size_t count = 0;
  std::string message;
};

struct track_result {
  bool ok = true;
  std::string error;
  explicit operator bool() const noexcept { return ok; }
};

namespace detail {

inline constexpr std::string_view state_client = "client";
inline constexpr std::string_view state_session = "session";
inline constexpr std::string_view state_batches = "batches";
inline constexpr std::string_view state_consent = "consent";

inline const char* consent_name(consent c) noexcept {
  return c == consent::granted ? "granted" : c == consent::denied ? "denied" : "pending";
}

// The enqueue time of a stored event, read back from the timestamp the SDK wrote into it.
inline std::int64_t stored_event_time(std::string_view body, std::int64_t fallback) {
  constexpr std::string_view key = "\"event_timestamp\":\"";
  const auto at = body.find(key);
  if (at == std::string_view::npos) return fallback;
  const auto value = body.substr(at + key.size(), 24);
  return contract::parse_timestamp(value).value_or(fallback);
}

}  // namespace detail

class tracker {
 public:
  tracker(config cfg, clock& clk, random_source& rnd, storage& store)
      : config_(std::move(cfg)),
        clock_(clk),
        random_(rnd),
        store_(store),
        queue_(config_.queue),
        session_(config_.session),
        consent_(config_.initial_consent) {
    restore();
  }

  tracker(const tracker&) = delete;
  tracker& operator=(const tracker&) = delete;

  track_result track(std::string_view event_name) { return record(event_name, {}, false); }
  track_result track(std::string_view event_name, const json& properties) {
    return record_dom(event_name, properties, false);
  }
  // Properties as JSON text (an object), as hosts with their own JSON hand them over.
  track_result track_json(std::string_view event_name, std::string_view properties) {
    return record(event_name, properties, false);
  }

  // A page view: the page becomes the context of later events, and its URL and referrer the
  // attribution of a session it starts.
  track_result page_view(page_context page, const json& properties = json::object()) {
    enter(std::move(page));
    return record_dom("page_view", properties, true);
  }
  track_result page_view_json(page_context page, std::string_view properties) {
    enter(std::move(page));
    return record("page_view", properties, true);
  }

  void identify(std::string_view user_id, std::string_view identity_source = {}) {
    if (user_id == user_id_ && identity_source == identity_source_) return;
    user_id_.assign(user_id.data(), user_id.size());
    identity_source_.assign(identity_source.data(), identity_source.size());
    context_stale_ = true;
    save_client();
  }

  // Sign-out: a new anonymous client with a fresh session; queued events keep their old identity.
  void reset() {
    user_id_.clear();
    identity_source_.clear();
    client_id_ = to_string(uuid_v4(random_));
    context_stale_ = true;
    ++generation_;
    session_.clear();
    save_client();
    store_.save_state(detail::state_session, "");
  }

  void set_consent(consent c) {
    if (c == consent_) return;
    consent_ = c;
    store_.save_state(detail::state_consent, detail::consent_name(c));
    if (c == consent::denied) {
      const auto cleared = queue_.clear();
      store_.remove(cleared);
      stats_.consent_dropped += cleared.size() + held_.size();
      held_.clear();
      save_batches();
    } else if (c == consent::granted) {
      // Granted now, so enqueue() leaves held_ alone.
      for (auto& e : held_) enqueue(std::move(e.body), e.enqueued_ms);
      held_.clear();
    }
  }
  consent current_consent() const noexcept { return consent_; }

  void set_device(device_context device) {
    config_.device = std::move(device);
    context_stale_ = true;
  }

  // Sends what is queued at the next next_request(), without waiting for flush_at or the interval.
  // Backoff after failures still applies: flushing never hammers a failing endpoint.
  void flush() noexcept { flush_requested_ = true; }

  // The next request to send now, or nullopt. With `unload` (the page is going away) everything
  // goes out at once in beacon-sized batches, ignoring timers and the in-flight cap.
  std::optional<request> next_request(bool unload = false) {
    request r;
    if (!next_request(r, unload)) return std::nullopt;
    return r;
  }
  // The same into r (no optional<request> built and moved); false, r untouched, when none.
  bool next_request(request& r, bool unload) {
    if (consent_ != consent::granted) return false;
    const std::int64_t now = clock_.now_ms();
    std::size_t in_flight = 0;
    for (const auto& b : queue_.batches()) in_flight += b.on_wire ? 1 : 0;
    const bool room = unload || in_flight < config_.max_in_flight;
    for (auto& b : queue_.batches()) {
      if (b.on_wire) continue;
      // Head of line: while a failed batch waits out its backoff, no new batch is formed either.
      if (!unload && b.next_attempt_ms > now) return false;
      if (!room) return false;
      send(b, now, r);
      return true;
    }
    if (queue_.ready().empty() || !room) return false;
    if (!unload && !due(now)) return false;
    const std::size_t max_bytes =
        unload ? std::min(config_.beacon_max_bytes, queue_.limits().batch_max_bytes)
               : queue_.limits().batch_max_bytes;
    batch& b = queue_.form_batch(to_string(ids_.next(now, random_)), max_bytes);
    if (queue_.ready().empty()) flush_requested_ = false;
    save_batches();
    send(b, now, r);
    return true;
  }

  void on_response(std::string_view batch_id, const response& r) {
    on_response(batch_id, r.status, r.retry_after, r.body);
  }
  // The same, from views (a host's strings need no copy).
  void on_response(std::string_view batch_id, int status, std::string_view retry_after,
                   std::string_view body) {
    batch* b = queue_.find(batch_id);
    if (!b || !b->on_wire) return;  // unknown or stale (a duplicate report): nothing to do
    b->on_wire = false;
    const std::int64_t now = clock_.now_ms();
    const std::size_t n = b->events;
    // Every outcome but a retry or a split finishes the batch, after this notification.
    auto what = notification::kind::error;
    std::size_t count = n;
    std::string message;
    switch (classify(status)) {
      case outcome::delivered:
        count -= count_rejections(*b, body);
        unreported_dropped_ -= std::min(unreported_dropped_, b->dropped_reported);
        stats_.delivered += count;
        what = notification::kind::sent;
        break;
      case outcome::dropped:
        stats_.discarded += n;
        message =
            detail::concat({"HTTP ", detail::decimal(status), ": batch refused, not retried"});
        break;
      case outcome::split:
        if (n > 1) {
          queue_.split(*b, to_string(ids_.next(now, random_)), to_string(ids_.next(now, random_)));
          save_batches();
          return;
        }
        stats_.discarded += n;
        message = "HTTP 413: a single event too large for the ingest";
        break;
      case outcome::retry: {
        std::int64_t oldest = now;
        for (const auto& e : queue_.events(*b)) oldest = std::min(oldest, e.enqueued_ms);
        if (b->attempts < config_.retry.max_attempts && now - oldest < config_.retry.max_age_ms) {
          ++stats_.retries;
          b->next_attempt_ms = now + retry_delay(config_.retry, b->attempts,
                                                 parse_retry_after(retry_after, now), random_);
          return;
        }
        stats_.gave_up += n;
        message = detail::concat({"gave up after ", detail::decimal(b->attempts),
                                  " attempts (last status ", detail::decimal(status), ")"});
        break;
      }
    }
    notify({what, std::string(batch_id), count, std::move(message)});
    finish(*b);
  }

  // Requests sent with no answer to come (a beacon, or a page restored from the back/forward
  // cache) go back to waiting and are resent, with the same batch id, at the next chance.
  void resume() noexcept {
    for (auto& b : queue_.batches()) b.on_wire = false;
  }

  // When next_request() may have something to send; max() when only a response can change that.
  std::int64_t next_wakeup() const noexcept {
    constexpr auto never = std::numeric_limits<std::int64_t>::max();
    if (consent_ != consent::granted) return never;
    std::size_t in_flight = 0;
    for (const auto& b : queue_.batches()) in_flight += b.on_wire ? 1 : 0;
    if (in_flight >= config_.max_in_flight) return never;
    for (const auto& b : queue_.batches())
      if (!b.on_wire) return b.next_attempt_ms;
    if (queue_.ready().empty()) return never;
    if (flush_requested_ || queue_.ready().size() >= config_.flush_at) return 0;
    return queue_.ready().front().enqueued_ms + config_.flush_interval_ms;
  }

  // Events not yet delivered or given up: queued, in flight, or held for consent.
  std::size_t pending() const noexcept { return queue_.size() + held_.size(); }
  const stats& counters() const noexcept { return stats_; }
  const std::string& client_id() const noexcept { return client_id_; }
  const std::string& user_id() const noexcept { return user_id_; }
  const session_state& session() const noexcept { return session_.state(); }
  const page_context& page() const noexcept { return page_; }

  std::vector<notification> take_notifications() {
    auto out = std::move(notifications_);
    notifications_.clear();
    return out;
  }

  // Re-reads the identity and session another tracker (another tab) may have written to the
  // shared storage. Every tab applies the same rules, so tabs agree whatever order their writes
  // crossed in: a later identity (one more reset()) wins, and between two made at once (two tabs'
  // first visit) the smaller client id; between two sessions of one client the later (higher
  // index) wins, then the one started first, then the smaller id. When ours wins it is written
  // back, so the other tab takes it.
  void reload_state() {
    context_stale_ = true;
    client_state c;
    const bool stored = read_client(c);
    bool identity_changed = false;
    if (stored && c.id != client_id_) {
      const bool theirs =
          c.generation != generation_ ? c.generation > generation_ : c.id < client_id_;
      if (!theirs) {
        // The stored session is the losing client's: reassert ours whole.
        save_client();
        if (!session_.state().id.empty()) write_session();
        return;
      }
      client_id_ = std::move(c.id);
      generation_ = c.generation;
      identity_changed = true;
    }
    if (stored) {
      user_id_ = std::move(c.user_id);
      identity_source_ = std::move(c.identity_source);
    }
    const auto text = store_.load_state(detail::state_session);
    auto theirs = text ? parse_session(*text) : std::nullopt;
    const session_state& ours = session_.state();
    if (!theirs) {
      if (!ours.id.empty() && !identity_changed) write_session();
      if (identity_changed) session_.clear();
      return;
    }
    if (theirs->id == ours.id) {
      theirs->last_activity_ms = std::max(theirs->last_activity_ms, ours.last_activity_ms);
    } else if (!identity_changed && !ours.id.empty() && !later(*theirs, ours)) {
      write_session();
      return;
    }
    session_.restore(std::move(*theirs));
    saved_activity_ms_ = session_.state().last_activity_ms;
  }

 private:
  track_result refuse(std::string error) {
    ++stats_.invalid;
    notify({notification::kind::error, {}, 1, error});
    return {false, std::move(error)};
  }

  void enter(page_context&& page) {
    page_ = std::move(page);
    context_stale_ = true;
    const detail::url_view url = detail::split_url(page_.url);
    if (page_.path.empty()) page_.path = url.path;
    page_attribution_ = detail::landing_attribution(url, page_.referrer);
  }

  // C++ callers' properties go through the same text path as everyone's: one validator.
  track_result record_dom(std::string_view event_name, const json& properties, bool page_view) {
    if (properties.is_null()) return record(event_name, {}, page_view);
    if (!properties.is_object()) return refuse("properties must be a JSON object");
    detail::text_writer w(dom_scratch_);
    w.value(properties);
    return record(event_name, w.text(), page_view);
  }

  track_result record(std::string_view event_name, std::string_view properties, bool page_view) {
    if (consent_ == consent::denied) {
      ++stats_.consent_dropped;
      return {false, "consent denied: event not recorded"};
    }
    if (!contract::is_event_name(event_name))
      return refuse(
          detail::concat({"event_name '", event_name.substr(0, 64),
                          "': 1-64 chars, a letter first, then letters, digits, _ . : -"}));
    std::size_t left_out = 0;
    std::string_view members;
    if (!properties.empty()) {
      // Validated first; rewritten only when reserved names must be left out (rare): otherwise
      // the caller's text between its braces is spliced in as it is.
      detail::object_writer* kept = nullptr;
      const auto skip = [&](std::string_view key) {
        const bool reserved = is_sdk_field(key);
        left_out += reserved && !kept;
        return reserved;
      };
      const auto keep = [&](std::string_view key, std::string_view value) {
        if (kept) kept->raw(key, value);
      };
      if (auto error = contract::check_properties(properties, skip, keep))
        return refuse(std::move(*error));
      if (left_out == 0) {
        members = detail::object_members(properties);
      } else {
        detail::object_writer rewritten(props_scratch_);
        kept = &rewritten;
        contract::check_properties(properties, skip, keep);
        members = detail::object_members(rewritten.close());
      }
    }
    const std::int64_t now = clock_.now_ms();
    const bool started = session_.touch(now, page_view ? &page_attribution_ : nullptr, client_id_,
                                        &page_attribution_);
    save_session(now, started);
    const session_state& s = session_.state();
    char event_id[uuid_chars];
    format_uuid_to(event_id, ids_.next(now, random_));
    event_parts parts;
    parts.event_id = {event_id, uuid_chars};
    parts.event_name = event_name;
    parts.timestamp_ms = now;
    parts.identity = {client_id_, user_id_, identity_source_, s.id, s.index, started};
    parts.page = &page_;
    parts.landing = &s.landing;
    parts.device = &config_.device;
    parts.properties = members;
    // A new session is the one change made here; every other marks the context stale itself.
    if (context_stale_ || started) {
      context_text_ = write_context(context_, parts);
      context_stale_ = false;
    }
    const std::string_view text = write_event(scratch_, parts, context_text_);
    if (text.size() > contract::max_event_bytes)
      return refuse(
          detail::concat({"event is ", detail::decimal(text.size()), " bytes serialized, over ",
                          detail::decimal(contract::max_event_bytes)}));
    stats_.properties_dropped += left_out;
    ++stats_.tracked;
    enqueue(std::string(text), now);
    return {};
  }

  void enqueue(std::string body, std::int64_t now) {
    if (consent_ == consent::pending) {
      held_.push_back({0, std::move(body), now});
      if (held_.size() > config_.queue.max_events) {
        held_.pop_front();
        count_dropped(1);
      }
      return;
    }
    const std::uint64_t seq = next_seq_++;
    if (!store_.append(seq, body)) ++stats_.storage_errors;
    push({seq, std::move(body), now});
  }

  // Into the queue; the events it evicts to make room are dropped.
  void push(queued_event e) {
    const auto evicted = queue_.push(std::move(e));
    if (!evicted.empty()) {
      store_.remove(evicted);
      count_dropped(evicted.size());
    }
  }

  void count_dropped(std::size_t n) {
    stats_.dropped += n;
    unreported_dropped_ += n;
    notify({notification::kind::dropped, {}, n, "queue full: oldest events dropped"});
  }

  bool due(std::int64_t now) const noexcept {
    return flush_requested_ || queue_.ready().size() >= config_.flush_at ||
           now - queue_.ready().front().enqueued_ms >= config_.flush_interval_ms;
  }

  void send(batch& b, std::int64_t now, request& r) {
    b.on_wire = true;
    ++b.attempts;
    b.dropped_reported = unreported_dropped_;
    ++stats_.requests;
    r.batch_id = b.id;
    char sent_at[timestamp_chars];
    format_timestamp_to(sent_at, now);
    r.url = detail::concat({config_.endpoint,
                            config_.endpoint.find('?') == std::string::npos ? "?" : "&",
                            "batch_id=",
                            b.id,
                            "&sent_at=",
                            {sent_at, timestamp_chars}});
    if (b.dropped_reported)
      r.url += detail::concat({"&dropped=", detail::decimal(b.dropped_reported)});
    r.body = queue_.body(b);
    r.events = b.events;
    r.beacon = r.body.size() <= config_.beacon_max_bytes;
  }

  // Reads the ingest's per-event rejections ({"accepted":n,"rejected":[{"index":i,"error":"…"}]});
  // a body in any other shape means none.
  std::size_t count_rejections(const batch& b, std::string_view body) {
    using detail::token;
    detail::json_reader r(body);
    if (r.next() != token::begin_object) return 0;
    std::size_t n = 0;
    std::string message;
    detail::read_members(r, [&](const std::string& key, token t) {
      if (key != "rejected" || t != token::begin_array) return;
      for (token e = r.next(); e == token::begin_object && n < b.events; e = r.next()) {
        std::string_view index = "?";
        std::string error = "rejected";
        detail::read_members(r, [&](const std::string& k, token v) {
          if (k == "index" && v == token::number) index = r.raw();
          if (k != "error") return;
          if (auto e = detail::string_of(r, v)) error = std::move(*e);
        });
        message += detail::concat({message.empty() ? "#" : "; #", index, ": ", error});
        ++n;
      }
    });
    if (n == 0) return 0;
    stats_.rejected += n;
    notify({notification::kind::rejected, b.id, n, std::move(message)});
    return n;
  }

  void finish(batch& b) {
    store_.remove(queue_.erase(b));
    save_batches();
  }

  void notify(notification n) {
    notifications_.push_back(std::move(n));
    // Rare (a host not taking them), and the cap is small: shifting them all is fine.
    if (notifications_.size() > config_.max_notifications)
      notifications_.erase(notifications_.begin());
  }

  struct client_state {
    std::string id;
    std::string user_id;
    std::string identity_source;
    std::int64_t generation = 0;  // resets so far: a later identity beats an earlier one
  };

  static bool later(const session_state& a, const session_state& b) noexcept {
    if (a.index != b.index) return a.index > b.index;
    if (a.started_ms != b.started_ms) return a.started_ms < b.started_ms;
    return a.id < b.id;
  }

  void save_client() {
    std::string out;
    detail::object_writer w(out);
    w.string("client_id", client_id_);
    w.string("user_id", user_id_);
    w.string("identity_source", identity_source_);
    w.integer("generation", generation_);
    store_.save_state(detail::state_client, w.close());
  }

  // Into c (as it was constructed); false when none is stored, or one without an id.
  bool read_client(client_state& c) {
    using detail::token;
    const auto text = store_.load_state(detail::state_client);
    if (!text) return false;
    detail::json_reader r(*text);
    if (r.next() != token::begin_object) return false;
    detail::read_members(r, [&](const std::string& key, token t) {
      if (key == "generation") c.generation = detail::integer_of(r, t).value_or(0);
      auto value = detail::string_of(r, t);
      if (!value) return;
      if (key == "client_id") c.id = std::move(*value);
      if (key == "user_id") c.user_id = std::move(*value);
      if (key == "identity_source") c.identity_source = std::move(*value);
    });
    return !c.id.empty();
  }

  void write_session() { store_.save_state(detail::state_session, serialize(session_.state())); }

  // Activity is saved at most once a second: enough for a 30-minute timeout, and it keeps the
  // storage write off most track() calls.
  void save_session(std::int64_t now, bool started) {
    if (!started && now - saved_activity_ms_ < 1000) return;
    write_session();
    saved_activity_ms_ = now;
  }

  // Which stored events form which batch: a restart resends the same batches with the same ids,
  // so a batch stored just before a crash is not stored twice.
  void save_batches() {
    std::string out;
    detail::text_writer w(out);
    w.put('[');
    for (const auto& b : queue_.batches()) {
      if (b.events == 0) continue;
      const auto events = queue_.events(b);
      if (w.text().size() > 1) w.put(',');
      w.put('[');
      w.json_string(b.id);
      w.put(',');
      w.integer(events.front().seq);
      w.put(',');
      w.integer(events.back().seq);
      w.put(']');
    }
    w.put(']');
    store_.save_state(detail::state_batches, w.text());
  }

  void restore() {
    if (auto text = store_.load_state(detail::state_consent)) {
      if (*text == "granted") consent_ = consent::granted;
      if (*text == "denied") consent_ = consent::denied;
      if (*text == "pending") consent_ = consent::pending;
    }
    if (client_state c; read_client(c)) {
      client_id_ = std::move(c.id);
      user_id_ = std::move(c.user_id);
      identity_source_ = std::move(c.identity_source);
      generation_ = c.generation;
    } else {
      client_id_ = to_string(uuid_v4(random_));
      save_client();
    }
    if (auto text = store_.load_state(detail::state_session)) {
      if (auto s = parse_session(*text)) {
        saved_activity_ms_ = s->last_activity_ms;
        session_.restore(std::move(*s));
      }
    }
    restore_events();
  }

  // Stored events back into the queue, those of a batch formed before (save_batches()) into it
  // again: a restart resends the same batches with the same ids.
  void restore_events() {
    using detail::token;
    auto stored = store_.load();
    if (stored.empty()) return;
    const std::int64_t now = clock_.now_ms();
    next_seq_ = stored.back().seq + 1;
    if (consent_ == consent::denied) {
      // Denied while no tracker ran (another tab's choice, or the config's): what was stored
      // goes as it would have gone then, rather than wait in storage for a later grant.
      std::vector<std::uint64_t> seqs;
      for (const auto& e : stored) seqs.push_back(e.seq);
      store_.remove(seqs);
      stats_.consent_dropped += seqs.size();
      save_batches();
      return;
    }
    // [[id, first_seq, last_seq], ...] as save_batches() wrote it, read along with the events
    // (both in seq order). Entries in any other shape are ignored: their events are simply sent
    // in new batches.
    const auto text = store_.load_state(detail::state_batches);
    detail::json_reader r(text ? std::string_view(*text) : std::string_view());
    bool more = text && r.next() == token::begin_array;
    std::string id;
    std::uint64_t first = 0, last = 0;
    bool adopted = false;  // the entry's batch is in the queue already
    const auto next_entry = [&] {
      while (more) {
        more = r.next() == token::begin_array;
        if (!more) break;
        auto entry_id = detail::string_of(r, r.next());
        const auto from = detail::integer_of(r, r.next());
        const auto to = detail::integer_of(r, r.next());
        more = r.next() == token::end_array;
        if (more && entry_id && from && to && *from >= 0 && *to >= *from) {
          id = std::move(*entry_id);
          first = static_cast<std::uint64_t>(*from);
          last = static_cast<std::uint64_t>(*to);
          adopted = false;
          return true;
        }
      }
      return false;
    };
    bool entry = next_entry();
    std::uint64_t previous = 0;  // seqs start at 1
    for (auto& e : stored) {
      if (e.seq == previous) continue;  // given twice (two keys naming one seq): one event
      previous = e.seq;
      while (entry && last < e.seq) entry = next_entry();
      queued_event q{e.seq, std::move(e.body), 0};
      q.enqueued_ms = detail::stored_event_time(q.body, now);
      if (!entry || e.seq < first) {
        push(std::move(q));
        continue;
      }
      if (!adopted) queue_.adopt_batch(std::move(id));
      adopted = true;
      queue_.adopt(std::move(q));
    }
  }

  config config_;
  clock& clock_;
  random_source& random_;
  storage& store_;
  event_queue queue_;
  session_tracker session_;
  consent consent_;
  uuid_v7_generator ids_;
  std::string client_id_;
  std::string user_id_;
  std::string identity_source_;
  page_context page_;
  attribution page_attribution_;
  fifo<queued_event> held_;  // events waiting for consent, in memory only
  std::vector<notification> notifications_;
  // Buffers reused by every track(), so the hot path does not allocate for them.
  std::string scratch_;        // the event
  std::string props_scratch_;  // the properties kept
  std::string dom_scratch_;    // a C++ caller's properties as text
  // write_context's text, until identity, session, page or device change (context_stale_).
  std::string context_;
  std::string_view context_text_;
  bool context_stale_ = true;
  stats stats_;
  std::int64_t generation_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t unreported_dropped_ = 0;
  std::int64_t saved_activity_ms_ = std::numeric_limits<std::int64_t>::min() / 2;
  bool flush_requested_ = false;
};

}  // namespace clickstream
