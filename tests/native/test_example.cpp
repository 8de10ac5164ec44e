#include <doctest/doctest.h>

#include <map>
#include <set>
#include <sstream>

#include "../../examples/native/example.hpp"
#include "http_server.hpp"
#include "support.hpp"

using namespace std::chrono_literals;

TEST_CASE("example: the product flow reaches the ingest and is reported") {
  test_http::http_server server;
  std::ostringstream out;
  CHECK(clickstream_example::run({server.url(), "", 3000ms}, out) == 0);
  const std::string report = out.str();
  CHECK(report.find("delivered 6 event(s)") != std::string::npos);
  CHECK(report.find("  page_view 2\n") != std::string::npos);
  CHECK(report.find("  begin_checkout 1\n") != std::string::npos);
  CHECK(report.find("HTTP statuses: 200 x1") != std::string::npos);

  std::multiset<std::string> ids;
  std::map<std::string, clickstream::json> by_name;
  for (const auto& req : server.requests()) {
    test_support::collect_event_ids(req.body, ids);
    for (const auto& e : clickstream::json::parse(req.body)) by_name[e["event_name"]] = e;
  }
  CHECK(ids.size() == 6);
  const auto& checkout = by_name.at("begin_checkout");
  CHECK(checkout["product_id"] == "SKU-12345");
  CHECK(checkout["product_name"] == "Gaming Laptop 15 inch");
  CHECK(checkout["product_category"] == "Laptops");
  CHECK(checkout["product_price"] == 1299.0);
  CHECK(checkout["user_id"] == "test_user_manual");
  CHECK(by_name.at("page_view")["page_url"] == "/products/sku-12345");
}

TEST_CASE("example: a dead endpoint fails the run, the queue delivers on the next") {
  test_support::temp_dir dir;
  test_http::http_server server;
  const auto url = server.url();
  const auto queue = (dir / "queue").string();
  server.stop();
  std::ostringstream first;
  CHECK(clickstream_example::run({url, queue, 300ms}, first) == 1);
  CHECK(first.str().find("6 event(s) left undelivered (kept in " + queue) != std::string::npos);
  CHECK(first.str().find("network-error") != std::string::npos);

  server.start();
  std::ostringstream second;
  CHECK(clickstream_example::run({url, queue, 3000ms}, second) == 0);
  CHECK(second.str().find("delivered 12 event(s)") != std::string::npos);
}
