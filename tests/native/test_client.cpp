#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <clickstream/native/client.hpp>
#include <clickstream/native/file_queue.hpp>
#include <set>
#include <thread>

#include "http_server.hpp"
#include "support.hpp"

using clickstream::native::client;
using clickstream::native::client_options;
using clickstream::native::file_queue;
using test_support::collect_event_ids;
using namespace std::chrono_literals;

namespace {

// Every timing knob of the client tests: small batches, a short interval, fast retries.
clickstream::config test_config(const std::string& endpoint) {
  clickstream::config c;
  c.endpoint = endpoint;
  c.flush_at = 5;
  c.flush_interval_ms = 50;
  c.queue.batch_max_events = 10;
  c.retry.base_delay_ms = 10;
  c.retry.max_delay_ms = 80;
  c.retry.max_attempts = 1000;
  return c;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 3000ms) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// event_id → times it arrived, over the requests from `first` on.
std::multiset<std::string> ids_in(const std::vector<test_http::received>& requests,
                                  std::size_t first = 0) {
  std::multiset<std::string> ids;
  for (std::size_t i = first; i < requests.size(); ++i) collect_event_ids(requests[i].body, ids);
  return ids;
}

bool each_once(const std::multiset<std::string>& ids, std::size_t expected) {
  const std::set<std::string> unique(ids.begin(), ids.end());
  return ids.size() == expected && unique.size() == expected && !unique.count("");
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("client: events arrive, by batch size and by interval") {
  test_http::http_server server;
  clickstream::memory_storage store;
  client c(test_config(server.url()), store);
  // One event alone leaves when the interval passes, with no flush.
  CHECK(c.track("app_open"));
  CHECK(eventually([&] { return server.requests().size() == 1; }));
  for (int i = 0; i < 12; ++i)
    CHECK(c.track("product_view", {{"product_id", "SKU-" + std::to_string(i)}}));
  CHECK(c.page_view({"https://shop.example/cart", "", "Cart", ""}));
  CHECK(c.shutdown(2000ms) == 0);
  const auto requests = server.requests();
  CHECK(each_once(ids_in(requests), 14));
  const auto events = clickstream::json::parse(requests.back().body);
  CHECK(events.back()["event_name"] == "page_view");
  CHECK(events.back()["page_path"] == "/cart");
  CHECK(store.size() == 0);
  CHECK(c.counters().delivered == 14);
}

TEST_CASE("client: 503 with Retry-After, then 200: every event arrives exactly once") {
  std::atomic<int> answered{0};
  test_http::http_server server([&](const test_http::received&) {
    test_http::reply r;
    if (answered++ < 3) {
      r.status = 503;
      r.headers = {{"Retry-After", "0"}};
    }
    return r;
  });
  clickstream::memory_storage store;
  std::vector<int> statuses;
  std::mutex statuses_mutex;
  client_options options;
  options.on_response = [&](const clickstream::request&, const clickstream::response& r) {
    const std::lock_guard<std::mutex> lock(statuses_mutex);
    statuses.push_back(r.status);
  };
  client c(test_config(server.url()), store, options);
  for (int i = 0; i < 30; ++i) c.track("add_to_cart", {{"quantity", i}});
  c.flush();
  CHECK(c.shutdown(5000ms) == 0);
  const auto requests = server.requests();
  REQUIRE(requests.size() > 3);
  CHECK(each_once(ids_in(requests, 3), 30));  // the three refused attempts were sent again
  // A retried batch is the same request: same batch_id (only sent_at moves), same body.
  const auto batch_id = [](const std::string& target) {
    const auto at = target.find("batch_id=");
    return target.substr(at, target.find('&', at) - at);
  };
  CHECK(batch_id(requests[0].target) == batch_id(requests[3].target));
  CHECK(requests[0].body == requests[3].body);
  CHECK(statuses.size() == requests.size());
  CHECK(statuses.front() == 503);
  CHECK(statuses.back() == 200);
  CHECK(c.counters().retries == 3);
}

TEST_CASE("client: endpoint down, then up: everything arrives once") {
  test_http::http_server server;
  const auto url = server.url();
  server.stop();
  clickstream::memory_storage store;
  client c(test_config(url), store);
  for (int i = 0; i < 20; ++i) c.track("begin_checkout", {{"step", i}});
  c.flush();
  std::this_thread::sleep_for(300ms);  // several refused attempts
  CHECK(c.pending() == 20);
  CHECK(c.counters().retries > 0);
  server.start();
  CHECK(c.shutdown(5000ms) == 0);
  CHECK(each_once(ids_in(server.requests()), 20));
}

TEST_CASE("client: calls from many threads") {
  test_http::http_server server;
  clickstream::memory_storage store;
  client c(test_config(server.url()), store);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      for (int i = 0; i < 50; ++i) c.track("product_view", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& t : threads) t.join();
  CHECK(c.shutdown(5000ms) == 0);
  CHECK(each_once(ids_in(server.requests()), 200));
}

TEST_CASE("client: shutdown with a dead endpoint keeps its deadline, the next start delivers") {
  test_support::temp_dir dir;
  test_http::http_server server;
  const auto url = server.url();
  server.stop();
  auto queue = file_queue::open(dir.path());
  REQUIRE(queue);
  {
    client c(test_config(url), *queue);
    for (int i = 0; i < 10; ++i) c.track("remove_from_cart", {{"i", i}});
    const auto start = std::chrono::steady_clock::now();
    CHECK(c.shutdown(300ms) == 10);
    const double took = seconds_since(start);
    CHECK(took >= 0.29);
    CHECK(took < 0.8);
  }
  CHECK(queue->load().size() == 10);

  server.start();
  {
    client c(test_config(url), *queue);
    CHECK(c.shutdown(3000ms) == 0);
  }
  CHECK(each_once(ids_in(server.requests()), 10));
  CHECK(queue->load().empty());
}

TEST_CASE("client: shutdown aborts a request that hangs past the deadline") {
  test_http::black_hole hole;
  clickstream::memory_storage store;
  client c(test_config(hole.url()), store);  // curl's own timeout: 15 s
  c.track("app_open");
  c.flush();
  std::this_thread::sleep_for(50ms);  // the request is on the wire by now
  const auto start = std::chrono::steady_clock::now();
  CHECK(c.shutdown(200ms) == 1);
  CHECK(seconds_since(start) < 0.7);
  CHECK(store.size() == 1);
}

TEST_CASE("client: a custom transport, and one that throws") {
  clickstream::memory_storage store;
  std::atomic<int> calls{0};
  client_options options;
  options.transport = [&](const clickstream::request&) -> clickstream::response {
    if (calls++ == 0) throw std::runtime_error("boom");
    return {200, "", "{}"};
  };
  client c(test_config("http://127.0.0.1:9/clickstream"), store, options);
  c.track("app_open");
  c.flush();
  CHECK(c.shutdown(2000ms) == 0);
  CHECK(calls == 2);  // the throw counted as a network error and was retried
}

TEST_CASE("client: destructor shuts down, tracked events persist through the storage") {
  test_support::temp_dir dir;
  auto queue = file_queue::open(dir.path());
  REQUIRE(queue);
  client_options options;
  options.shutdown_deadline = 100ms;
  const auto start = std::chrono::steady_clock::now();
  {
    client c(test_config("http://127.0.0.1:9/clickstream"), *queue, options);
    c.identify("user_123", "cognito");
    c.track("login");
  }
  CHECK(seconds_since(start) < 0.6);
  const auto events = queue->load();
  REQUIRE(events.size() == 1);
  const auto event = clickstream::json::parse(events[0].body);
  CHECK(event["user_id"] == "user_123");
  CHECK(event["login_state"] != "anonymous");
}
