// Helpers shared by the native tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>

#include <clickstream/json.hpp>

namespace test_support {

// A fresh directory under /tmp, removed with everything in it when the test ends.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = "/tmp/clickstream-test.XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The event_ids in a request body (a JSON array of events), appended to `ids`; returns how many.
inline std::size_t collect_event_ids(const std::string& body, std::multiset<std::string>& ids) {
  const auto events = clickstream::json::parse(body, nullptr, false);
  if (!events.is_array()) return 0;
  for (const auto& e : events) ids.insert(e.value("event_id", std::string()));
  return events.size();
}

}  // namespace test_support
