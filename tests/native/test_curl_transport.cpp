#include <doctest/doctest.h>

#include <chrono>
#include <clickstream/native/curl_transport.hpp>
#include <thread>

#include "http_server.hpp"

using clickstream::request;
using clickstream::native::curl_options;
using clickstream::native::curl_transport;
using namespace std::chrono_literals;

namespace {

request make_request(const std::string& url, std::string body = R"([{"event_name":"a"}])") {
  request r;
  r.batch_id = "b1";
  r.url = url + "?batch_id=b1&sent_at=2025-12-04T15:23:45.123Z";
  r.body = std::move(body);
  r.events = 1;
  return r;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("curl_transport: posts the body as text/plain and reads status and body") {
  test_http::http_server server([](const test_http::received&) {
    test_http::reply r;
    r.body = R"({"accepted":1,"rejected":[]})";
    return r;
  });
  curl_transport transport;
  const auto res = transport.post(make_request(server.url()));
  CHECK(res.status == 200);
  CHECK(res.body == R"({"accepted":1,"rejected":[]})");
  CHECK(res.retry_after.empty());
  const auto got = server.requests();
  REQUIRE(got.size() == 1);
  CHECK(got[0].method == "POST");
  CHECK(got[0].target == "/clickstream?batch_id=b1&sent_at=2025-12-04T15:23:45.123Z");
  CHECK(got[0].header("content-type") == "text/plain;charset=UTF-8");
  CHECK(got[0].body == R"([{"event_name":"a"}])");
}

TEST_CASE("curl_transport: captures Retry-After and error statuses") {
  test_http::http_server server([](const test_http::received&) {
    test_http::reply r;
    r.status = 503;
    r.body = "busy";
    r.headers = {{"Retry-After", "7"}};
    return r;
  });
  curl_transport transport;
  const auto res = transport.post(make_request(server.url()));
  CHECK(res.status == 503);
  CHECK(res.retry_after == "7");
  CHECK(res.body == "busy");
}

TEST_CASE("curl_transport: keeps the connection alive, and reconnects after the server restarts") {
  test_http::http_server server;
  curl_transport transport;
  // A body over 1 KiB as well: no Expect: 100-continue round trip.
  const std::string big = "[" + std::string(3000, ' ') + "]";
  for (int i = 0; i < 3; ++i) CHECK(transport.post(make_request(server.url(), big)).status == 200);
  CHECK(server.connections() == 1);
  CHECK(server.requests().at(2).body == big);

  server.stop();
  const auto down = transport.post(make_request(server.url()));
  CHECK(down.status == 0);
  CHECK_FALSE(transport.last_error().empty());

  server.start();
  CHECK(transport.post(make_request(server.url())).status == 200);
  CHECK(server.requests().size() == 4);
}

TEST_CASE("curl_transport: connection refused is status 0") {
  std::string url;
  {
    test_http::http_server server;
    url = server.url();
  }
  curl_transport transport;
  const auto res = transport.post(make_request(url));
  CHECK(res.status == 0);
  CHECK(res.body.empty());
}

TEST_CASE("curl_transport: a server that never answers times out as status 0") {
  test_http::black_hole hole;
  curl_options options;
  options.timeout = 300ms;
  curl_transport transport(options);
  const auto start = std::chrono::steady_clock::now();
  CHECK(transport.post(make_request(hole.url())).status == 0);
  CHECK(seconds_since(start) < 2.0);
}

TEST_CASE("curl_transport: abort_at ends a hanging request from another thread") {
  test_http::black_hole hole;
  curl_transport transport;  // default timeout: 15 s
  const auto start = std::chrono::steady_clock::now();
  std::thread aborter([&] {
    std::this_thread::sleep_for(100ms);
    transport.abort_at(std::chrono::steady_clock::now() + 100ms);
  });
  const auto res = transport.post(make_request(hole.url()));
  aborter.join();
  CHECK(res.status == 0);
  CHECK(transport.last_error().find("aborted") != std::string::npos);
  const double took = seconds_since(start);
  CHECK(took >= 0.19);
  CHECK(took < 0.7);
}
