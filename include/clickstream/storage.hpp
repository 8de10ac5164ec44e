// What the core asks of durable storage. The host decides what "durable" means (a file log,
// localStorage, memory); the core only promises to append an event before it is ever sent, and to
// say when it may go.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clickstream {

struct stored_event {
  std::uint64_t seq = 0;
  std::string body;
};

class storage {
 public:
  virtual ~storage() = default;
  // Write-ahead: called once per event before it can be sent. False means the event is not stored
  // (full or failing storage); the core then keeps it in memory only and counts it.
  virtual bool append(std::uint64_t seq, std::string_view body) = 0;
  // These events are finished (delivered or given up): their records may be reclaimed.
  virtual void remove(const std::vector<std::uint64_t>& seqs) = 0;
  // Every appended and not removed event, in seq order (a seq given twice counts once: the core
  // keeps the first of them in the order returned). Called once, when a tracker starts.
  virtual std::vector<stored_event> load() = 0;
  // Small named values (client id, session); the latest save wins.
  virtual void save_state(std::string_view key, std::string_view value) = 0;
  virtual std::optional<std::string> load_state(std::string_view key) = 0;
};

// Storage that lasts as long as the process: the default, and the reference behaviour in tests.
class memory_storage final : public storage {
 public:
  bool append(std::uint64_t seq, std::string_view body) override {
    events_.emplace(seq, std::string(body));
    return true;
  }
  void remove(const std::vector<std::uint64_t>& seqs) override {
    for (auto seq : seqs) events_.erase(seq);
  }
  std::vector<stored_event> load() override {
    std::vector<stored_event> out;
    out.reserve(events_.size());
    for (const auto& [seq, body] : events_) out.push_back({seq, body});
    return out;
  }
  void save_state(std::string_view key, std::string_view value) override {
    state_[std::string(key)] = std::string(value);
  }
  std::optional<std::string> load_state(std::string_view key) override {
    auto it = state_.find(std::string(key));
    if (it == state_.end()) return std::nullopt;
    return it->second;
  }
  std::size_t size() const noexcept { return events_.size(); }

 private:
  std::map<std::uint64_t, std::string> events_;
  std::map<std::string, std::string, std::less<>> state_;
};

}  // namespace clickstream
