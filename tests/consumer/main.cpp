// A project that only knows the installed package: find_package(clickstream) and this include.
#include <clickstream/clickstream.hpp>

#include <cstdio>

int main() {
  clickstream::manual_clock clock(1'764'861'825'123);
  clickstream::seeded_random random(1);
  clickstream::memory_storage store;
  clickstream::config cfg;
  cfg.endpoint = "http://127.0.0.1/clickstream";
  clickstream::tracker tracker(cfg, clock, random, store);
  tracker.page_view({"https://shop.example/manual-test", "", "Manual test", ""});
  tracker.flush();
  const auto request = tracker.next_request();
  if (!request) return 1;
  std::puts(request->body.c_str());
  return 0;
}
