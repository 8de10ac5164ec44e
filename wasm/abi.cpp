// The C ABI the JS host calls (docs/wasm-abi.md), linked as a standalone wasm (no Emscripten
// glue). One tracker per module instance. Time comes in with every call, randomness as a seed,
// storage through the host's imports below; strings coming out point into a buffer owned here,
// valid until the next call that returns one.
#include <emscripten/emscripten.h>

#include <clickstream/clickstream.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

// The host's storage calls (module "cs"; wasm/src/module.ts provides them).
#define CS_IMPORT(name) extern "C" __attribute__((import_module("cs"), import_name(#name)))
CS_IMPORT(pending) void cs_host_pending();
CS_IMPORT(write) void cs_host_write(const char* records, int length);
CS_IMPORT(remove) void cs_host_remove(const double* seqs, int count);
CS_IMPORT(save_state) void cs_host_save_state(const char* key, const char* value, int length);

namespace {

using namespace clickstream;

// What was persisted comes in once, before the tracker is created (state again when another tab
// changed it). Appended events wait in an outbox that the host takes whole, in a microtask it
// schedules on the first (cs_host_pending): track() itself neither crosses into JS nor decodes
// text. Everything else is written at once, after the outbox, so the host sees the core's order.
class host_storage final : public storage {
 public:
  bool append(std::uint64_t seq, std::string_view body) override {
    if (!persist) return true;  // memory storage: the core's own queue is all there is
    if (outbox_.empty()) cs_host_pending();
    // "seq\0body\0": JSON text never holds a NUL byte.
    outbox_ += detail::decimal(seq);
    outbox_ += '\0';
    outbox_ += body;
    outbox_ += '\0';
    return true;
  }
  void write_outbox() {
    if (outbox_.empty()) return;
    cs_host_write(outbox_.data(), static_cast<int>(outbox_.size()));
    outbox_.clear();
  }
  void remove(const std::vector<std::uint64_t>& seqs) override {
    if (seqs.empty() || !persist) return;
    write_outbox();
    const std::vector<double> as_doubles(seqs.begin(), seqs.end());
    cs_host_remove(as_doubles.data(), static_cast<int>(as_doubles.size()));
  }
  // In seq order, as the core wants them (the host's come in any), by a heap sort: in place, and
  // less code than a std::map or std::sort.
  std::vector<stored_event> load() override {
    std::vector<stored_event> v = std::move(restored_);
    restored_.clear();
    const auto sift = [&](std::size_t i, std::size_t n) {
      for (std::size_t child; (child = 2 * i + 1) < n; i = child) {
        if (child + 1 < n && v[child].seq < v[child + 1].seq) ++child;
        if (v[child].seq < v[i].seq) return;
        std::swap(v[i], v[child]);
      }
    };
    for (std::size_t i = v.size() / 2; i-- > 0;) sift(i, v.size());
    for (std::size_t n = v.size(); n-- > 1;) {
      std::swap(v[0], v[n]);
      sift(0, n);
    }
    return v;
  }
  void save_state(std::string_view key, std::string_view value) override {
    const int i = slot(key);
    state_[i] = std::string(value);
    if (!persist) return;
    write_outbox();
    cs_host_save_state(keys[i].data(), value.data(), static_cast<int>(value.size()));
  }
  std::optional<std::string> load_state(std::string_view key) override { return state_[slot(key)]; }

  void restore_event(std::uint64_t seq, std::string body) {
    restored_.push_back({seq, std::move(body)});
  }
  void restore_state(std::string_view key, std::string value) {
    state_[slot(key)] = std::move(value);
  }

  // Off when the host keeps nothing: then no event is copied out to JS at all.
  bool persist = true;

 private:
  std::string outbox_;
  std::vector<stored_event> restored_;  // as the host gives them: load() sorts them
  // The four keys the core uses (detail::state_*), one slot each: no strings searched or stored for
  // them. A fifth slot takes any other key, so none is out of range.
  static constexpr std::string_view keys[] = {detail::state_client, detail::state_session,
                                              detail::state_batches, detail::state_consent, ""};
  static int slot(std::string_view key) noexcept {
    int i = 0;
    while (i < 4 && keys[i] != key) ++i;
    return i;
  }

  std::optional<std::string> state_[5];
};

// Module state: one tracker per instance. Globals are fine here, outside the core.
manual_clock host_clock;
// Created once and never destroyed (the module instance lasts as long as the page): plain
// pointers, so no destructor of theirs is compiled in.
seeded_random* host_random = nullptr;
host_storage host_store;
tracker* the_tracker = nullptr;
request last_request;  // what cs_next_request found, read by cs_request_*
bool has_request = false;
std::string out;

const char* give(std::string_view text) {
  out.assign(text.data(), text.size());
  return out.c_str();
}

void at(double now) { host_clock.set(static_cast<std::int64_t>(now)); }

// NaN keeps the default; anything else is clamped into the field's range (a size_t is 32 bits in
// wasm: 1e10 must not wrap around to a tiny cap).
template <typename Number>
void setting(const double* settings, int count, int index, Number& field) {
  if (index >= count || std::isnan(settings[index])) return;
  const double top = static_cast<double>(std::numeric_limits<Number>::max());
  field = static_cast<Number>(std::clamp(settings[index], 0.0, top));
}

const char* result_of(const track_result& r) { return give(r ? std::string_view() : r.error); }

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void cs_restore_event(double seq, const char* body) {
  host_store.restore_event(static_cast<std::uint64_t>(seq), body);
}

EMSCRIPTEN_KEEPALIVE void cs_restore_state(const char* key, const char* value) {
  host_store.restore_state(key, value);
}

// Before cs_create: 0 when the host persists nothing (memory storage).
EMSCRIPTEN_KEEPALIVE void cs_set_persist(int on) { host_store.persist = on != 0; }

EMSCRIPTEN_KEEPALIVE int cs_create(const char* endpoint, const double* settings, int count,
                                   int consent_state, std::uint32_t seed_lo, std::uint32_t seed_hi,
                                   double now) {
  if (the_tracker) return -1;
  config c;
  c.endpoint = endpoint;
  setting(settings, count, 0, c.flush_at);
  setting(settings, count, 1, c.flush_interval_ms);
  setting(settings, count, 2, c.max_in_flight);
  setting(settings, count, 3, c.beacon_max_bytes);
  setting(settings, count, 4, c.queue.max_events);
  setting(settings, count, 5, c.queue.max_bytes);
  setting(settings, count, 6, c.queue.batch_max_events);
  setting(settings, count, 7, c.queue.batch_max_bytes);
  setting(settings, count, 8, c.retry.base_delay_ms);
  setting(settings, count, 9, c.retry.max_delay_ms);
  setting(settings, count, 10, c.retry.max_attempts);
  setting(settings, count, 11, c.retry.max_age_ms);
  setting(settings, count, 12, c.session.inactivity_ms);
  setting(settings, count, 13, c.session.max_length_ms);
  c.initial_consent = consent_state == 1   ? consent::denied
                      : consent_state == 2 ? consent::pending
                                           : consent::granted;
  c.device.platform = "web";
  c.device.sdk = "clickstream-js/0.1.0";
  at(now);
  host_random = new seeded_random(std::uint64_t{seed_hi} << 32 | seed_lo);
  the_tracker = new tracker(std::move(c), host_clock, *host_random, host_store);
  return 0;
}

EMSCRIPTEN_KEEPALIVE void cs_set_device(const char* locale, const char* timezone,
                                        const char* screen, const char* viewport,
                                        const char* platform, const char* sdk) {
  the_tracker->set_device({locale, timezone, screen, viewport, platform, sdk});
}

EMSCRIPTEN_KEEPALIVE const char* cs_track(double now, const char* name, const char* props) {
  at(now);
  return result_of(the_tracker->track_json(name, props));
}

EMSCRIPTEN_KEEPALIVE const char* cs_page_view(double now, const char* url, const char* path,
                                              const char* title, const char* referrer,
                                              const char* props) {
  at(now);
  return result_of(the_tracker->page_view_json({url, path, title, referrer}, props));
}

EMSCRIPTEN_KEEPALIVE void cs_identify(const char* user_id, const char* identity_source) {
  the_tracker->identify(user_id, identity_source);
}

EMSCRIPTEN_KEEPALIVE void cs_reset() { the_tracker->reset(); }

EMSCRIPTEN_KEEPALIVE void cs_set_consent(int state) {
  the_tracker->set_consent(state == 1   ? consent::denied
                           : state == 2 ? consent::pending
                                        : consent::granted);
}

EMSCRIPTEN_KEEPALIVE void cs_flush() { the_tracker->flush(); }

// The host's microtask after cs_host_pending: the outbox's events go to cs_host_write.
EMSCRIPTEN_KEEPALIVE void cs_write_outbox() { host_store.write_outbox(); }

EMSCRIPTEN_KEEPALIVE int cs_next_request(double now, int unload) {
  at(now);
  has_request = the_tracker->next_request(last_request, unload != 0);
  return has_request ? static_cast<int>(last_request.events) : 0;
}

EMSCRIPTEN_KEEPALIVE const char* cs_request_batch_id() {
  return has_request ? last_request.batch_id.c_str() : "";
}
EMSCRIPTEN_KEEPALIVE const char* cs_request_url() {
  return has_request ? last_request.url.c_str() : "";
}
EMSCRIPTEN_KEEPALIVE const char* cs_request_body() {
  return has_request ? last_request.body.c_str() : "";
}
EMSCRIPTEN_KEEPALIVE int cs_request_beacon() { return has_request && last_request.beacon; }

EMSCRIPTEN_KEEPALIVE void cs_on_response(double now, const char* batch_id, int status,
                                         const char* retry_after, const char* body) {
  at(now);
  the_tracker->on_response(batch_id, status, retry_after, body);
}

EMSCRIPTEN_KEEPALIVE void cs_resume() { the_tracker->resume(); }

EMSCRIPTEN_KEEPALIVE void cs_reload_state() { the_tracker->reload_state(); }

EMSCRIPTEN_KEEPALIVE double cs_next_wakeup() {
  return static_cast<double>(the_tracker->next_wakeup());
}

EMSCRIPTEN_KEEPALIVE double cs_pending() { return static_cast<double>(the_tracker->pending()); }

EMSCRIPTEN_KEEPALIVE const char* cs_take_notifications() {
  constexpr std::string_view kinds[] = {"sent", "rejected", "dropped", "error"};
  std::string list = "[";
  std::string scratch;
  for (const auto& n : the_tracker->take_notifications()) {
    detail::object_writer w(scratch);
    w.string("kind", kinds[static_cast<int>(n.what)]);
    w.string("batch_id", n.batch_id);
    w.integer("count", static_cast<std::int64_t>(n.count));
    w.string("message", n.message, 4096);
    if (list.size() > 1) list += ',';
    list += w.close();
  }
  list += ']';
  return give(list);
}

EMSCRIPTEN_KEEPALIVE const char* cs_stats() {
  const auto& s = the_tracker->counters();
  std::string scratch;
  detail::object_writer w(scratch);
  const auto put = [&](std::string_view key, std::uint64_t v) {
    w.integer(key, static_cast<std::int64_t>(v));
  };
  put("tracked", s.tracked);
  put("invalid", s.invalid);
  put("propertiesDropped", s.properties_dropped);
  put("delivered", s.delivered);
  put("rejected", s.rejected);
  put("discarded", s.discarded);
  put("dropped", s.dropped);
  put("gaveUp", s.gave_up);
  put("consentDropped", s.consent_dropped);
  put("requests", s.requests);
  put("retries", s.retries);
  put("storageErrors", s.storage_errors);
  return give(w.close());
}

EMSCRIPTEN_KEEPALIVE const char* cs_identity() {
  std::string scratch;
  detail::object_writer w(scratch);
  w.string("clientId", the_tracker->client_id());
  w.string("userId", the_tracker->user_id());
  w.string("sessionId", the_tracker->session().id);
  w.integer("sessionIndex", the_tracker->session().index);
  return give(w.close());
}

}  // extern "C"
