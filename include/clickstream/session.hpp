// Sessions: one per visit, shared by every tab of a browser through storage. A session ends after
// inactivity, at a maximum length, or when a landing brings a different campaign (§4 of DESIGN.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "attribution.hpp"
#include "ids.hpp"
#include "json.hpp"

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
  json params = json::array();
  for (const auto& [key, value] : s.landing.params) params.push_back({key, value});
  return detail::dump(json{{"id", s.id},
                           {"index", s.index},
                           {"started", s.started_ms},
                           {"last", s.last_activity_ms},
                           {"referrer", s.landing.referrer},
                           {"referrer_type", to_string(s.landing.type)},
                           {"params", std::move(params)}});
}

// Restores what serialize() wrote; anything else (an older format, a corrupted value) gives nullopt
// and the tracker starts a fresh session rather than trusting it.
inline std::optional<session_state> parse_session(std::string_view text) {
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const auto str = [&](const char* key) -> const json* {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? &*it : nullptr;
  };
  const auto num = [&](const char* key) -> const json* {
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? &*it : nullptr;
  };
  const json* id = str("id");
  const json* index = num("index");
  const json* started = num("started");
  const json* last = num("last");
  if (!id || !index || !started || !last || id->get_ref<const std::string&>().empty())
    return std::nullopt;
  session_state s;
  s.id = id->get<std::string>();
  s.index = index->get<std::uint32_t>();
  s.started_ms = started->get<std::int64_t>();
  s.last_activity_ms = last->get<std::int64_t>();
  if (const json* referrer = str("referrer")) s.landing.referrer = referrer->get<std::string>();
  if (const json* type = str("referrer_type"))
    s.landing.type = detail::referrer_type_from(type->get_ref<const std::string&>());
  auto params = j.find("params");
  if (params != j.end() && params->is_array()) {
    for (const auto& pair : *params) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
        continue;
      const auto& key = pair[0].get_ref<const std::string&>();
      // Only campaign keys: stored state is not trusted to name event fields.
      if (std::find(detail::campaign_keys.begin(), detail::campaign_keys.end(), key) !=
          detail::campaign_keys.end())
        s.landing.params.emplace_back(key, pair[1].get<std::string>());
    }
  }
  return s;
}

// Decides, for each event, whether it continues the current session or starts a new one.
class session_tracker {
 public:
  explicit session_tracker(session_policy policy = {}) : policy_(policy) {}

  const session_state& state() const noexcept { return state_; }
  void restore(session_state s) { state_ = std::move(s); }

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
  // any other event takes `current_page`'s attribution.
  bool touch(std::int64_t now, const attribution* landing, random_source& random,
             const attribution* current_page = nullptr) {
    if (continues(now, landing)) {
      if (now > state_.last_activity_ms) state_.last_activity_ms = now;
      return false;
    }
    state_.id = to_string(uuid_v4(random));
    ++state_.index;
    state_.started_ms = now;
    state_.last_activity_ms = now;
    const attribution* source = landing ? landing : current_page;
    state_.landing = source ? *source : attribution{};
    return true;
  }

  // Forget the session (and the count): a new client starts from scratch.
  void clear() noexcept { state_ = {}; }

 private:
  session_policy policy_;
  session_state state_;
};

}  // namespace clickstream
