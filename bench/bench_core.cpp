// ns per event for the hot paths. Run: npm run bench (Release build). Numbers go in
// docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <clickstream/clickstream.hpp>
#include <clickstream/native/file_queue.hpp>

#include <filesystem>
#include <string>

using namespace clickstream;

namespace {

const json product = {{"product_id", "SKU-12345"},
                      {"product_name", "Gaming Laptop 15 inch"},
                      {"product_category", "Laptops"},
                      {"product_price", 1299.0}};

config bench_config() {
  config cfg;
  cfg.endpoint = "https://ingest.example/clickstream";
  cfg.flush_at = 1'000'000;  // no batching inside the measured loop
  cfg.flush_interval_ms = 1LL << 40;
  cfg.queue.max_events = 1'000'000;
  cfg.queue.max_bytes = 1ULL << 32;
  cfg.device = {"en-US", "Europe/Paris", "1920x1080", "1280x720", "web", "clickstream-cpp/0.1.0"};
  return cfg;
}

// Delivers everything queued, outside the timed region, so the queue stays bounded.
void drain(tracker& t) {
  t.flush();
  while (auto r = t.next_request()) t.on_response(r->batch_id, {200, "", ""});
}

void track_loop(benchmark::State& state, tracker& t, manual_clock& clock) {
  t.page_view({"https://shop.example/products/sku-12345?utm_source=google&utm_medium=cpc",
               "/products/sku-12345", "Gaming Laptop 15 inch", "https://www.google.com/"});
  std::size_t n = 0;
  for (auto _ : state) {
    clock.advance(1);
    benchmark::DoNotOptimize(t.track("product_view", product));
    if (++n % 10'000 == 0) {
      state.PauseTiming();
      drain(t);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// track(): validate properties + build + serialize + enqueue, memory storage.
void BM_track_memory(benchmark::State& state) {
  manual_clock clock(1'764'861'825'123);
  seeded_random random(1);
  memory_storage store;
  tracker t(bench_config(), clock, random, store);
  track_loop(state, t, clock);
}
BENCHMARK(BM_track_memory);

// The same with the durable file queue (sync::none: one write() per event).
void BM_track_file_queue(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "clickstream-bench-queue";
  std::filesystem::remove_all(dir);
  auto queue = native::file_queue::open(dir);
  if (!queue) {
    state.SkipWithError("cannot open the file queue");
    return;
  }
  manual_clock clock(1'764'861'825'123);
  seeded_random random(1);
  tracker t(bench_config(), clock, random, *queue);
  track_loop(state, t, clock);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_track_file_queue);

// Serializing a batch of 100 events into one request body. Events are serialized once, when
// tracked, so a batch is their concatenation.
void BM_batch_body_100(benchmark::State& state) {
  manual_clock clock(1'764'861'825'123);
  seeded_random random(1);
  memory_storage store;
  auto cfg = bench_config();
  cfg.queue.batch_max_events = 100;
  cfg.queue.batch_max_bytes = 1 << 20;
  tracker t(cfg, clock, random, store);
  for (int i = 0; i < 100; ++i) t.track("product_view", product);
  t.flush();
  const auto r = t.next_request();
  event_queue q(cfg.queue);
  for (const auto& e : json::parse(r->body)) q.push({0, e.dump(), 0});
  const batch& b = q.form_batch("b", cfg.queue.batch_max_bytes);
  for (auto _ : state) benchmark::DoNotOptimize(q.body(b));
  state.SetItemsProcessed(state.iterations() * 100);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * q.body(b).size()));
}
BENCHMARK(BM_batch_body_100);

// One file-queue append of a typical event (~600 bytes), sync::none.
void BM_file_queue_append(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "clickstream-bench-append";
  std::filesystem::remove_all(dir);
  auto queue = native::file_queue::open(dir);
  if (!queue) {
    state.SkipWithError("cannot open the file queue");
    return;
  }
  const std::string body(600, 'e');
  std::uint64_t seq = 0;
  std::vector<std::uint64_t> acked;
  for (auto _ : state) {
    benchmark::DoNotOptimize(queue->append(++seq, body));
    acked.push_back(seq);
    if (acked.size() == 10'000) {
      state.PauseTiming();
      queue->remove(acked);
      acked.clear();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_file_queue_append);

// The contract validator on the ingest side: parse + validate a 20-event request.
void BM_validate_request_20(benchmark::State& state) {
  manual_clock clock(1'764'861'825'123);
  seeded_random random(1);
  memory_storage store;
  auto cfg = bench_config();
  cfg.flush_at = 20;
  tracker t(cfg, clock, random, store);
  for (int i = 0; i < 20; ++i) t.track("product_view", product);
  const auto r = t.next_request();
  for (auto _ : state) benchmark::DoNotOptimize(contract::validate_request(r->body));
  state.SetItemsProcessed(state.iterations() * 20);
}
BENCHMARK(BM_validate_request_20);

}  // namespace

BENCHMARK_MAIN();
