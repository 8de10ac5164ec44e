// The wire contract (DESIGN.md §3): every rule accepted and rejected, every request status, and
// hostile input (deep nesting, huge strings, broken UTF-8, random bytes) that must simply return.
#include <doctest/doctest.h>

#include <clickstream/contract.hpp>
#include <clickstream/event.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using clickstream::json;
namespace contract = clickstream::contract;
using contract::request_status;

const char* const seed_product_view =
    R"({"event_name":"product_view","event_timestamp":"2025-12-04T15:23:45.123Z",)"
    R"("user_id":"user_123","login_state":"logged_in","session_id":"session_abc",)"
    R"("client_id":"browser_xyz","product_id":"SKU-12345","product_name":"Gaming Laptop 15 inch",)"
    R"("product_category":"Laptops","product_price":1299.0,"page_url":"/products/sku-12345"})";

const char* const seed_page_view =
    R"({"event_name":"page_view","event_timestamp":"2025-12-04T16:00:00.000Z",)"
    R"("user_id":"test_user_manual","login_state":"anonymous","session_id":"session_manual_001",)"
    R"("client_id":"postman_client","page_url":"/manual-test"})";

json event(json fields = json::object()) {
  fields["event_name"] = "test_event";
  return fields;
}

// The reason check_field gives, or "" when it accepts.
std::string field_error(std::string_view key, const json& value) {
  return contract::check_field(key, value).value_or("");
}

std::string event_error(const json& e) { return contract::validate_event(e).value_or(""); }
std::string text_error(const std::string& text) {
  return contract::validate_event_text(text).value_or("");
}

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  out.reserve(unit.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// {"a":{"a":...}} with `levels` objects below the event, built without recursion.
json deep_object(std::size_t levels) {
  json root = event();
  json* at = &root;
  for (std::size_t i = 0; i < levels; ++i) {
    (*at)["a"] = json::object();
    at = &(*at)["a"];
  }
  return root;
}

std::string deep_object_body(std::size_t levels) {
  return R"({"event_name":"deep",)" + repeat(R"("a":{)", levels) + repeat("}", levels) + "}";
}

}  // namespace

TEST_SUITE("contract") {
  TEST_CASE("utf8: well-formed text is accepted and counted in code points") {
    CHECK(contract::is_valid_utf8(""));
    CHECK(contract::is_valid_utf8("plain ascii, longer than eight bytes"));
    CHECK(contract::is_valid_utf8("h\xC3\xA9llo"));                  // é
    CHECK(contract::is_valid_utf8("\xE2\x82\xAC"));                  // €
    CHECK(contract::is_valid_utf8("\xF0\x9F\x98\x80"));              // 😀
    CHECK(contract::is_valid_utf8("\xED\x9F\xBF\xF4\x8F\xBF\xBF"));  // U+D7FF, U+10FFFF
    CHECK(contract::is_valid_utf8("\xE0\xA0\x80\xEE\x80\x80"));      // U+0800, U+E000
    CHECK(contract::is_valid_utf8("\xF0\x90\x80\x80\xC2\x80"));      // U+10000, U+0080
    CHECK(contract::utf8_length("") == 0);
    CHECK(contract::utf8_length("abc") == 3);
    CHECK(contract::utf8_length("h\xC3\xA9llo") == 5);
    CHECK(contract::utf8_length("\xF0\x9F\x98\x80!") == 2);
  }

  TEST_CASE("utf8: ill-formed text is rejected") {
    CHECK_FALSE(contract::is_valid_utf8("\xC0\x80"));          // overlong NUL
    CHECK_FALSE(contract::is_valid_utf8("\xC1\xBF"));          // overlong
    CHECK_FALSE(contract::is_valid_utf8("\xE0\x80\x80"));      // overlong
    CHECK_FALSE(contract::is_valid_utf8("\xF0\x80\x80\x80"));  // overlong
    CHECK_FALSE(contract::is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
    CHECK_FALSE(contract::is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(contract::is_valid_utf8("\xF5\x80\x80\x80"));
    CHECK_FALSE(contract::is_valid_utf8("\xFF"));
    CHECK_FALSE(contract::is_valid_utf8("\x80"));                  // lone continuation
    CHECK_FALSE(contract::is_valid_utf8("\xE2\x82"));              // truncated
    CHECK_FALSE(contract::is_valid_utf8("\xE2\x28\xA1"));          // bad continuation
    CHECK_FALSE(contract::is_valid_utf8("\xE2\x82\x28"));          // bad third byte
    CHECK_FALSE(contract::is_valid_utf8("\xF0\x9F\x98"));          // truncated after three
    CHECK_FALSE(contract::is_valid_utf8("\xF0\x9F\x98\xC0"));      // bad fourth byte
    CHECK_FALSE(contract::is_valid_utf8("sixteen bytes ok\xFF"));  // after an 8-byte ASCII run
    CHECK_FALSE(contract::is_valid_utf8(std::string_view("a\0\xFF", 3)));
  }

  TEST_CASE("is_uuid: 8-4-4-4-12 hex in any case and version") {
    CHECK(contract::is_uuid("0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b"));  // v7
    CHECK(contract::is_uuid("F47AC10B-58CC-4372-A567-0E02B2C3D479"));  // v4, upper case
    CHECK(contract::is_uuid("00000000-0000-0000-0000-000000000000"));
    CHECK_FALSE(contract::is_uuid(""));
    CHECK_FALSE(contract::is_uuid("f47ac10b58cc4372a5670e02b2c3d479"));
    CHECK_FALSE(contract::is_uuid("{f47ac10b-58cc-4372-a567-0e02b2c3d479}"));
    CHECK_FALSE(contract::is_uuid("g47ac10b-58cc-4372-a567-0e02b2c3d479"));
    CHECK_FALSE(contract::is_uuid("f47ac10b-58cc-4372-a567-0e02b2c3d47"));
    CHECK_FALSE(contract::is_uuid("f47ac10b-58cc-4372-a567_0e02b2c3d479"));
  }

  TEST_CASE("is_event_name: a letter, then letters, digits, _ . : -, at most 64") {
    CHECK(contract::is_event_name("a"));
    CHECK(contract::is_event_name("product_view"));
    CHECK(contract::is_event_name("Checkout.Step:2-b_x"));
    CHECK(contract::is_event_name(std::string(64, 'e')));
    CHECK_FALSE(contract::is_event_name(""));
    CHECK_FALSE(contract::is_event_name(std::string(65, 'e')));
    CHECK_FALSE(contract::is_event_name("1st_event"));
    CHECK_FALSE(contract::is_event_name("_private"));
    CHECK_FALSE(contract::is_event_name("has space"));
    CHECK_FALSE(contract::is_event_name("a/b"));
    CHECK_FALSE(contract::is_event_name("caf\xC3\xA9"));
    // The bytes either side of the letters and digits.
    CHECK(contract::is_event_name("AZaz09"));
    for (const char* bad : {"@a", "[a", "`a", "{a", "a@", "a[", "a`", "a{", "a/", "a;"}) {
      CAPTURE(bad);
      CHECK_FALSE(contract::is_event_name(bad));
    }
  }

  TEST_CASE("parse_timestamp: valid ISO-8601 UTC instants") {
    CHECK(contract::parse_timestamp("1970-01-01T00:00:00Z") == 0);
    CHECK(contract::parse_timestamp("2025-12-04T15:23:45.123Z") == 1764861825123);
    CHECK(contract::parse_timestamp("2025-12-04t15:23:45.123z") == 1764861825123);
    CHECK(contract::parse_timestamp("2024-02-29T12:00:00Z") == 1709208000000);  // leap day
    CHECK(contract::parse_timestamp("2000-02-29T00:00:00Z") == 951782400000);   // 400-year leap
    CHECK(contract::parse_timestamp("9999-12-31T23:59:59.999Z") == 253402300799999);
    // Offsets are converted to UTC.
    CHECK(contract::parse_timestamp("2025-12-04T17:23:45.123+02:00") == 1764861825123);
    CHECK(contract::parse_timestamp("2025-12-04T09:53:45.123-05:30") == 1764861825123);
    CHECK(contract::parse_timestamp("2025-12-04T15:23:45.123-00:00") == 1764861825123);
    // 1 to 9 fractional digits; past milliseconds they are truncated.
    CHECK(contract::parse_timestamp("1970-01-01T00:00:01.5Z") == 1500);
    CHECK(contract::parse_timestamp("1970-01-01T00:00:01.05Z") == 1050);
    CHECK(contract::parse_timestamp("1970-01-01T00:00:01.123456789Z") == 1123);
    CHECK(contract::parse_timestamp("1970-01-01T00:00:01.999999999Z") == 1999);
    // A leap second is the next second.
    CHECK(contract::parse_timestamp("2016-12-31T23:59:60Z") ==
          contract::parse_timestamp("2017-01-01T00:00:00Z"));
  }

  TEST_CASE("parse_timestamp: invalid dates, times and garbage") {
    for (const char* bad : {"2023-02-29T00:00:00Z",  // not a leap year
                            "2100-02-29T00:00:00Z",  // century, not a leap year
                            "2025-04-31T00:00:00Z",
                            "2025-13-01T00:00:00Z",
                            "2025-00-01T00:00:00Z",
                            "2025-01-00T00:00:00Z",
                            "2025-01-32T00:00:00Z",
                            "2025-01-01T24:00:00Z",
                            "2025-01-01T00:60:00Z",
                            "2025-01-01T00:00:61Z",
                            "1969-12-31T23:59:59Z",       // before the epoch
                            "1970-01-01T00:30:00+01:00",  // before the epoch once in UTC
                            "10000-01-01T00:00:00Z",
                            "2025-12-04T15:23:45.123",  // no zone
                            "2025-12-04T15:23:45.Z",
                            "2025-12-04T15:23:45.1234567890Z",
                            "2025-12-04T15:23:45+24:00",
                            "2025-12-04T15:23:45+02:60",
                            "2025-12-04T15:23:45+0200",
                            "2025-12-04 15:23:45Z",
                            "2025-12-04",
                            "2025-12-04T15:23Z",
                            "2025-1a-04T15:23:45Z",
                            "2025-12-04T15:23:45Zjunk",
                            "2025/12/04T15:23:45Z",
                            " 2025-12-04T15:23:45Z",
                            "",
                            "abc",
                            "-025-12-04T15:23:45Z",
                            "2025-12-04T15:23:45.12 3Z"}) {
      CAPTURE(bad);
      CHECK_FALSE(contract::parse_timestamp(bad).has_value());
    }
    CHECK_FALSE(contract::parse_timestamp(std::string_view("2025-12-04T15:23:45Z\0", 21)));
  }

  TEST_CASE("event_id: a UUID string") {
    CHECK(field_error("event_id", "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b").empty());
    CHECK(field_error("event_id", "evt-1") == "event_id: must be a UUID string");
    CHECK(field_error("event_id", 42) == "event_id: must be a UUID string");
  }

  TEST_CASE("event_name: required and well-formed") {
    CHECK(field_error("event_name", "product_view").empty());
    CHECK(field_error("event_name", "1bad").find("event_name: must be 1-64 chars") == 0);
    CHECK(field_error("event_name", 7).find("event_name: ") == 0);
    CHECK(event_error({{"event_name", "x"}}).empty());
    CHECK(event_error({{"user_id", "u"}}) == "event_name: required");
  }

  TEST_CASE("event_timestamp: ISO-8601 string or integer epoch ms") {
    CHECK(field_error("event_timestamp", "2025-12-04T15:23:45.123Z").empty());
    CHECK(field_error("event_timestamp", 1764861825123).empty());
    CHECK(field_error("event_timestamp", 0).empty());
    CHECK(field_error("event_timestamp", 1764861825123.0).empty());               // integral float
    CHECK(field_error("event_timestamp", json::parse("1764861825123")).empty());  // unsigned
    const std::string why =
        "event_timestamp: must be an ISO-8601 UTC string or integer epoch ms >= 0";
    CHECK(field_error("event_timestamp", "2025-12-04") == why);
    CHECK(field_error("event_timestamp", -1) == why);
    CHECK(field_error("event_timestamp", 1764861825123.5) == why);
    CHECK(field_error("event_timestamp", 253402300800000) == why);  // past year 9999
    CHECK(field_error("event_timestamp", std::numeric_limits<std::uint64_t>::max()) == why);
    CHECK(field_error("event_timestamp", true) == why);
    CHECK(field_error("event_timestamp", nullptr) == why);
  }

  TEST_CASE("string fields: strings of at most 256 chars") {
    for (const char* key :
         {"user_id",      "identity_source",  "login_state", "page_title",  "utm_source",
          "utm_medium",   "utm_campaign",     "utm_term",    "utm_content", "gclid",
          "gbraid",       "wbraid",           "dclid",       "fbclid",      "msclkid",
          "ttclid",       "twclid",           "li_fat_id",   "locale",      "timezone",
          "screen",       "viewport",         "platform",    "sdk",         "product_id",
          "product_name", "product_category", "client_id",   "session_id"}) {
      CAPTURE(key);
      CHECK(field_error(key, "value").empty());
      CHECK(field_error(key, std::string(256, 'x')).empty());
      CHECK(field_error(key, repeat("\xC3\xA9", 256)).empty());  // chars, not bytes
      CHECK(field_error(key, std::string(257, 'x')) ==
            std::string(key) + ": string longer than 256 chars");
      CHECK(field_error(key, "bad \xFF") == std::string(key) + ": not valid UTF-8");
      CHECK(field_error(key, 12).find(std::string(key) + ": must be a") == 0);
      CHECK(field_error(key, json::object()).find(std::string(key) + ": must be a") == 0);
    }
    CHECK(field_error("user_id", "").empty());
    CHECK(field_error("login_state", "logged_in").empty());
    CHECK(field_error("login_state", "anything else").empty());
  }

  TEST_CASE("client_id and session_id: non-empty strings, not necessarily UUIDs") {
    CHECK(field_error("client_id", "browser_xyz").empty());
    CHECK(field_error("session_id", "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b").empty());
    CHECK(field_error("client_id", "") == "client_id: must be a non-empty string");
    CHECK(field_error("session_id", "") == "session_id: must be a non-empty string");
    CHECK(field_error("session_id", nullptr) == "session_id: must be a non-empty string");
  }

  TEST_CASE("session_index: integer >= 1") {
    CHECK(field_error("session_index", 1).empty());
    CHECK(field_error("session_index", json::parse("42")).empty());
    CHECK(field_error("session_index", 3.0).empty());
    CHECK(field_error("session_index", 0) == "session_index: must be an integer >= 1");
    CHECK(field_error("session_index", -2) == "session_index: must be an integer >= 1");
    CHECK(field_error("session_index", 1.5) == "session_index: must be an integer >= 1");
    CHECK(field_error("session_index", "1") == "session_index: must be an integer >= 1");
  }

  TEST_CASE("session_start: boolean") {
    CHECK(field_error("session_start", true).empty());
    CHECK(field_error("session_start", false).empty());
    CHECK(field_error("session_start", "true") == "session_start: must be a boolean");
    CHECK(field_error("session_start", 1) == "session_start: must be a boolean");
  }

  TEST_CASE("product_price: finite number >= 0") {
    CHECK(field_error("product_price", 1299.0).empty());
    CHECK(field_error("product_price", 0).empty());
    CHECK(field_error("product_price", json::parse("5")).empty());
    CHECK(field_error("product_price", json::parse("99999999999999999999999")).empty());
    const std::string why = "product_price: must be a finite number >= 0";
    CHECK(field_error("product_price", -0.01) == why);
    CHECK(field_error("product_price", -1) == why);
    CHECK(field_error("product_price", "12.00") == why);
    CHECK(field_error("product_price", std::numeric_limits<double>::quiet_NaN()) == why);
    CHECK(field_error("product_price", std::numeric_limits<double>::infinity()) == why);
  }

  TEST_CASE("URL fields: strings of at most 2048 chars") {
    for (const char* key : {"page_url", "page_path", "referrer"}) {
      CAPTURE(key);
      CHECK(field_error(key, "https://shop.example/p?q=1").empty());
      CHECK(field_error(key, std::string(2048, 'u')).empty());
      CHECK(field_error(key, std::string(2049, 'u')) ==
            std::string(key) + ": string longer than 2048 chars");
      CHECK(field_error(key, 1) == std::string(key) + ": must be a string");
    }
    // Any other key ending in "_url" gets the URL limit, nested too; other keys do not.
    CHECK(field_error("image_url", std::string(2048, 'u')).empty());
    CHECK(field_error("image_url", std::string(2049, 'u')) ==
          "image_url: string longer than 2048 chars");
    CHECK(field_error("image", std::string(300, 'u')) == "image: string longer than 256 chars");
    CHECK(field_error("item", {{"thumb_url", std::string(2000, 'u')}}).empty());
    CHECK(field_error("gallery_url", json::array({std::string(2000, 'u')})).empty());
    CHECK(field_error("url", std::string(300, 'u')) == "url: string longer than 256 chars");
  }

  TEST_CASE("referrer_type: one of the classified values") {
    for (const char* type : {"direct", "internal", "search", "social", "email", "paid", "other"}) {
      CHECK(field_error("referrer_type", type).empty());
    }
    CHECK(field_error("referrer_type", "google").find("referrer_type: must be one of") == 0);
    CHECK(field_error("referrer_type", "Direct").find("referrer_type: must be one of") == 0);
    CHECK(field_error("referrer_type", 0).find("referrer_type: must be one of") == 0);
  }

  TEST_CASE("caller properties: any JSON value within the generic rules") {
    CHECK(field_error("color", "red").empty());
    CHECK(field_error("quantity", 3).empty());
    CHECK(field_error("discount", -2.5).empty());
    CHECK(field_error("gift", false).empty());
    CHECK(field_error("coupon", nullptr).empty());
    CHECK(field_error("items", json::parse(R"([{"sku":"a","qty":1},{"sku":"b","tags":["x"]}])"))
              .empty());
    // Fields the ingest adds are checked generically when an event is validated again.
    CHECK(field_error("received_at", 1764861825123).empty());
    CHECK(field_error("timestamp_source", "server").empty());
    CHECK(field_error("items", json::parse(R"([{"sku":"a"},{"name":")" + std::string(257, 'n') +
                                           R"("}])")) ==
          "items[1].name: string longer than 256 chars");
    CHECK(field_error("tags", json::array({"ok", std::string(257, 't')})) ==
          "tags[1]: string longer than 256 chars");
  }

  TEST_CASE("keys: 1-64 chars of valid UTF-8, nested keys too") {
    CHECK(field_error(std::string(64, 'k'), 1).empty());
    CHECK(field_error(repeat("\xC3\xA9", 64), 1).empty());
    CHECK(field_error(std::string(65, 'k'), 1).find("key longer than 64 chars: \"kkkk") == 0);
    CHECK(field_error("", 1) == "empty key");
    CHECK(field_error("bad\xFFkey", 1) == "key is not valid UTF-8");
    CHECK(field_error("props", {{std::string(64, 'k'), 1}}).empty());
    CHECK(field_error("props", {{std::string(65, 'k'), 1}}).find("props: key longer than 64") == 0);
    CHECK(field_error("props", {{"", 1}}) == "props: empty key");
    CHECK(field_error("props", {{"a", {{"b\xC0", 1}}}}) == "props.a: key is not valid UTF-8");
    // A preview is not echoed when the over-long key's first bytes are broken.
    CHECK(field_error("\xFF" + std::string(300, 'k'), 1) ==
          "key longer than 64 chars: (not valid UTF-8)");
  }

  TEST_CASE("strings: valid UTF-8 everywhere, including C++-built values") {
    CHECK(field_error("note", "\xC3\xA9t\xC3\xA9").empty());
    CHECK(field_error("note", "\xC3\x28") == "note: not valid UTF-8");
    CHECK(field_error("props", {{"a", json::array({"ok", "\xED\xA0\x80"})}}) ==
          "props.a[1]: not valid UTF-8");
    CHECK(event_error(event({{"page_title", "\xFF\xFE"}})) == "page_title: not valid UTF-8");
  }

  TEST_CASE("numbers: NaN and Infinity are rejected anywhere") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(field_error("score", 1.5).empty());
    CHECK(field_error("score", nan) == "score: NaN and Infinity are not allowed");
    CHECK(field_error("score", -inf) == "score: NaN and Infinity are not allowed");
    CHECK(field_error("m", {{"x", json::array({1, inf})}}) ==
          "m.x[1]: NaN and Infinity are not allowed");
    CHECK(event_error(event({{"score", nan}})) == "score: NaN and Infinity are not allowed");
  }

  TEST_CASE("values that are not JSON data are rejected") {
    CHECK(field_error("blob", json::binary({1, 2, 3})) == "blob: not a JSON value");
    CHECK(field_error("x", json(json::value_t::discarded)) == "x: not a JSON value");
  }

  TEST_CASE("nesting: the event is depth 1, at most 4 levels") {
    CHECK(event_error(json::parse(R"({"event_name":"e","a":{"b":{"c":{}}}})")).empty());
    CHECK(event_error(json::parse(R"({"event_name":"e","a":{"b":{"c":{"d":1}}}})")).empty());
    CHECK(event_error(json::parse(R"({"event_name":"e","a":[[[]]]})")).empty());
    CHECK(event_error(json::parse(R"({"event_name":"e","a":{"b":{"c":{"d":{}}}}})")) ==
          "a.b.c.d: nesting deeper than 4");
    CHECK(event_error(json::parse(R"({"event_name":"e","a":[[[[]]]]})")) ==
          "a[0][0][0]: nesting deeper than 4");
    CHECK(field_error("a", json::parse(R"({"b":{"c":{}}})")).empty());
    CHECK(field_error("a", json::parse(R"({"b":[{"c":[]}]})")) ==
          "a.b[0].c: nesting deeper than 4");
  }

  TEST_CASE("validate_event: must be an object") {
    CHECK(event_error(json::array()) == "event must be an object");
    CHECK(event_error("product_view") == "event must be an object");
    CHECK(event_error(nullptr) == "event must be an object");
    CHECK(event_error(json::parse(R"({"event_name":"x"})")).empty());
  }

  TEST_CASE("validate_event: the seed's samples are accepted") {
    CHECK(event_error(json::parse(seed_product_view)).empty());
    CHECK(event_error(json::parse(seed_page_view)).empty());
  }

  TEST_CASE("validate_event: at most 32 KiB serialized") {
    json e = event();
    for (int i = 0; i < 200; ++i) e["p" + std::to_string(i)] = std::string(150, 'v');
    const std::size_t size = e.dump().size();
    REQUIRE(size < contract::max_event_bytes);
    CHECK(event_error(e).empty());
    for (int i = 200; i < 240; ++i) e["p" + std::to_string(i)] = std::string(150, 'v');
    const std::size_t over = e.dump().size();
    REQUIRE(over > contract::max_event_bytes);
    CHECK(event_error(e) == "event is " + std::to_string(over) + " bytes serialized, max 32768");
  }

  TEST_CASE("validate_request: the seed's samples, as an array and as a single object") {
    const auto batch = contract::validate_request(std::string("[") + seed_product_view + "," +
                                                  seed_page_view + "]");
    CHECK(batch.status == request_status::ok);
    CHECK(batch.error.empty());
    CHECK(batch.accepted.size() == 2);
    CHECK(batch.accepted_index == std::vector<std::size_t>{0, 1});
    CHECK(batch.rejected.empty());
    CHECK(json::parse(batch.accepted[0]) == json::parse(seed_product_view));
    CHECK(json::parse(batch.accepted[1])["page_url"] == "/manual-test");

    const auto single = contract::validate_request(seed_page_view);
    CHECK(single.status == request_status::ok);
    REQUIRE(single.accepted.size() == 1);
    CHECK(single.accepted_index == std::vector<std::size_t>{0});
    CHECK(json::parse(single.accepted[0]) == json::parse(seed_page_view));
  }

  TEST_CASE("validate_request: a mixed batch keeps the valid events and indexes the rest") {
    const auto check = contract::validate_request(
        R"([{"event_name":"a"}, 5, {"event_name":"1bad"}, {"event_name":"b","n":[1,{"k":null}]},)"
        R"( {"event_name":"c","product_price":-1}, "str", {"nested":{"x":1}}])");
    CHECK(check.status == request_status::ok);
    CHECK(check.accepted_index == std::vector<std::size_t>{0, 3});
    REQUIRE(check.accepted.size() == 2);
    CHECK(json::parse(check.accepted[1]) ==
          json::parse(R"({"event_name":"b","n":[1,{"k":null}]})"));
    REQUIRE(check.rejected.size() == 5);
    CHECK(check.rejected[0].index == 1);
    CHECK(check.rejected[0].error == "event must be an object");
    CHECK(check.rejected[1].index == 2);
    CHECK(check.rejected[1].error.find("event_name: must be") == 0);
    CHECK(check.rejected[2].index == 4);
    CHECK(check.rejected[2].error == "product_price: must be a finite number >= 0");
    CHECK(check.rejected[3].index == 5);
    CHECK(check.rejected[4].index == 6);
    CHECK(check.rejected[4].error == "event_name: required");
    // What was accepted passes again, as the ingest re-validates after enrichment.
    for (const auto& e : check.accepted) CHECK(text_error(e).empty());
  }

  TEST_CASE("validate_request: every status") {
    CHECK(contract::validate_request("[{\"event_name\":\"a\"}]").status == request_status::ok);

    const auto not_json = contract::validate_request("{\"event_name\":");
    CHECK(not_json.status == request_status::not_json);
    CHECK(not_json.error.find("not valid JSON: ") == 0);
    CHECK(contract::validate_request("[{\"event_name\":\"a\"}] trailing").status ==
          request_status::not_json);
    CHECK(contract::validate_request("NaN").status == request_status::not_object_or_array);
    CHECK(contract::validate_request("[{\"event_name\":\"a\",\"x\":NaN}]").status ==
          request_status::no_valid_event);

    for (const char* scalar : {"42", "\"event\"", "null", "true", " -1.5 "}) {
      CAPTURE(scalar);
      const auto check = contract::validate_request(scalar);
      CHECK(check.status == request_status::not_object_or_array);
      CHECK_FALSE(check.error.empty());
    }

    for (const char* empty : {"[]", " [ ] ", "", " \r\n\t"}) {
      CAPTURE(empty);
      const auto check = contract::validate_request(empty);
      CHECK(check.status == request_status::empty);
      CHECK_FALSE(check.error.empty());
    }

    std::string body = "[";
    for (std::size_t i = 0; i < contract::max_request_events; ++i) {
      body += (i ? "," : "");
      body += R"({"event_name":"e"})";
    }
    const auto at_cap = contract::validate_request(body + "]");
    CHECK(at_cap.status == request_status::ok);
    CHECK(at_cap.accepted.size() == 500);
    const auto over_cap = contract::validate_request(body + R"(,{"event_name":"e"}])");
    CHECK(over_cap.status == request_status::too_many_events);
    CHECK(over_cap.error == "501 events, max 500");
    CHECK(over_cap.accepted.empty());
    CHECK(over_cap.rejected.empty());

    const std::string fits = "[{\"event_name\":\"e\",\"p\":\"" +
                             std::string(contract::max_request_bytes - 27, 'x') + "\"}]";
    REQUIRE(fits.size() == contract::max_request_bytes);
    CHECK(contract::validate_request(fits).status == request_status::no_valid_event);
    const auto too_large = contract::validate_request(fits + " ");
    CHECK(too_large.status == request_status::too_large);
    CHECK(too_large.error == "body is 1048577 bytes, max 1048576");

    const auto none_valid = contract::validate_request(R"([{}, 1])");
    CHECK(none_valid.status == request_status::no_valid_event);
    CHECK(none_valid.error == "no valid event (event 0: event_name: required)");
    CHECK(none_valid.accepted.empty());
    REQUIRE(none_valid.rejected.size() == 2);
    CHECK(none_valid.rejected[1].index == 1);
    CHECK(contract::validate_request("{}").status == request_status::no_valid_event);
  }

  TEST_CASE("to_string names every status") {
    CHECK(std::string(contract::to_string(request_status::ok)) == "ok");
    CHECK(std::string(contract::to_string(request_status::not_json)) == "not_json");
    CHECK(std::string(contract::to_string(request_status::not_object_or_array)) ==
          "not_object_or_array");
    CHECK(std::string(contract::to_string(request_status::empty)) == "empty");
    CHECK(std::string(contract::to_string(request_status::too_many_events)) == "too_many_events");
    CHECK(std::string(contract::to_string(request_status::too_large)) == "too_large");
    CHECK(std::string(contract::to_string(request_status::no_valid_event)) == "no_valid_event");
  }

  TEST_CASE("validate_request: nesting in the body, the event object being depth 1") {
    const auto ok = contract::validate_request(R"([{"event_name":"e","a":{"b":{"c":{}}}}])");
    CHECK(ok.status == request_status::ok);
    CHECK(json::parse(ok.accepted[0])["a"]["b"]["c"] == json::object());
    const auto deep = contract::validate_request(
        R"([{"event_name":"e","a":{"b":{"c":{"d":{}}}}}, {"event_name":"e","p":[[[[1]]]]},)"
        R"( {"event_name":"e","q":[1,{"r":[2,{}]}]}])");
    CHECK(deep.status == request_status::no_valid_event);
    REQUIRE(deep.rejected.size() == 3);
    CHECK(deep.rejected[0].error == "a.b.c.d: nesting deeper than 4");
    CHECK(deep.rejected[1].error == "p[0][0][0]: nesting deeper than 4");
    CHECK(deep.rejected[2].error == "q[1].r[1]: nesting deeper than 4");
    // A single object body is the event itself: the same depth rules.
    CHECK(contract::validate_request(R"({"event_name":"e","a":{"b":{"c":{}}}})").status ==
          request_status::ok);
    const auto single =
        contract::validate_request(R"({"event_name":"e","a":{"b":{"c":{"d":[]}}}})");
    REQUIRE(single.rejected.size() == 1);
    CHECK(single.rejected[0].error == "a.b.c.d: nesting deeper than 4");
  }

  TEST_CASE("validate_request: duplicate keys keep the last value") {
    const auto check = contract::validate_request(R"({"event_name":"a","x":{"y":1},"x":2})");
    REQUIRE(check.accepted.size() == 1);
    CHECK(json::parse(check.accepted[0])["x"] == 2);
  }

  TEST_CASE("validate_request: a UTF-8 byte order mark is skipped") {
    CHECK(contract::validate_request("\xEF\xBB\xBF[{\"event_name\":\"a\"}]").status ==
          request_status::ok);
  }

  TEST_CASE("robustness: 100,000-deep arrays") {
    const std::string arrays = repeat("[", 100000) + repeat("]", 100000);
    const auto whole = contract::validate_request(arrays);
    CHECK(whole.status == request_status::no_valid_event);
    REQUIRE(whole.rejected.size() == 1);
    CHECK(whole.rejected[0].error == "event must be an object");

    const auto batch = contract::validate_request("[{\"event_name\":\"ok\"}," + arrays + "]");
    CHECK(batch.status == request_status::ok);
    CHECK(batch.accepted_index == std::vector<std::size_t>{0});
    REQUIRE(batch.rejected.size() == 1);
    CHECK(batch.rejected[0].index == 1);
    CHECK(batch.rejected[0].error == "event must be an object");

    const auto inside = contract::validate_request("[{\"event_name\":\"deep\",\"p\":" + arrays +
                                                   "},{\"event_name\":\"ok\"}]");
    CHECK(inside.status == request_status::ok);
    CHECK(inside.accepted_index == std::vector<std::size_t>{1});
    REQUIRE(inside.rejected.size() == 1);
    CHECK(inside.rejected[0].error == "p[0][0][0]: nesting deeper than 4");

    json built = event();
    json* at = &built["p"];
    for (int i = 0; i < 100000; ++i) {
      *at = json::array({nullptr});
      at = &(*at)[0];
    }
    CHECK(event_error(built) == "p[0][0][0]: nesting deeper than 4");
    CHECK(field_error("p", built["p"]) == "p[0][0][0]: nesting deeper than 4");
  }

  TEST_CASE("robustness: 100,000-deep objects") {
    const auto whole = contract::validate_request(deep_object_body(100000));
    CHECK(whole.status == request_status::no_valid_event);
    REQUIRE(whole.rejected.size() == 1);
    CHECK(whole.rejected[0].index == 0);
    CHECK(whole.rejected[0].error == "a.a.a.a: nesting deeper than 4");

    const auto batch =
        contract::validate_request("[" + deep_object_body(100000) + ",{\"event_name\":\"ok\"}]");
    CHECK(batch.status == request_status::ok);
    CHECK(batch.accepted_index == std::vector<std::size_t>{1});
    REQUIRE(batch.rejected.size() == 1);
    CHECK(batch.rejected[0].index == 0);
    CHECK(batch.rejected[0].error == "a.a.a.a: nesting deeper than 4");

    const json built = deep_object(100000);
    CHECK(event_error(built) == "a.a.a.a: nesting deeper than 4");
    CHECK(field_error("a", built["a"]) == "a.a.a.a: nesting deeper than 4");
  }

  TEST_CASE("robustness: 10 MB strings and keys") {
    const std::string huge(10 * 1024 * 1024, 'x');
    CHECK(field_error("note", huge) == "note: string longer than 256 chars");
    CHECK(field_error("page_url", huge) == "page_url: string longer than 2048 chars");
    CHECK(field_error(huge, 1).find("key longer than 64 chars: \"xxx") == 0);
    CHECK(field_error(huge, 1).size() < 100);
    CHECK(event_error(event({{"note", huge}})) == "note: string longer than 256 chars");
    const auto body =
        contract::validate_request("[{\"event_name\":\"e\",\"note\":\"" + huge + "\"}]");
    CHECK(body.status == request_status::too_large);
  }

  TEST_CASE("robustness: invalid UTF-8 in the body rejects that event, not the batch") {
    for (const char* bad : {"[{\"event_name\":\"a\",\"x\":\"\xFF\"},{\"event_name\":\"ok\"}]",
                            "[{\"event_name\":\"\xC0\x80\"},{\"event_name\":\"ok\"}]",
                            "[{\"k\xED\xA0\x80\":1},{\"event_name\":\"ok\"}]",
                            "[{\"event_name\":\"a\",\"x\":\"\\ud800\"},{\"event_name\":\"ok\"}]"}) {
      CAPTURE(bad);
      const auto check = contract::validate_request(bad);
      CHECK(check.status == request_status::ok);
      REQUIRE(check.rejected.size() == 1);
      CHECK(check.rejected[0].index == 0);
      CHECK(contract::is_valid_utf8(check.rejected[0].error));
      CHECK(check.accepted_index == std::vector<std::size_t>{1});
    }
    const auto outside = contract::validate_request("\xFF\xFE[]");
    CHECK(outside.status == request_status::not_json);
    CHECK(contract::is_valid_utf8(outside.error));
  }

  TEST_CASE("robustness: huge numbers") {
    const auto overflow =
        contract::validate_request(R"([{"event_name":"a","x":1e400},{"event_name":"b"}])");
    CHECK(overflow.status == request_status::ok);
    REQUIRE(overflow.rejected.size() == 1);
    CHECK(overflow.rejected[0].error == "x: number out of range");
    // The boundary is a double's: 1.7976931348623157e308 is finite, 1.8e308 is not.
    CHECK(field_error("x", json::parse("1.7976931348623157e308")).empty());
    CHECK(contract::validate_request(R"({"event_name":"a","x":1.8e308})").status ==
          request_status::no_valid_event);
    // A long number is not echoed in full.
    const auto long_number = contract::validate_request("[{\"event_name\":\"a\",\"x\":1e" +
                                                        std::string(100000, '9') + "}]");
    CHECK(long_number.status == request_status::no_valid_event);
    CHECK(long_number.error.size() < 200);

    const auto big = contract::validate_request(
        R"([{"event_name":"a","x":99999999999999999999999,"product_price":1e308}])");
    CHECK(big.status == request_status::ok);
    const auto big_ts = contract::validate_request(
        R"([{"event_name":"a","event_timestamp":99999999999999999999999}])");
    CHECK(big_ts.status == request_status::no_valid_event);
    CHECK(big_ts.rejected[0].error.find("event_timestamp: ") == 0);
  }

  TEST_CASE("robustness: NaN and Infinity in a body (as Python writes them) reject that event") {
    const auto check = contract::validate_request(
        R"([{"event_name":"a","x":NaN},{"event_name":"b","y":-Infinity},{"event_name":"c"}])");
    CHECK(check.status == request_status::ok);
    REQUIRE(check.rejected.size() == 2);
    CHECK(check.rejected[0].error == "x: NaN and Infinity are not allowed");
    CHECK(check.rejected[1].error == "y: NaN and Infinity are not allowed");
    CHECK(check.accepted_index == std::vector<std::size_t>{2});
  }

  TEST_CASE("robustness: parse errors are short, even after a long token") {
    const auto check = contract::validate_request("[\"" + std::string(500000, 's') + "\x01\"]");
    CHECK(check.status == request_status::not_json);
    CHECK(check.error.size() < 250);
  }

  TEST_CASE("robustness: every truncation of a valid batch") {
    const std::string body = std::string("[") + seed_product_view +
                             ",{\"event_name\":\"x\",\"a\":[1,{" +
                             "\"b\":[true,null,-1.5e3]}],\"s\":\"\\u00e9\\n\"}]";
    REQUIRE(contract::validate_request(body).status == request_status::ok);
    for (std::size_t n = 0; n < body.size(); ++n) {
      CAPTURE(n);
      const auto check = contract::validate_request(std::string_view(body).substr(0, n));
      CHECK((check.status == request_status::not_json || check.status == request_status::empty));
      CHECK(check.accepted.empty());
      CHECK(check.rejected.empty());
    }
  }

  TEST_CASE("robustness: 20,000 random byte strings simply return") {
    std::mt19937 rng(20251204);
    // Half raw bytes, half JSON-ish bytes, so the parser gets past the first token too.
    const std::string alphabet = "[]{}:,\"\\ 0123456789.eE-+truefalsnu_event_namex\x80\xC3\xFF";
    std::size_t statuses[7] = {};
    for (int i = 0; i < 20000; ++i) {
      std::string body(rng() % 200, '\0');
      for (char& c : body) {
        c = i % 2 ? static_cast<char>(rng() & 0xFF) : alphabet[rng() % alphabet.size()];
      }
      if (i % 4 == 0) body = "[{\"event_name\":\"e\"," + body;
      const auto check = contract::validate_request(body);
      ++statuses[static_cast<int>(check.status)];
      CHECK(check.accepted.size() == check.accepted_index.size());
      CHECK((check.status == request_status::ok) == !check.accepted.empty());
      CHECK(check.error.empty() == (check.status == request_status::ok));
    }
    CHECK(statuses[static_cast<int>(request_status::not_json)] > 0);
  }
  TEST_CASE("robustness: 10,000 mutations of a valid batch keep the result consistent") {
    std::mt19937 rng(7);
    const std::string valid =
        R"([{"event_name":"a","p":{"q":[1,2.5,{"r":"s"}]},"product_price":3},)"
        R"({"event_name":"b","session_index":2,"x":[[["y"]]]},{"event_name":"c"}])";
    const std::string alphabet = "[]{}:,\"0123456789.-e";
    std::size_t ok = 0;
    for (int i = 0; i < 10000; ++i) {
      std::string body = valid;
      for (auto edits = rng() % 3 + 1; edits > 0; --edits) {
        const std::size_t at = rng() % body.size();
        switch (rng() % 3) {
          case 0:
            body[at] = alphabet[rng() % alphabet.size()];
            break;
          case 1:
            body.erase(at, 1);
            break;
          default:
            body.insert(at, 1, alphabet[rng() % alphabet.size()]);
        }
      }
      const auto check = contract::validate_request(body);
      if (check.status != request_status::ok && check.status != request_status::no_valid_event) {
        CHECK(check.accepted.empty());
        CHECK(check.rejected.empty());
        continue;
      }
      ok += check.status == request_status::ok;
      // Every event is either accepted or rejected, once, in request order.
      std::vector<std::size_t> seen(check.accepted_index);
      for (const auto& r : check.rejected) seen.push_back(r.index);
      std::sort(seen.begin(), seen.end());
      for (std::size_t n = 0; n < seen.size(); ++n) CHECK(seen[n] == n);
      CHECK(std::is_sorted(check.accepted_index.begin(), check.accepted_index.end()));
      for (const auto& e : check.accepted) CHECK(text_error(e).empty());
    }
    CHECK(ok > 0);
  }
}

TEST_CASE(
    "check_properties: SDK field names are the caller's to skip; product fields are checked") {
  // check_property types only the product fields: every other field the contract types must be
  // one the tracker leaves out of properties.
  for (const auto& field : contract::detail::known_fields) {
    CAPTURE(field.name);
    CHECK(clickstream::is_sdk_field(field.name));
  }
  const auto check = [](const std::string& properties) {
    std::size_t skipped = 0;
    const auto skip = [&](std::string_view key) {
      const bool sdk = clickstream::is_sdk_field(key);
      skipped += sdk;
      return sdk;
    };
    const auto error = contract::check_properties(properties, skip, [](auto, auto) {});
    return std::to_string(skipped) + " " + error.value_or("");
  };
  for (const auto name : clickstream::reserved_fields) {
    CAPTURE(name);
    // Left out unchecked, whatever the value: a value no typed field accepts.
    CHECK(check("{\"" + std::string(name) + "\":[null,{}],\"ok\":1}") == "1 ");
  }
  for (const auto* key : {"product_id", "product_name", "product_category", "product_price"}) {
    CAPTURE(key);
    CHECK_FALSE(clickstream::is_sdk_field(key));
    for (const auto* value : {"5", "\"5\"", "-1", "true", "[1]", "\"\\ud800\"", "\"\\u00e9\""}) {
      CAPTURE(value);
      const std::string member = "\"" + std::string(key) + "\":" + value;
      CHECK(check("{" + member + "}") == "0 " + text_error(R"({"event_name":"x",)" + member + "}"));
    }
  }
  CHECK(check(R"({"product_price":-1})") == "0 product_price: must be a finite number >= 0");
  CHECK(check(R"({"product_id":5})") == "0 product_id: must be a string");
  CHECK(check(R"({"product_name":")" + std::string(257, 'x') + "\"}") ==
        "0 product_name: string longer than 256 chars");
  CHECK(check(R"({"product_category":"\ud800"})") == "0 product_category: not valid UTF-8");
  CHECK(check(R"({"product_\u0069d":5})") == "0 product_id: must be a string");
  CHECK(check(R"({"product_other":[{"product_price":"x"}]})") == "0 ");
}
