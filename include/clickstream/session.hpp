// Sessions: one per visit, shared by every tab of a browser through storage. A session ends after
// inactivity, at a maximum length, or when a landing brings a different campaign (§4 of DESIGN.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "attribution.hpp"
#include "ids.hpp"
#include "json_text.hpp"

namespace clickstream {

struct session_policy {
  std::int64_t inactivity_ms = 30 * 60 * 1000;
  std::int64_t max_length_ms = 24 * 60 * 60 * 1000;
};

struct session_state {
  std::string id;
  std::uint32_t index = 0;  // sessions this client has had; 0 before the first
  std::int64_t started_ms = 0;
  std::int64_t last_activity_ms = 0;
  attribution landing;
};

namespace detail {

inline referrer_type referrer_type_from(std::string_view name) noexcept {
  for (int i = 0; i <= static_cast<int>(referrer_type::other); ++i) {
    const auto type = static_cast<referrer_type>(i);
    if (name == to_string(type)) return type;
  }
  return referrer_type::direct;
}

}  // namespace detail

inline std::string serialize(const session_state& s) {
  std::string out;
  detail::object_writer w(out);
  w.string("id", s.id);
  w.integer("index", s.index);
  w.integer("started", s.started_ms);
  w.integer("last", s.last_activity_ms);
  w.string("referrer", s.landing.referrer);
  w.string("referrer_type", to_string(s.landing.type));
  // The params are written in place, as the last member: [[key, value], ...].
  detail::text_writer& p = w.member("params");
  char separator = '[';
  s.landing.params.for_each([&](std::string_view key, std::string_view value) {
    p.put(separator);
    separator = ',';
    p.put('[');
    p.json_string(key);
    p.put(',');
    p.json_string(value);
    p.put(']');
  });
  if (separator == '[') p.put('[');
  p.put(']');
  return std::string(w.close());
}

// Restores what serialize() wrote; anything else (an older format, a corrupted value) gives nullopt
// and the tracker starts a fresh session rather than trusting it.
inline std::optional<session_state> parse_session(std::string_view text) {
  using detail::token;
  // Read into the result itself: no session_state is moved on the way out.
  std::optional<session_state> out(std::in_place);
  session_state& s = *out;
  std::optional<std::int64_t> index, started, last;
  detail::json_reader r(text);
  const auto member = [&](const std::string& key, token t) {
    if (key == "id") s.id = detail::string_of(r, t).value_or("");
    if (key == "index") index = detail::integer_of(r, t);
    if (key == "started") started = detail::integer_of(r, t);
    if (key == "last") last = detail::integer_of(r, t);
    if (key == "referrer") s.landing.referrer = detail::string_of(r, t).value_or("");
    if (key == "referrer_type")
      s.landing.type = detail::referrer_type_from(detail::string_of(r, t).value_or(""));
    if (key == "params" && t == token::begin_array) {
      // [[key, value], ...]; only campaign keys: stored state is not trusted to name event fields.
      for (token pair = r.next(); pair == token::begin_array; pair = r.next()) {
        auto k = detail::string_of(r, r.next());
        auto v = detail::string_of(r, r.next());
        if (r.next() != token::end_array) return;
        if (k && v) s.landing.params.set(*k, *v);
      }
    }
  };
  const bool ok = r.next() == token::begin_object && detail::read_members(r, member);
  if (ok && !s.id.empty() && index && *index >= 0 && started && last) {
    s.index = static_cast<std::uint32_t>(*index);
    s.started_ms = *started;
    s.last_activity_ms = *last;
  } else {
    out.reset();
  }
  return out;
}

// Decides, for each event, whether it continues the current session or starts a new one.
class session_tracker {
 public:
  explicit session_tracker(session_policy policy = {}) : policy_(policy) {}

  const session_state& state() const noexcept { return state_; }
  // By reference: a restored state is moved once, straight into place.
  void restore(session_state&& s) { state_ = std::move(s); }
  void restore(const session_state& s) { state_ = s; }

  // True when the event at `now` continues the session and `landing` (if any) brings no new
  // campaign.
  bool continues(std::int64_t now, const attribution* landing) const noexcept {
    if (state_.id.empty()) return false;
    // A clock that stepped back is not inactivity.
    if (now - state_.last_activity_ms >= policy_.inactivity_ms) return false;
    if (now - state_.started_ms >= policy_.max_length_ms) return false;
    return !(landing && landing->has_campaign() && !landing->same_campaign(state_.landing));
  }

  // Records an event at `now`; returns true when it starts a new session. `landing` is the
  // attribution of a page view (a new campaign there starts a session); a session started by
  // any other event takes `current_page`'s attribution. Session n+1 of a client is named after
  // the client and session n, so tabs that start it at the same moment (a first visit opened in
  // two tabs, which cannot see each other's writes yet) give it the same id.
  bool touch(std::int64_t now, const attribution* landing, std::string_view client_id,
             const attribution* current_page = nullptr) {
    if (continues(now, landing)) {
      if (now > state_.last_activity_ms) state_.last_activity_ms = now;
      return false;
    }
    ++state_.index;
    state_.id = to_string(uuid_v8_named(
        detail::concat({client_id, "/", detail::decimal(state_.index), "/", state_.id})));
    state_.started_ms = now;
    state_.last_activity_ms = now;
    const attribution* source = landing ? landing : current_page;
    // Assigned in place: no temporary copy of the attribution.
    if (source) {
      state_.landing = *source;
    } else {
      state_.landing = {};
    }
    return true;
  }

  // Forget the session (and the count): a new client starts from scratch.
  void clear() noexcept { state_ = {}; }

 private:
  session_policy policy_;
  session_state state_;
};

}  // namespace clickstream
