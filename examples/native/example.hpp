// The example's logic, apart from main() so the native test suite can run it against its test
// server: a page view and a product flow, sent through the native client, then a delivery report.
#pragma once

#include <chrono>
#include <clickstream/native/client.hpp>
#include <clickstream/native/file_queue.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

namespace clickstream_example {

struct options {
  std::string endpoint;
  std::string queue_dir;  // empty: events live in memory only
  std::chrono::milliseconds deadline{5000};
};

// Returns the exit code: 0 when everything was delivered, 1 when events were left undelivered
// (in the queue directory, if one was given, for the next run), 2 when the queue cannot open.
inline int run(const options& opt, std::ostream& out) {
  namespace cs = clickstream;
  std::unique_ptr<cs::storage> store;
  if (opt.queue_dir.empty()) {
    store = std::make_unique<cs::memory_storage>();
  } else {
    std::string error;
    auto queue = cs::native::file_queue::open(opt.queue_dir, {}, &error);
    if (!queue) {
      out << "error: " << error << "\n";
      return 2;
    }
    store = std::make_unique<cs::native::file_queue>(std::move(*queue));
  }

  // Filled on the sender thread: what each 2xx request carried, and every status seen.
  std::mutex mutex;
  std::map<std::string, int> delivered;
  std::map<int, int> statuses;
  cs::native::client_options client_opt;
  client_opt.on_response = [&](const cs::request& req, const cs::response& res) {
    const std::lock_guard<std::mutex> lock(mutex);
    ++statuses[res.status];
    if (res.status < 200 || res.status >= 300) return;
    const auto events = cs::json::parse(req.body, nullptr, false);
    if (!events.is_array()) return;
    for (const auto& e : events)
      if (e.is_object()) ++delivered[e.value("event_name", std::string("?"))];
  };

  cs::config cfg;
  cfg.endpoint = opt.endpoint;
  cfg.device.platform = "native";
  cs::native::client client(cfg, *store, client_opt);

  // The seed's manual test event, then a shopper's way through one product to checkout.
  client.identify("test_user_manual", "manual");
  client.page_view({"/manual-test", "", "Manual test", ""});
  client.page_view({"/products/sku-12345", "", "Gaming Laptop 15 inch", "/manual-test"});
  const cs::json product = {{"product_id", "SKU-12345"},
                            {"product_name", "Gaming Laptop 15 inch"},
                            {"product_category", "Laptops"},
                            {"product_price", 1299.0}};
  cs::json in_cart = product;
  in_cart["quantity"] = 1;
  const std::pair<const char*, cs::json> flow[] = {{"product_view", product},
                                                   {"add_to_cart", in_cart},
                                                   {"remove_from_cart", in_cart},
                                                   {"begin_checkout", in_cart}};
  for (const auto& [name, props] : flow) {
    if (auto result = client.track(name, props); !result)
      out << name << ": " << result.error << "\n";
  }

  const std::size_t left = client.shutdown(opt.deadline);
  const std::lock_guard<std::mutex> lock(mutex);
  int total = 0;
  for (const auto& entry : delivered) total += entry.second;
  out << "delivered " << total << " event(s) to " << opt.endpoint << "\n";
  for (const auto& [name, count] : delivered) out << "  " << name << " " << count << "\n";
  out << "HTTP statuses:";
  if (statuses.empty()) out << " none";
  for (const auto& [status, count] : statuses)
    out << " " << (status ? std::to_string(status) : "network-error") << " x" << count;
  out << "\n";
  if (left == 0) return 0;
  out << left << " event(s) left undelivered"
      << (opt.queue_dir.empty() ? " (in memory: lost)\n" : " (kept in " + opt.queue_dir + ")\n");
  return 1;
}

}  // namespace clickstream_example
