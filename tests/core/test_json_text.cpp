#include <doctest/doctest.h>

#include <clickstream/json_text.hpp>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using namespace clickstream;
using detail::json_reader;
using detail::token;

namespace {

// Reads a whole text; true when it is one well-formed JSON value (plus the reader's extras).
bool well_formed(std::string_view text) {
  json_reader r(text);
  for (;;) {
    const token t = r.next();
    if (t == token::error) return false;
    if (t == token::end) return true;
  }
}

bool overflows(std::string_view text) {
  json_reader r(text);
  for (token t = r.next(); t != token::end && t != token::error; t = r.next())
    if (t == token::number && !detail::inspect_number(r.raw()).finite) return true;
  return false;
}

std::vector<token> tokens(std::string_view text) {
  std::vector<token> out;
  json_reader r(text);
  for (token t = r.next(); t != token::end && t != token::error; t = r.next()) out.push_back(t);
  return out;
}

std::string written(const json& value) {
  std::string buffer;
  detail::text_writer w(buffer);
  w.value(value);
  return std::string(w.text());
}

}  // namespace

TEST_CASE("json_reader: accepts what RFC 8259 allows") {
  for (const char* ok :
       {"{}", "[]", "0", "-0", "1.5e-3", "-12.0E+2", "\"\"", "true", "false", "null", " [ 1 , 2 ] ",
        R"({"a":[{"b":null}],"c":"\u00e9\n\"\\\/"})", "\t\n\r {}", R"(["\ud83d\ude00"])"}) {
    CAPTURE(ok);
    CHECK(well_formed(ok));
  }
}

TEST_CASE("json_reader: refuses what RFC 8259 does not") {
  for (const char* bad :
       {"",      "{",       "[",         "[1,]",        "{\"a\":1,}", "{\"a\" 1}", "{1:2}",
        "[1 2]", "01",      "1.",        ".5",          "1e",         "+1",        "tru",
        "nul",   "\"\\x\"", "\"\\u12\"", "\"a",         "[\"\x01\"]", "{}}",       "[]]",
        "{]",    "[}",      "[1]]",      "{\"a\":[1}}", "{\"a\":1]",  "1 2",       "'a'"}) {
    CAPTURE(bad);
    CHECK_FALSE(well_formed(bad));
  }
}

TEST_CASE("json_reader: a closing bracket must match what it closes") {
  // Found by the mutation test: `]` closing an object once popped the wrong container.
  CHECK_FALSE(well_formed(R"([{"x":[["y"]]]},{}])"));
  CHECK_FALSE(well_formed(R"({"a":[1,2}])"));
}

TEST_CASE("json_reader: the extra tokens are named, not silently accepted as JSON") {
  CHECK(tokens("[NaN,Infinity,-Infinity,undefined]") ==
        std::vector<token>{token::begin_array, token::non_finite, token::non_finite,
                           token::non_finite, token::undefined, token::end_array});
}

TEST_CASE("json_reader: keys, raw text and offsets") {
  json_reader r(R"( {"k\"ey": "v", "n": -1.5})");
  CHECK(r.next() == token::begin_object);
  CHECK(r.next() == token::key);
  CHECK(r.raw() == "k\\\"ey");
  CHECK(r.escaped());
  std::string decoded;
  CHECK(r.decode(decoded));
  CHECK(decoded == "k\"ey");
  CHECK(r.next() == token::string);
  CHECK(r.raw() == "v");
  CHECK_FALSE(r.escaped());
  CHECK(r.next() == token::key);
  CHECK(r.next() == token::number);
  CHECK(r.raw() == "-1.5");
  CHECK(r.offset() == 21);
  CHECK(r.next() == token::end_object);
  CHECK(r.next() == token::end);
}

TEST_CASE("json_reader: escapes decode to UTF-8; lone surrogates do not decode") {
  const auto decode = [](std::string_view text) -> std::optional<std::string> {
    json_reader r(text);
    REQUIRE(r.next() == token::string);
    std::string out;
    if (!r.decode(out)) return std::nullopt;
    return out;
  };
  CHECK(decode(R"("\u00e9\u20ac\ud83d\ude00")") == "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(decode(R"("\b\f\n\r\t\/")") == "\b\f\n\r\t/");
  CHECK(decode(R"("a\"b\\c\u0041\u00e9z")") == "a\"b\\cA\xC3\xA9z");
  CHECK_FALSE(decode(R"("\ud83d\n")"));
  CHECK_FALSE(decode(R"("\ud800")"));
  CHECK_FALSE(decode(R"("\ude00")"));
  CHECK_FALSE(decode(R"("\ud800\u0041")"));
}

TEST_CASE("json_reader: 100,000 levels cost no stack and are read through") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  json_reader r(deep);
  std::size_t deepest = 0;
  for (token t = r.next(); t != token::end; t = r.next()) {
    REQUIRE(t != token::error);
    deepest = std::max(deepest, r.depth());
  }
  CHECK(deepest == 100000);
}

TEST_CASE("json_reader: random bytes never crash and always end") {
  std::mt19937 rng(99);
  const std::string alphabet = "[]{}:,\"\\ 0123456789.eE-+truefalsnNaIfiyud\x80\xFF";
  for (int i = 0; i < 20000; ++i) {
    std::string text(rng() % 64, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    json_reader r(text);
    int steps = 0;
    for (token t = r.next(); t != token::end && t != token::error; t = r.next()) ++steps;
    CHECK(steps <= static_cast<int>(text.size()));
  }
}

TEST_CASE("inspect_number: sign, zero, integers and a double's overflow boundary") {
  using detail::inspect_number;
  CHECK(inspect_number("0").integer == 0);
  CHECK(inspect_number("-0").negative);
  CHECK(inspect_number("-0.0e5").zero);
  CHECK(inspect_number("1764861825123").integer == 1764861825123);
  CHECK(inspect_number("1764861825123.0").integer == 1764861825123);
  CHECK(inspect_number("1.764861825123e12").integer == 1764861825123);
  CHECK(inspect_number("-42").integer == -42);
  CHECK_FALSE(inspect_number("1.5").integer);
  CHECK_FALSE(inspect_number("1e20").integer);  // beyond 2^53
  CHECK(inspect_number("9007199254740992").integer == 9007199254740992);
  CHECK_FALSE(inspect_number("9007199254740993").integer);
  CHECK(inspect_number("0.001").finite);
  CHECK(inspect_number("1e-400").finite);  // underflows to 0, which is finite
  CHECK(inspect_number("1.7976931348623157e308").finite);
  CHECK(inspect_number("1.79769313486231580793e308").finite);          // just below: rounds down
  CHECK_FALSE(inspect_number("1.7976931348623158079373e308").finite);  // just above
  CHECK_FALSE(inspect_number("1.8e308").finite);
  CHECK_FALSE(inspect_number("1e309").finite);
  CHECK_FALSE(inspect_number("-1e400").finite);
  CHECK(inspect_number("0.00000000000000000000000000000001e340").finite);
  CHECK(inspect_number("12.500e1").integer == 125);
  CHECK(inspect_number("1000").integer == 1000);
  // Written out in full, the boundary (2^1024 - 2^970) and its neighbours, past any digit buffer.
  const std::string boundary =
      "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797"
      "75872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548"
      "45817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711"
      "559699508093042880177904174497792";
  std::string below = boundary;
  below.back() = '1';
  CHECK_FALSE(inspect_number(boundary).finite);
  CHECK_FALSE(inspect_number(boundary + "." + std::string(1000, '0')).finite);
  CHECK_FALSE(inspect_number(boundary + ".0001").finite);
  CHECK(inspect_number(below).finite);
  CHECK(inspect_number(below + ".9999").finite);
  CHECK_FALSE(inspect_number("0." + boundary + "e309").finite);
  CHECK(inspect_number("0." + below + "9e309").finite);
  CHECK_FALSE(inspect_number(boundary + "0").finite);
  CHECK(inspect_number("0." + std::string(400, '0') + "1").finite);
  CHECK_FALSE(inspect_number("0." + std::string(400, '0') + "1").integer);
}

TEST_CASE("inspect_number: agrees with strtod on 20,000 numbers about the overflow boundary") {
  // strtod rounds correctly: infinity exactly where the decimal reaches 2^1024 - 2^970.
  std::mt19937 rng(1024);
  const std::string boundary =
      "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797"
      "75872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548"
      "45817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711"
      "559699508093042880177904174497792";
  std::size_t infinite = 0;
  for (int i = 0; i < 20000; ++i) {
    // The boundary's first n digits, then random ones; written as an integer, a fraction or with
    // an exponent.
    std::string digits = boundary.substr(0, rng() % (boundary.size() + 1));
    for (auto extra = rng() % 8; extra > 0; --extra) digits += static_cast<char>('0' + rng() % 10);
    if (digits.empty() || digits[0] == '0') digits.insert(0, "1");
    std::string text;
    switch (rng() % 3) {
      case 0:
        text = digits.size() >= 309 ? digits.substr(0, 309) + "." + digits.substr(309)
                                    : digits + std::string(309 - digits.size(), '0');
        if (text.back() == '.') text.pop_back();
        break;
      case 1:
        text = digits.substr(0, 1) + "." + digits.substr(1) + "e308";
        break;
      default:
        text = "0.00" + digits + "e311";
    }
    CAPTURE(text);
    const bool finite = std::isfinite(std::strtod(text.c_str(), nullptr));
    CHECK(detail::inspect_number(text).finite == finite);
    infinite += !finite;
  }
  CHECK(infinite > 1000);
  CHECK(infinite < 19000);
}

TEST_CASE("text_writer: JSON strings are escaped, cut at code points and repaired") {
  std::string buffer;
  detail::text_writer w(buffer);
  w.json_string("q\"b\\n\n\x01\x7f");
  CHECK(w.text() == "\"q\\\"b\\\\n\\n\\u0001\x7f\"");
  std::string cut;
  detail::text_writer c(cut);
  c.json_string("\xC3\xA9\xC3\xA9\xC3\xA9", 2);
  CHECK(c.text() == "\"\xC3\xA9\xC3\xA9\"");
  std::string repaired;
  detail::text_writer r(repaired);
  r.json_string(
      "a\xFF"
      "b");
  CHECK(r.text() ==
        "\"a\xEF\xBF\xBD"
        "b\"");
}

TEST_CASE("object_members: what lies between an object's braces, trimmed") {
  CHECK(detail::object_members(R"( { "a":1 , "b":[] } )") == R"("a":1 , "b":[])");
  CHECK(detail::object_members("{\n\"k\":\"v\"\t}\r\n") == "\"k\":\"v\"");
  CHECK(detail::object_members(R"({"s":" x "})") == R"("s":" x ")");
  CHECK(detail::object_members("{}").empty());
  CHECK(detail::object_members(" {  } ").empty());
}

TEST_CASE("text_writer: DOM values round-trip; what JSON cannot hold becomes a named token") {
  const json value = {{"s", "t\"x"}, {"i", -3},      {"u", 18446744073709551615ULL}, {"f", 1299.5},
                      {"b", true},   {"n", nullptr}, {"a", {1, {{"k", "v"}}}}};
  CHECK(json::parse(written(value)) == value);
  CHECK(written(std::nan("")) == "NaN");
  CHECK(written(-std::numeric_limits<double>::infinity()) == "-Infinity");
  CHECK(written(json::binary({1, 2})) == "undefined");
  // Past the depth budget containers are written empty, so a 100,000-deep DOM costs no recursion.
  json deep = json::array();
  json* at = &deep;
  for (int i = 0; i < 100000; ++i) at = &(*at).emplace_back(json::array());
  const auto text = written(deep);
  CHECK(text.size() < 64);
  CHECK(well_formed(text));
}

TEST_CASE("json_reader: agrees with nlohmann's parser on 50,000 JSON-ish texts") {
  // No letters of NaN, Infinity or undefined and no bytes above 0x7F: there the reader is
  // deliberately more lenient (it names the tokens; the validator checks UTF-8 per string).
  std::mt19937 rng(4242);
  const std::string alphabet = "[]{}:,\"\\ 0123456789.eE-+truefalsn";
  const std::string seeds[] = {R"({"a":[1,{"b":"c"}],"d":-1.5e3})", R"([[],{},"",0])"};
  std::size_t accepted = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string text;
    if (i % 2) {
      text.assign(rng() % 24, ' ');
      for (char& c : text) c = alphabet[rng() % alphabet.size()];
    } else {
      text = seeds[i % 4 / 2];
      for (auto edits = rng() % 3 + 1; edits > 0; --edits) {
        const std::size_t at = rng() % text.size();
        text[at] = alphabet[rng() % alphabet.size()];
      }
    }
    CAPTURE(text);
    const bool ours = well_formed(text);
    // nlohmann also refuses numbers a double cannot hold; RFC 8259 calls them valid JSON.
    if (ours && overflows(text)) continue;
    CHECK(ours == json::accept(text));
    accepted += ours;
  }
  CHECK(accepted > 1000);
}
