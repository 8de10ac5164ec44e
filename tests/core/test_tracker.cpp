#include <doctest/doctest.h>

#include <clickstream/clickstream.hpp>

#include <memory>
#include <set>

using namespace clickstream;

namespace {

constexpr std::int64_t t0 = 1'764'861'825'123;
constexpr std::int64_t minute = 60'000;

// A fake host: manual clock, seeded randomness, memory storage, and a script for the responses.
struct harness {
  manual_clock clock{t0};
  seeded_random random{42};
  memory_storage store;
  config cfg;
  std::unique_ptr<tracker> t;

  harness() {
    cfg.endpoint = "https://ingest.example/clickstream";
    cfg.flush_at = 3;
    cfg.flush_interval_ms = 5000;
    cfg.retry.base_delay_ms = 1000;
    cfg.retry.max_delay_ms = 60'000;
    cfg.device.platform = "test";
  }
  tracker& start() {
    t = std::make_unique<tracker>(cfg, clock, random, store);
    return *t;
  }
  // Drops the tracker and makes a new one on the same storage: a restart.
  tracker& restart() {
    t.reset();
    return start();
  }
};

std::vector<json> events_of(const request& r) {
  const json body = json::parse(r.body);
  REQUIRE(body.is_array());
  return {body.begin(), body.end()};
}

std::string query_value(const std::string& url, const std::string& key) {
  const auto query = url.substr(url.find('?') + 1);
  return query_param(query, key).value_or("");
}

}  // namespace

TEST_CASE("tracker: events carry identity, session and context; batches at flush_at") {
  harness h;
  auto& t = h.start();
  CHECK(contract::is_uuid(t.client_id()));
  CHECK(t.track("app_open"));
  CHECK(t.track("product_view", {{"product_id", "SKU-12345"}, {"product_price", 1299.0}}));
  CHECK_FALSE(t.next_request());  // 2 < flush_at, interval not reached
  h.clock.advance(10);
  CHECK(t.track("add_to_cart", {{"product_id", "SKU-12345"}}));
  const auto r = t.next_request();
  REQUIRE(r);
  CHECK(r->events == 3);
  CHECK(r->beacon);
  CHECK(r->url.rfind("https://ingest.example/clickstream?batch_id=", 0) == 0);
  CHECK(query_value(r->url, "batch_id") == r->batch_id);
  CHECK(query_value(r->url, "sent_at") == "2025-12-04T15:23:45.133Z");
  const auto events = events_of(*r);
  CHECK(events[0]["event_name"] == "app_open");
  CHECK(events[0]["session_start"] == true);
  CHECK(events[1]["session_start"] == false);
  CHECK(events[2]["event_timestamp"] == "2025-12-04T15:23:45.133Z");
  std::set<std::string> ids;
  for (const auto& e : events) {
    CHECK_FALSE(contract::validate_event(e));
    CHECK(e["client_id"] == t.client_id());
    CHECK(e["session_id"] == t.session().id);
    CHECK(e["session_index"] == 1);
    CHECK(e["login_state"] == "anonymous");
    CHECK(e["platform"] == "test");
    ids.insert(e["event_id"].get<std::string>());
  }
  CHECK(ids.size() == 3);
  CHECK(events[1]["product_price"] == 1299.0);
  CHECK_FALSE(t.next_request());  // max_in_flight = 1
  t.on_response(r->batch_id, {200, "", "{\"accepted\":3,\"rejected\":[]}"});
  CHECK(t.counters().delivered == 3);
  CHECK(t.pending() == 0);
  CHECK(h.store.size() == 0);  // acknowledged events are reclaimed
}

TEST_CASE("tracker: the flush interval and flush() send early; next_wakeup says when") {
  harness h;
  auto& t = h.start();
  CHECK(t.next_wakeup() == std::numeric_limits<std::int64_t>::max());
  t.track("a");
  CHECK(t.next_wakeup() == t0 + 5000);
  h.clock.advance(4999);
  CHECK_FALSE(t.next_request());
  h.clock.advance(1);
  auto r = t.next_request();
  REQUIRE(r);
  CHECK(r->events == 1);
  CHECK(t.next_wakeup() == std::numeric_limits<std::int64_t>::max());  // waiting for a response
  t.on_response(r->batch_id, {204, "", ""});
  t.track("b");
  t.flush();
  CHECK(t.next_wakeup() == 0);
  r = t.next_request();
  REQUIRE(r);
  CHECK(r->events == 1);
}

TEST_CASE("tracker: validation refuses bad calls with a clear error; reserved properties lose") {
  harness h;
  auto& t = h.start();
  auto r = t.track("1bad name");
  CHECK_FALSE(r);
  CHECK(r.error.find("event_name") != std::string::npos);
  r = t.track("product_view", {{"product_price", -1}});
  CHECK_FALSE(r);
  CHECK(r.error.find("product_price") != std::string::npos);
  CHECK_FALSE(t.track("x", json::array({1, 2})));
  CHECK_FALSE(t.track("x", {{"blob", std::string(40 * 1024, 'a')}}));  // string over 256
  json big = json::object();
  for (int i = 0; i < 400; ++i) big["k" + std::to_string(i)] = std::string(100, 'v');
  r = t.track("x", big);  // each property fine, the event over 32 KiB
  CHECK_FALSE(r);
  CHECK(r.error.find("32768") != std::string::npos);
  CHECK(t.counters().invalid == 5);
  CHECK(t.pending() == 0);
  CHECK(t.track("x", {{"event_id", "forged"}, {"session_id", "forged"}, {"ok", 1}}));
  CHECK(t.counters().properties_dropped == 2);
  t.flush();
  const auto e = events_of(*t.next_request())[0];
  CHECK(e["event_id"] != "forged");
  CHECK(e["session_id"] == t.session().id);
  CHECK(e["ok"] == 1);
  const auto notes = t.take_notifications();
  CHECK(notes.size() == 5);
  CHECK(notes[0].what == notification::kind::error);
}

TEST_CASE("tracker: 2xx with per-event rejections is counted and reported") {
  harness h;
  auto& t = h.start();
  for (int i = 0; i < 3; ++i) t.track("e");
  const auto r = t.next_request();
  REQUIRE(r);
  t.on_response(
      r->batch_id,
      {200, "", R"({"accepted":2,"rejected":[{"index":1,"error":"bad product_price"}]})"});
  CHECK(t.counters().delivered == 2);
  CHECK(t.counters().rejected == 1);
  const auto notes = t.take_notifications();
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].what == notification::kind::rejected);
  CHECK(notes[0].message == "#1: bad product_price");
  CHECK(notes[1].what == notification::kind::sent);
  CHECK(notes[1].count == 2);
  CHECK(t.pending() == 0);
}

TEST_CASE("tracker: 400, 422 and other 4xx drop the batch, counted") {
  for (int status : {400, 401, 403, 404, 422}) {
    CAPTURE(status);
    harness h;
    auto& t = h.start();
    for (int i = 0; i < 3; ++i) t.track("e");
    const auto r = t.next_request();
    t.on_response(r->batch_id, {status, "", ""});
    CHECK(t.counters().discarded == 3);
    CHECK(t.pending() == 0);
    CHECK(h.store.size() == 0);
    CHECK_FALSE(t.next_request());
  }
}

TEST_CASE("tracker: 413 splits in half with new ids; a single oversize event is dropped") {
  harness h;
  h.cfg.flush_at = 5;
  auto& t = h.start();
  for (int i = 0; i < 5; ++i) t.track("e");
  const auto r = t.next_request();
  REQUIRE(r->events == 5);
  t.on_response(r->batch_id, {413, "", ""});
  const auto a = t.next_request();
  REQUIRE(a);
  CHECK(a->events == 2);
  CHECK(a->batch_id != r->batch_id);
  CHECK(events_of(*a)[0]["event_id"] == events_of(*r)[0]["event_id"]);  // order kept
  t.on_response(a->batch_id, {200, "", ""});
  const auto b = t.next_request();
  REQUIRE(b);
  CHECK(b->events == 3);
  t.on_response(b->batch_id, {413, "", ""});
  const auto b1 = t.next_request();
  REQUIRE(b1->events == 1);
  t.on_response(b1->batch_id, {413, "", ""});  // alone and still too large
  CHECK(t.counters().discarded == 1);
  const auto b2 = t.next_request();
  REQUIRE(b2->events == 2);
  t.on_response(b2->batch_id, {200, "", ""});
  CHECK(t.counters().delivered == 4);
  CHECK(t.pending() == 0);
}

TEST_CASE("tracker: 0/408/425/429/5xx retry the same batch_id with jittered backoff") {
  for (int status : {0, 408, 425, 429, 500, 502, 503, 504}) {
    CAPTURE(status);
    harness h;
    auto& t = h.start();
    for (int i = 0; i < 3; ++i) t.track("e");
    const auto first = t.next_request();
    REQUIRE(first);
    std::int64_t step = 1000;
    for (int attempt = 1; attempt <= 5; ++attempt) {
      const auto before = h.clock.now_ms();
      t.on_response(first->batch_id, {status, "", ""});
      const auto wake = t.next_wakeup();
      CHECK(wake >= before + step / 2);
      CHECK(wake <= before + step);
      h.clock.set(wake - 1);
      t.track("later");  // new events wait behind the failing batch
      CHECK_FALSE(t.next_request());
      h.clock.set(wake);
      const auto again = t.next_request();
      REQUIRE(again);
      CHECK(again->batch_id == first->batch_id);
      CHECK(again->body == first->body);
      step *= 2;
    }
    t.on_response(first->batch_id, {200, "", ""});
    CHECK(t.counters().delivered == 3);
    CHECK(t.counters().retries == 5);
    t.flush();
    const auto rest = t.next_request();
    REQUIRE(rest);
    CHECK(rest->events == 5);
  }
}

TEST_CASE("tracker: Retry-After is honoured") {
  harness h;
  auto& t = h.start();
  for (int i = 0; i < 3; ++i) t.track("e");
  auto r = t.next_request();
  t.on_response(r->batch_id, {503, "120", ""});
  CHECK(t.next_wakeup() == t0 + 120'000);
  h.clock.set(t0 + 120'000);
  r = t.next_request();
  REQUIRE(r);
  t.on_response(r->batch_id, {429, "Thu, 04 Dec 2025 15:30:00 GMT", ""});
  CHECK(t.next_wakeup() == 1'764'862'200'000);
}

TEST_CASE("tracker: gives up after max attempts, and on age, counted") {
  harness h;
  h.cfg.retry.max_attempts = 3;
  auto& t = h.start();
  for (int i = 0; i < 3; ++i) t.track("e");
  for (int attempt = 1; attempt <= 3; ++attempt) {
    h.clock.set(std::max(h.clock.now_ms(), t.next_wakeup()));
    const auto r = t.next_request();
    REQUIRE(r);
    t.on_response(r->batch_id, {503, "", ""});
  }
  CHECK(t.counters().gave_up == 3);
  CHECK(t.pending() == 0);
  CHECK(h.store.size() == 0);

  harness old;
  old.cfg.retry.max_age_ms = 10 * minute;
  auto& u = old.start();
  for (int i = 0; i < 3; ++i) u.track("e");
  auto r = u.next_request();
  u.on_response(r->batch_id, {503, "", ""});
  CHECK(u.counters().gave_up == 0);
  old.clock.advance(10 * minute);
  r = u.next_request();
  u.on_response(r->batch_id, {503, "", ""});
  CHECK(u.counters().gave_up == 3);
}

TEST_CASE("tracker: a full queue drops the oldest, and the count reaches the next request") {
  harness h;
  h.cfg.queue.max_events = 5;
  h.cfg.flush_at = 100;
  auto& t = h.start();
  for (int i = 0; i < 8; ++i) t.track("e", {{"n", i}});
  CHECK(t.counters().dropped == 3);
  CHECK(t.pending() == 5);
  CHECK(h.store.size() == 5);
  t.flush();
  auto r = t.next_request();
  REQUIRE(r);
  CHECK(query_value(r->url, "dropped") == "3");
  CHECK(events_of(*r)[0]["n"] == 3);  // 0, 1, 2 were the oldest
  t.on_response(r->batch_id, {503, "0", ""});
  r = t.next_request();
  CHECK(query_value(r->url, "dropped") == "3");  // still unreported: the retry carries it
  t.on_response(r->batch_id, {200, "", ""});
  t.track("e");
  t.flush();
  r = t.next_request();
  CHECK(query_value(r->url, "dropped") == "");  // delivered once, so no longer reported
}

TEST_CASE("tracker: bounded by bytes as well") {
  harness h;
  h.cfg.queue.max_bytes = 4000;
  h.cfg.flush_at = 100;
  auto& t = h.start();
  for (int i = 0; i < 20; ++i) t.track("e", {{"pad", std::string(200, 'p')}});
  CHECK(t.counters().dropped > 0);
  CHECK(t.counters().dropped + t.pending() == 20);
}

TEST_CASE("tracker: unload sends everything at once in beacon-sized batches") {
  harness h;
  h.cfg.flush_at = 1000;
  h.cfg.queue.batch_max_bytes = 200 * 1024;
  auto& t = h.start();
  for (int i = 0; i < 400; ++i) t.track("e", {{"pad", std::string(200, 'p')}});
  std::size_t events = 0, requests = 0;
  while (auto r = t.next_request(true)) {
    CHECK(r->beacon);
    CHECK(r->body.size() <= 60 * 1024);
    events += r->events;
    ++requests;
  }
  CHECK(events == 400);
  CHECK(requests >= 3);
  CHECK(h.store.size() == 400);  // nothing is forgotten before an answer
  // The page came back (back/forward cache) with no answers: the same batches go again.
  t.resume();
  const auto again = t.next_request();
  REQUIRE(again);
  CHECK(again->events > 0);
}

TEST_CASE("tracker: a restart resends the same batches with the same ids") {
  harness h;
  auto& t = h.start();
  const auto client = t.client_id();
  for (int i = 0; i < 5; ++i) t.track("e", {{"n", i}});
  const auto r = t.next_request();  // 5 ready, flush_at 3: one batch of all 5
  REQUIRE(r);
  auto& u = h.restart();  // crashed before an answer
  CHECK(u.client_id() == client);
  CHECK(u.pending() == 5);
  h.clock.advance(1);
  const auto again = u.next_request();
  REQUIRE(again);
  CHECK(again->batch_id == r->batch_id);
  CHECK(again->body == r->body);
  u.on_response(again->batch_id, {200, "", ""});
  CHECK(u.pending() == 0);
  u.track("next");
  CHECK(u.pending() == 1);
  auto& v = h.restart();
  CHECK(v.pending() == 1);
  v.flush();
  const auto last = v.next_request();
  REQUIRE(last);
  CHECK(events_of(*last)[0]["event_name"] == "next");
}

TEST_CASE("tracker: storage that refuses appends still delivers from memory, counted") {
  struct full_storage final : storage {
    memory_storage state;
    bool append(std::uint64_t, std::string_view) override { return false; }
    void remove(const std::vector<std::uint64_t>&) override {}
    std::vector<stored_event> load() override { return {}; }
    void save_state(std::string_view k, std::string_view v) override { state.save_state(k, v); }
    std::optional<std::string> load_state(std::string_view k) override {
      return state.load_state(k);
    }
  } full;
  manual_clock clock(t0);
  seeded_random random(1);
  config cfg;
  cfg.flush_at = 2;
  tracker t(cfg, clock, random, full);
  t.track("a");
  t.track("b");
  CHECK(t.counters().storage_errors == 2);
  const auto r = t.next_request();
  REQUIRE(r);
  CHECK(r->events == 2);
}

TEST_CASE("tracker: consent pending holds, granted sends, denied drops and clears") {
  harness h;
  h.cfg.initial_consent = consent::pending;
  auto& t = h.start();
  for (int i = 0; i < 4; ++i) t.track("e");
  CHECK_FALSE(t.next_request());
  CHECK(t.pending() == 4);
  CHECK(h.store.size() == 0);  // nothing persisted before consent
  t.set_consent(consent::granted);
  CHECK(h.store.size() == 4);
  const auto r = t.next_request();
  REQUIRE(r);
  CHECK(r->events == 4);
  t.track("x");
  t.set_consent(consent::denied);
  CHECK(t.pending() == 0);
  CHECK(h.store.size() == 0);
  CHECK_FALSE(t.track("y"));
  CHECK(t.counters().consent_dropped == 6);  // 4 in flight + "x" cleared, "y" refused
  CHECK_FALSE(t.next_request());
  auto& u = h.restart();  // a denial is remembered
  CHECK(u.current_consent() == consent::denied);
  CHECK_FALSE(u.track("z"));
}

TEST_CASE("tracker: events stored before a denial made elsewhere are dropped at start, not kept") {
  harness h;
  auto& t = h.start();
  for (int i = 0; i < 3; ++i) t.track("e");
  t.flush();
  const auto r = t.next_request();  // a batch on the wire, and stored with its events
  REQUIRE(r);
  t.track("later");
  REQUIRE(h.store.size() == 4);
  // Another tracker on this storage (another tab, or the config) denies while this one is gone.
  h.store.save_state("consent", "denied");
  auto& u = h.restart();
  CHECK(u.current_consent() == consent::denied);
  CHECK(u.pending() == 0);
  CHECK(h.store.size() == 0);
  CHECK(u.counters().consent_dropped == 4);
  CHECK(h.store.load_state("batches") == "[]");
  u.set_consent(consent::granted);  // a later grant sends nothing recorded before the denial
  u.flush();
  CHECK_FALSE(u.next_request());
  // The config's denial, with no choice stored, does the same.
  harness g;
  g.start().track("e");
  g.cfg.initial_consent = consent::denied;
  CHECK(g.restart().pending() == 0);
  CHECK(g.store.size() == 0);
}

TEST_CASE("tracker: a property named like any SDK field is left out and counted, unchecked") {
  harness h;
  auto& t = h.start();
  std::uint64_t dropped = 0;
  for (const auto name : reserved_fields) {
    CAPTURE(name);
    // A value no typed field accepts: it is never checked, only left out.
    CHECK(t.track_json("x", R"({")" + std::string(name) + R"(":[null,{}],"ok":1})"));
    CHECK(t.counters().properties_dropped == ++dropped);
  }
  CHECK(t.counters().invalid == 0);
  t.flush();
  std::vector<json> events;
  for (auto r = t.next_request(); r; r = t.next_request()) {
    for (auto& e : events_of(*r)) events.push_back(std::move(e));
    t.on_response(r->batch_id, {204, "", ""});
  }
  REQUIRE(events.size() == reserved_fields.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string name(reserved_fields[i]);
    CAPTURE(name);
    CHECK(events[i]["ok"] == 1);
    CHECK((!events[i].contains(name) || events[i][name] != json::array({nullptr, json::object()})));
    CHECK_FALSE(contract::validate_event(events[i]));
  }
}

TEST_CASE("tracker: product properties are checked as the contract types them") {
  harness h;
  auto& t = h.start();
  CHECK(t.track_json("p", R"({"product_id":"a","product_name":"b","product_category":"c",)"
                          R"("product_price":0})"));
  CHECK(t.track_json("x", R"({"product_id":5})").error == "product_id: must be a string");
  CHECK(t.track_json("x", R"({"product_name":")" + std::string(257, 'n') + "\"}").error ==
        "product_name: string longer than 256 chars");
  CHECK(t.track_json("x", R"({"product_category":"\ud800"})").error ==
        "product_category: not valid UTF-8");
  CHECK(t.track_json("x", R"({"product_price":"1"})").error ==
        "product_price: must be a finite number >= 0");
  CHECK(t.track_json("x", R"({"product_price":-1e-9})").error ==
        "product_price: must be a finite number >= 0");
  CHECK(t.counters().invalid == 5);
  CHECK(t.counters().properties_dropped == 0);
}

TEST_CASE("tracker: properties as text are spliced in as given, or rewritten without reserved") {
  harness h;
  auto& t = h.start();
  CHECK(t.track_json("a", R"( { "k" : 1 , "nested": {"x": [1, 2]} } )"));
  CHECK(t.track_json("b", "{ }"));
  CHECK(t.track_json("c", "{}"));
  CHECK(t.track_json("d", R"({"user_id":"forged","kept":"\u00e9"})"));
  CHECK_FALSE(t.track_json("e", R"({"k":1} x)"));
  CHECK(t.counters().properties_dropped == 1);
  t.flush();
  const auto events = events_of(*t.next_request());
  REQUIRE(events.size() == 4);
  CHECK(events[0]["k"] == 1);
  CHECK(events[0]["nested"]["x"][1] == 2);
  CHECK(events[1]["event_name"] == "b");
  CHECK_FALSE(events[3].contains("user_id"));
  CHECK(events[3]["kept"] == "\u00e9");
  for (const auto& e : events) CHECK_FALSE(contract::validate_event(e));
}

// The members shared by events are written once per change: each change must reach the next event.
TEST_CASE("tracker: every event carries the context current when it was tracked") {
  harness h;
  auto& t = h.start();
  t.page_view({"https://shop.example/a", "", "A", ""});
  t.track("x");
  t.identify("u1", "cognito");
  t.track("x");
  t.page_view({"https://shop.example/b?utm_source=news&utm_campaign=c1", "", "B", ""});
  t.track("x");
  t.set_device({"fr-FR", "Europe/Paris", "1x1", "2x2", "web", "sdk/1"});
  t.track("x");
  h.clock.advance(31 * minute);  // the session times out
  t.track("x");
  t.reset();
  t.track("x");
  std::vector<json> events;
  for (t.flush(); auto r = t.next_request(); t.flush()) {
    for (auto& e : events_of(*r)) events.push_back(std::move(e));
    t.on_response(r->batch_id, {200, "", ""});
  }
  REQUIRE(events.size() == 8);
  CHECK(events[1]["page_title"] == "A");
  CHECK_FALSE(events[1].contains("user_id"));
  CHECK(events[2]["user_id"] == "u1");
  CHECK(events[2]["page_title"] == "A");
  CHECK(events[4]["page_title"] == "B");
  CHECK(events[4]["utm_campaign"] == "c1");
  CHECK(events[4]["session_index"] == 2);  // a new campaign starts a session
  CHECK(events[5]["locale"] == "fr-FR");
  CHECK(events[5]["user_id"] == "u1");
  CHECK(events[6]["session_index"] == 3);
  CHECK(events[6]["session_start"] == true);
  CHECK(events[6]["locale"] == "fr-FR");
  CHECK(events[7]["client_id"] != events[6]["client_id"]);
  CHECK_FALSE(events[7].contains("user_id"));
  CHECK(events[7]["session_id"] != events[6]["session_id"]);
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i]["session_start"] == (i == 0 || i == 3 || i == 6 || i == 7));
    CHECK_FALSE(contract::validate_event(events[i]));
  }
}

TEST_CASE("tracker: identify and reset") {
  harness h;
  auto& t = h.start();
  const auto anonymous = t.client_id();
  t.track("a");
  t.identify("user_123", "cognito");
  t.track("b");
  const auto session = t.session().id;
  auto& u = h.restart();
  CHECK(u.user_id() == "user_123");
  u.track("c");
  u.reset();
  CHECK(u.client_id() != anonymous);
  u.track("d");
  u.flush();
  const auto events = events_of(*u.next_request());
  REQUIRE(events.size() == 4);
  CHECK_FALSE(events[0].contains("user_id"));
  CHECK(events[1]["user_id"] == "user_123");
  CHECK(events[1]["identity_source"] == "cognito");
  CHECK(events[1]["login_state"] == "logged_in");
  CHECK(events[2]["user_id"] == "user_123");
  CHECK(events[2]["session_id"] == session);  // a restart keeps the session
  CHECK(events[3]["login_state"] == "anonymous");
  CHECK(events[3]["client_id"] == u.client_id());
  CHECK(events[3]["session_id"] != session);
  CHECK(events[3]["session_index"] == 1);
  CHECK(events[3]["session_start"] == true);
}

TEST_CASE("tracker: landing attribution goes on every event of the session") {
  harness h;
  h.cfg.flush_at = 100;
  auto& t = h.start();
  t.page_view({"https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=xmas&gclid=G1",
               "", "Home", "https://www.google.com/"});
  t.page_view({"https://shop.example/category/laptops", "", "Laptops",
               "https://shop.example/?utm_source=google"});
  t.track("product_click", {{"product_id", "SKU-1"}});
  h.clock.advance(31 * minute);  // inactivity: the next session starts direct
  t.page_view({"https://shop.example/cart", "", "Cart", ""});
  h.clock.advance(minute);  // a new campaign mid-session starts another
  t.page_view({"https://shop.example/?utm_source=newsletter&utm_medium=email", "", "Home", ""});
  t.flush();
  const auto events = events_of(*t.next_request());
  REQUIRE(events.size() == 5);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(events[i]["utm_source"] == "google");
    CHECK(events[i]["utm_campaign"] == "xmas");
    CHECK(events[i]["gclid"] == "G1");
    CHECK(events[i]["referrer_type"] == "paid");
    CHECK(events[i]["referrer"] == "https://www.google.com/");
    CHECK(events[i]["session_id"] == events[0]["session_id"]);
  }
  CHECK(events[1]["page_path"] == "/category/laptops");
  CHECK(events[1]["page_title"] == "Laptops");
  CHECK(events[2]["page_url"] == "https://shop.example/category/laptops");
  CHECK_FALSE(events[3].contains("utm_source"));
  CHECK(events[3]["referrer_type"] == "direct");
  CHECK(events[3]["session_index"] == 2);
  CHECK(events[4]["utm_source"] == "newsletter");
  CHECK(events[4]["referrer_type"] == "email");
  CHECK(events[4]["session_index"] == 3);
  CHECK(events[4]["session_start"] == true);
}

TEST_CASE("tracker: two trackers reload one shared session (browser tabs)") {
  harness h;
  auto& a = h.start();
  a.track("in_tab_a");
  tracker b(h.cfg, h.clock, h.random, h.store);
  CHECK(b.session().id == a.session().id);
  CHECK(b.client_id() == a.client_id());
  h.clock.advance(20 * minute);
  b.track("in_tab_b");
  h.clock.advance(20 * minute);  // tab A idle 40 min, but tab B was active 20 min ago
  a.reload_state();
  a.track("back_in_a");
  CHECK(a.session().id == b.session().id);
  CHECK(a.session().index == 1);
}

TEST_CASE("tracker: deterministic given clock, randomness and script") {
  auto run = [] {
    harness h;
    auto& t = h.start();
    std::string trace;
    t.page_view({"https://shop.example/?utm_source=x", "", "Home", ""});
    for (int i = 0; i < 7; ++i) {
      t.track("e", {{"i", i}});
      h.clock.advance(700);
      if (auto r = t.next_request()) {
        trace += r->url + r->body;
        t.on_response(r->batch_id, {i % 2 ? 503 : 200, "", ""});
      }
    }
    return trace;
  };
  const auto a = run();
  CHECK(a.size() > 1000);
  CHECK(a == run());
}

namespace {

// One tab's view of a shared store (localStorage): state writes reach the other tab only when
// its host delivers them (the browser's `storage` event), so two tabs can race.
class tab_storage final : public storage {
 public:
  bool append(std::uint64_t seq, std::string_view body) override { return own_.append(seq, body); }
  void remove(const std::vector<std::uint64_t>& seqs) override { own_.remove(seqs); }
  std::vector<stored_event> load() override { return own_.load(); }
  void save_state(std::string_view key, std::string_view value) override {
    own_.save_state(key, value);
    outbox.emplace_back(key, value);
  }
  std::optional<std::string> load_state(std::string_view key) override {
    return own_.load_state(key);
  }
  void receive(const std::string& key, const std::string& value) { own_.save_state(key, value); }
  std::vector<std::pair<std::string, std::string>> outbox;

 private:
  memory_storage own_;
};

// Delivers what each tab wrote to the other, as storage events, until neither writes back.
void sync(tab_storage& a, tracker& ta, tab_storage& b, tracker& tb) {
  for (int round = 0; round < 10 && (!a.outbox.empty() || !b.outbox.empty()); ++round) {
    auto from_a = std::move(a.outbox);
    auto from_b = std::move(b.outbox);
    a.outbox.clear();
    b.outbox.clear();
    for (const auto& [k, v] : from_a) b.receive(k, v);
    if (!from_a.empty()) tb.reload_state();
    for (const auto& [k, v] : from_b) a.receive(k, v);
    if (!from_b.empty()) ta.reload_state();
  }
}

}  // namespace

TEST_CASE("tracker: two tabs on a first visit at once agree on one client and one session") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    manual_clock clock(t0);
    seeded_random ra(seed), rb(seed * 7919);
    tab_storage sa, sb;
    config cfg;
    tracker a(cfg, clock, ra, sa);  // both create a client id before seeing the other's
    tracker b(cfg, clock, rb, sb);
    a.track("first_in_a");
    clock.advance(static_cast<std::int64_t>(seed % 3));
    b.track("first_in_b");
    sync(sa, a, sb, b);
    CHECK(a.client_id() == b.client_id());
    CHECK(a.session().id == b.session().id);
    CHECK(a.session().index == 1);
    clock.advance(minute);
    a.track("later");
    b.track("later");
    sync(sa, a, sb, b);
    CHECK(a.session().id == b.session().id);
  }
}

TEST_CASE("tracker: a reset in one tab wins in the other; a newer session beats an older one") {
  manual_clock clock(t0);
  seeded_random ra(1), rb(2);
  tab_storage sa, sb;
  config cfg;
  tracker a(cfg, clock, ra, sa);
  sync(sa, a, sb, *std::make_unique<tracker>(cfg, clock, rb, sb));
  tracker b(cfg, clock, rb, sb);
  a.identify("user_1");
  a.track("x");
  sync(sa, a, sb, b);
  CHECK(b.user_id() == "user_1");
  CHECK(b.client_id() == a.client_id());
  b.reset();  // sign-out in tab B
  b.track("y");
  sync(sa, a, sb, b);
  CHECK(a.client_id() == b.client_id());
  CHECK(a.user_id().empty());
  CHECK(a.session().id == b.session().id);
  clock.advance(40 * minute);  // A's session expires; A starts session 2, B learns of it
  a.track("z");
  sync(sa, a, sb, b);
  CHECK(b.session().id == a.session().id);
  CHECK(b.session().index == a.session().index);
}
