#include <doctest/doctest.h>

#include <clickstream/contract.hpp>
#include <clickstream/event.hpp>
#include <clickstream/queue.hpp>
#include <clickstream/session.hpp>

using namespace clickstream;

namespace {
constexpr std::int64_t minute = 60'000;
constexpr std::int64_t t0 = 1'764'861'825'123;

attribution campaign(const char* source, const char* name) {
  attribution a;
  a.params = {{"utm_source", source}, {"utm_campaign", name}};
  a.type = referrer_type::paid;
  return a;
}

queued_event event_of(std::uint64_t seq, std::size_t bytes) {
  return {seq, std::string(bytes, 'x'), 0};
}
}  // namespace

TEST_CASE("session: the first event starts one; 30 minutes of inactivity end it") {
  constexpr std::string_view client = "client-1";
  session_tracker s;
  CHECK(s.touch(t0, nullptr, client));
  const auto first = s.state().id;
  CHECK(s.state().index == 1);
  CHECK(contract::is_uuid(first));
  CHECK_FALSE(s.touch(t0 + 29 * minute, nullptr, client));
  CHECK_FALSE(s.touch(t0 + 58 * minute, nullptr, client));  // activity extends it
  CHECK(s.state().id == first);
  CHECK(s.touch(t0 + 88 * minute, nullptr, client));  // exactly 30 minutes idle
  CHECK(s.state().id != first);
  CHECK(s.state().index == 2);
  CHECK(s.state().started_ms == t0 + 88 * minute);
}

// Two tabs of a first visit start "session 1 of client c" before either sees the other's write.
TEST_CASE("session: trackers of one client that start a session at once give it one id") {
  session_tracker tab0, tab1, other;
  CHECK(tab0.touch(t0, nullptr, "client-a"));
  CHECK(tab1.touch(t0 + 3, nullptr, "client-a"));
  CHECK(other.touch(t0, nullptr, "client-b"));
  CHECK(tab0.state().id == tab1.state().id);
  CHECK(tab0.state().id != other.state().id);
  CHECK(tab0.touch(t0 + 31 * minute, nullptr, "client-a"));  // session 2, named after session 1
  CHECK(tab1.touch(t0 + 32 * minute, nullptr, "client-a"));
  CHECK(tab0.state().index == 2);
  CHECK(tab0.state().id == tab1.state().id);
  session_tracker fresh;  // "session 2" reached from another session 1 is another session
  fresh.restore({"another-session-1", 1, t0, t0, {}});
  CHECK(fresh.touch(t0 + 31 * minute, nullptr, "client-a"));
  CHECK(fresh.state().id != tab0.state().id);
}

TEST_CASE("session: a 24-hour cap even with constant activity; settings are honoured") {
  constexpr std::string_view client = "client-2";
  session_tracker s;
  s.touch(t0, nullptr, client);
  std::int64_t t = t0;
  int starts = 0;
  for (int i = 0; i < 24 * 4 + 1; ++i) {
    t += 15 * minute;
    starts += s.touch(t, nullptr, client) ? 1 : 0;
  }
  CHECK(starts == 1);
  CHECK(s.state().started_ms == t0 + 24 * 60 * minute);

  session_tracker short_one({5 * minute, 10 * minute});
  short_one.touch(t0, nullptr, client);
  CHECK_FALSE(short_one.touch(t0 + 4 * minute, nullptr, client));
  CHECK(short_one.touch(t0 + 9 * minute + 1, nullptr, client));  // idle 5 min 1 ms
  CHECK_FALSE(short_one.touch(t0 + 13 * minute, nullptr, client));
  CHECK(short_one.touch(t0 + 19 * minute + 2, nullptr, client));  // 10-minute cap
}

TEST_CASE("session: a landing with a different campaign starts a new one") {
  constexpr std::string_view client = "client-3";
  session_tracker s;
  const auto spring = campaign("google", "spring");
  const auto summer = campaign("google", "summer");
  const attribution none;
  CHECK(s.touch(t0, &spring, client));
  CHECK(s.state().landing.params == spring.params);
  CHECK_FALSE(s.touch(t0 + minute, &spring, client));    // same campaign: same session
  CHECK_FALSE(s.touch(t0 + 2 * minute, &none, client));  // internal or direct: same session
  CHECK(s.state().landing.params == spring.params);      // the landing's attribution is kept
  CHECK(s.touch(t0 + 3 * minute, &summer, client));
  CHECK(s.state().index == 2);
  CHECK(s.state().landing.params == summer.params);
}

TEST_CASE("session: a clock that steps back is not inactivity") {
  constexpr std::string_view client = "client-4";
  session_tracker s;
  s.touch(t0, nullptr, client);
  CHECK_FALSE(s.touch(t0 - 10 * minute, nullptr, client));
  CHECK(s.state().last_activity_ms == t0);
}

TEST_CASE("session: state survives serialization; garbage is refused") {
  constexpr std::string_view client = "client-5";
  session_tracker s;
  auto landing = campaign("newsletter", "dec");
  landing.referrer = "https://mail.google.com/";
  landing.type = referrer_type::email;
  s.touch(t0, &landing, client);
  s.touch(t0 + minute, nullptr, client);
  const auto restored = parse_session(serialize(s.state()));
  REQUIRE(restored);
  CHECK(restored->id == s.state().id);
  CHECK(restored->index == 1);
  CHECK(restored->started_ms == t0);
  CHECK(restored->last_activity_ms == t0 + minute);
  CHECK(restored->landing.params == landing.params);
  CHECK(restored->landing.referrer == landing.referrer);
  CHECK(restored->landing.type == referrer_type::email);

  session_tracker again;
  again.restore(*restored);
  CHECK_FALSE(again.touch(t0 + 20 * minute, nullptr, client));
  CHECK(again.state().id == s.state().id);

  for (const char* bad : {"", "{", "[]", "{\"id\":\"\"}", "{\"id\":1,\"index\":1}",
                          "{\"id\":\"x\",\"index\":\"1\",\"started\":0,\"last\":0}"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_session(bad));
  }
}

TEST_CASE("event: every SDK field, then the properties at top level") {
  page_context page{"https://shop.example/products/sku-12345?utm_source=google",
                    "/products/sku-12345", "Gaming Laptop", "https://www.google.com/"};
  attribution landing = campaign("google", "spring");
  landing.params.set("gclid", "abc");
  landing.referrer = "https://www.google.com/";
  device_context device{"en-US",    "Europe/Paris", "1920x1080",
                        "1280x720", "web",          "clickstream-js/0.1"};
  event_parts parts;
  parts.event_id = "0190b7e2-0000-7000-8000-000000000000";
  parts.event_name = "product_view";
  parts.timestamp_ms = t0;
  parts.identity = {"c-1", "user_123", "cognito", "s-1", 3, true};
  parts.page = &page;
  parts.landing = &landing;
  parts.device = &device;
  parts.properties = R"("product_id":"SKU-12345","product_price":1299.0)";
  std::string scratch, context;
  const auto out = write_event(scratch, parts, write_context(context, parts));
  const json e = json::parse(out);
  CHECK(e["event_id"] == "0190b7e2-0000-7000-8000-000000000000");
  CHECK(e["event_name"] == "product_view");
  CHECK(e["event_timestamp"] == "2025-12-04T15:23:45.123Z");
  CHECK(e["client_id"] == "c-1");
  CHECK(e["session_id"] == "s-1");
  CHECK(e["session_index"] == 3);
  CHECK(e["session_start"] == true);
  CHECK(e["user_id"] == "user_123");
  CHECK(e["identity_source"] == "cognito");
  CHECK(e["login_state"] == "logged_in");
  CHECK(e["page_url"] == page.url);
  CHECK(e["page_path"] == "/products/sku-12345");
  CHECK(e["page_title"] == "Gaming Laptop");
  CHECK(e["referrer"] == "https://www.google.com/");
  CHECK(e["referrer_type"] == "paid");
  CHECK(e["utm_source"] == "google");
  CHECK(e["utm_campaign"] == "spring");
  CHECK(e["gclid"] == "abc");
  CHECK(e["locale"] == "en-US");
  CHECK(e["timezone"] == "Europe/Paris");
  CHECK(e["screen"] == "1920x1080");
  CHECK(e["viewport"] == "1280x720");
  CHECK(e["platform"] == "web");
  CHECK(e["sdk"] == "clickstream-js/0.1");
  CHECK(e["product_id"] == "SKU-12345");
  CHECK(e["product_price"] == 1299.0);
  CHECK_FALSE(contract::validate_event_text(out));
}

TEST_CASE("event: anonymous, no context: only what is known is written") {
  event_parts parts;
  parts.event_id = "0190b7e2-0000-7000-8000-000000000000";
  parts.event_name = "app_open";
  parts.identity = {"c-1", "", "", "s-1", 1, false};
  std::string scratch, context;
  const auto out = write_event(scratch, parts, write_context(context, parts));
  const json e = json::parse(out);
  CHECK(e["login_state"] == "anonymous");
  CHECK(e["session_start"] == false);
  CHECK_FALSE(e.contains("user_id"));
  CHECK_FALSE(e.contains("page_url"));
  CHECK_FALSE(contract::validate_event(e));
}

TEST_CASE("event: hostile strings still give valid JSON within the contract") {
  page_context page;
  page.url = "https://x.example/" + std::string(5000, 'a');
  page.title = std::string("bad \xC3\x28 utf8 \xED\xA0\x80 \"quoted\" \\ \n\t\x01 end");
  event_parts parts;
  parts.event_id = "0190b7e2-0000-7000-8000-000000000000";
  parts.event_name = "x";
  parts.identity = {"c", "", "", "s", 1, false};
  parts.page = &page;
  parts.properties = R"("we\"ird\nkey":"value","nested":{"a":[1,2,{"b":null}]})";
  std::string scratch, context;
  // json::parse throws (fails the test) if the text is not valid JSON.
  const json e = json::parse(write_event(scratch, parts, write_context(context, parts)));
  CHECK(e["page_url"].get<std::string>().size() == 2048);
  const auto title = e["page_title"].get<std::string>();
  CHECK(contract::is_valid_utf8(title));
  CHECK(title.find("\"quoted\" \\ \n\t\x01 end") != std::string::npos);
  CHECK(e["we\"ird\nkey"] == "value");
  CHECK(e["nested"]["a"][2]["b"].is_null());
}

TEST_CASE("queue: bounded by events, oldest dropped first") {
  event_queue q({3, 1 << 20, 50, 60 * 1024});
  CHECK(q.push(event_of(1, 10)).empty());
  CHECK(q.push(event_of(2, 10)).empty());
  CHECK(q.push(event_of(3, 10)).empty());
  CHECK(q.push(event_of(4, 10)) == std::vector<std::uint64_t>{1});
  CHECK(q.size() == 3);
  CHECK(q.ready().front().seq == 2);
  CHECK(q.bytes() == 30);
}

TEST_CASE("queue: bounded by bytes") {
  event_queue q({100, 100, 50, 60 * 1024});
  q.push(event_of(1, 40));
  q.push(event_of(2, 40));
  CHECK(q.push(event_of(3, 40)) == std::vector<std::uint64_t>{1});
  CHECK(q.push(event_of(4, 90)) == std::vector<std::uint64_t>{2, 3});
  CHECK(q.bytes() == 90);
}

TEST_CASE("queue: eviction takes idle batches' events first, never those on the wire") {
  event_queue q({4, 1 << 20, 2, 60 * 1024});
  for (std::uint64_t i = 1; i <= 4; ++i) q.push(event_of(i, 10));
  auto& wire = q.form_batch("a", 1 << 20);  // 1, 2
  wire.on_wire = true;
  q.form_batch("b", 1 << 20);  // 3, 4: idle (waiting for a retry)
  CHECK(q.push(event_of(5, 10)) == std::vector<std::uint64_t>{3});
  CHECK(q.push(event_of(6, 10)) == std::vector<std::uint64_t>{4});
  CHECK(q.find("b") == nullptr);  // emptied, so gone
  CHECK(q.push(event_of(7, 10)) == std::vector<std::uint64_t>{5});
  CHECK(q.find("a")->events == 2);
  CHECK(q.size() == 4);
}

TEST_CASE("queue: batches bounded by events and bytes, at least one event each") {
  event_queue q({100, 1 << 20, 3, 60 * 1024});
  for (std::uint64_t i = 1; i <= 7; ++i) q.push(event_of(i, 100));
  CHECK(q.form_batch("a", 1 << 20).events == 3);  // event cap
  auto& b = q.form_batch("b", 250);               // byte cap: [ + 100 + , + 100 ] = 203
  CHECK(b.events == 2);
  CHECK(q.body(b).size() == 203);
  CHECK(q.form_batch("c", 10).events == 1);  // one event even when it alone is too big
  CHECK(q.ready().size() == 1);
  CHECK(q.erase(*q.find("b")) == std::vector<std::uint64_t>{4, 5});
  CHECK(q.size() == 5);
}

TEST_CASE("queue: split keeps order and gives the halves their own ids") {
  event_queue q({100, 1 << 20, 50, 60 * 1024});
  for (std::uint64_t i = 1; i <= 5; ++i) q.push(event_of(i, 1));
  q.form_batch("a", 1 << 20).attempts = 3;
  q.split(*q.find("a"), "a1", "a2");
  REQUIRE(q.batches().size() == 2);
  CHECK(q.batches()[0].id == "a1");
  CHECK(q.seqs(q.batches()[0]) == std::vector<std::uint64_t>{1, 2});
  CHECK(q.batches()[0].attempts == 0);
  CHECK(q.batches()[1].id == "a2");
  CHECK(q.seqs(q.batches()[1]) == std::vector<std::uint64_t>{3, 4, 5});
  CHECK(q.clear().size() == 5);
  CHECK(q.size() == 0);
}
