#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <clickstream/native/file_queue.hpp>
#include <fstream>
#include <map>
#include <set>

#include "support.hpp"

using clickstream::native::file_queue;
using clickstream::native::file_queue_options;
using test_support::temp_dir;

namespace {

std::vector<std::filesystem::path> segment_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".seg") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::map<std::uint64_t, std::string> load_all(file_queue& q) {
  std::map<std::uint64_t, std::string> out;
  for (auto& e : q.load()) out[e.seq] = std::move(e.body);
  return out;
}

file_queue open_queue(const std::filesystem::path& dir, file_queue_options options = {}) {
  std::string error;
  auto q = file_queue::open(dir, options, &error);
  REQUIRE_MESSAGE(q, error);
  return std::move(*q);
}

std::string body_of(std::uint64_t seq) {
  return R"({"event_name":"e","seq":)" + std::to_string(seq) + R"(,"pad":"xxxxxxxxxxxxxxxx"})";
}

void flip_byte(const std::filesystem::path& file, std::uintmax_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x20);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("crc32 is the IEEE checksum zlib computes") {
  CHECK(clickstream::native::detail::crc32("123456789") == 0xCBF43926U);
  CHECK(clickstream::native::detail::crc32("") == 0U);
  CHECK(clickstream::native::detail::crc32("The quick brown fox jumps over the lazy dog") ==
        0x414FA339U);
}

TEST_CASE("file_queue: append, load, remove, reopen") {
  temp_dir dir;
  {
    auto q = open_queue(dir.path());
    CHECK(q.load().empty());
    for (std::uint64_t seq = 1; seq <= 10; ++seq) CHECK(q.append(seq, body_of(seq)));
    q.remove({2, 3, 4, 7, 42});  // 42 was never appended: ignored
    CHECK(q.size() == 6);
    const auto events = q.load();
    REQUIRE(events.size() == 6);
    CHECK(events.front().seq == 1);
    CHECK(events.back().seq == 10);
  }
  auto q = open_queue(dir.path());
  const auto events = load_all(q);
  CHECK(events.size() == 6);
  for (std::uint64_t seq : {1, 5, 6, 8, 9, 10}) CHECK(events.at(seq) == body_of(seq));
  CHECK(q.skipped_bytes() == 0);
}

TEST_CASE("file_queue: one directory, one queue") {
  temp_dir dir;
  auto first = open_queue(dir.path());
  std::string error;
  CHECK_FALSE(file_queue::open(dir.path(), {}, &error));
  CHECK(error.find("in use") != std::string::npos);
}

TEST_CASE("file_queue: a directory that cannot be created is a clear error") {
  temp_dir dir;
  std::ofstream(dir / "file") << "not a directory";
  std::string error;
  CHECK_FALSE(file_queue::open(dir / "file" / "queue", {}, &error));
  CHECK(error.find("cannot create queue directory") != std::string::npos);
}

TEST_CASE("file_queue: segments rotate and are deleted once their events are acked") {
  temp_dir dir;
  file_queue_options options;
  options.segment_bytes = 4096;
  auto q = open_queue(dir.path(), options);
  for (std::uint64_t seq = 1; seq <= 300; ++seq) REQUIRE(q.append(seq, body_of(seq)));
  const auto before = segment_files(dir.path()).size();
  CHECK(before > 5);
  CHECK(q.segment_count() == before);

  // Acking the oldest half frees the segments that held only those.
  std::vector<std::uint64_t> first_half;
  for (std::uint64_t seq = 1; seq <= 150; ++seq) first_half.push_back(seq);
  q.remove(first_half);
  const auto middle = segment_files(dir.path()).size();
  CHECK(middle < before);
  CHECK(middle > 1);

  // An ack of a newer event does not free an older segment (that would resurrect acked events).
  q.remove({300});
  CHECK(segment_files(dir.path()).size() == middle);

  std::vector<std::uint64_t> rest;
  for (std::uint64_t seq = 151; seq < 300; ++seq) rest.push_back(seq);
  q.remove(rest);
  // Only the segment being written is left, and the disk usage went down with the files.
  CHECK(segment_files(dir.path()).size() == 1);
  CHECK(q.disk_bytes() < 4096 + 64);
  CHECK(q.size() == 0);
}

TEST_CASE("file_queue: reclaimed segments stay reclaimed after a reopen") {
  temp_dir dir;
  file_queue_options options;
  options.segment_bytes = 2048;
  {
    auto q = open_queue(dir.path(), options);
    for (std::uint64_t seq = 1; seq <= 100; ++seq) REQUIRE(q.append(seq, body_of(seq)));
    std::vector<std::uint64_t> acked;
    for (std::uint64_t seq = 1; seq <= 90; ++seq) acked.push_back(seq);
    q.remove(acked);
  }
  auto q = open_queue(dir.path(), options);
  const auto events = load_all(q);
  CHECK(events.size() == 10);
  CHECK(events.begin()->first == 91);
}

TEST_CASE("file_queue: state, latest wins, survives rotation and deletion of old segments") {
  temp_dir dir;
  file_queue_options options;
  options.segment_bytes = 2048;
  {
    auto q = open_queue(dir.path(), options);
    q.save_state("client", "early");  // saved once, before many rotations
    q.save_state("session", "1");
    std::uint64_t seq = 1;
    for (; seq <= 100; ++seq) REQUIRE(q.append(seq, body_of(seq)));
    q.save_state("session", "2");
    for (; seq <= 200; ++seq) REQUIRE(q.append(seq, body_of(seq)));
    std::vector<std::uint64_t> all;
    for (std::uint64_t s = 1; s <= 200; ++s) all.push_back(s);
    q.remove(all);
    REQUIRE(segment_files(dir.path()).size() == 1);  // the segment that saw "early" is gone
    CHECK(q.load_state("session") == "2");
  }
  auto q = open_queue(dir.path(), options);
  CHECK(q.load_state("client") == "early");
  CHECK(q.load_state("session") == "2");
  CHECK_FALSE(q.load_state("missing"));
  q.save_state("session", "3");
  auto again = std::move(q);
  CHECK(again.load_state("session") == "3");
}

TEST_CASE("file_queue: a torn tail is skipped, and later appends survive another reopen") {
  temp_dir dir;
  {
    auto q = open_queue(dir.path());
    for (std::uint64_t seq = 1; seq <= 10; ++seq) REQUIRE(q.append(seq, body_of(seq)));
  }
  const auto files = segment_files(dir.path());
  REQUIRE(files.size() == 1);
  std::filesystem::resize_file(files[0], std::filesystem::file_size(files[0]) - 5);
  {
    auto q = open_queue(dir.path());
    const auto events = load_all(q);
    CHECK(events.size() == 9);
    CHECK_FALSE(events.count(10));
    CHECK(q.skipped_bytes() > 0);
    for (std::uint64_t seq = 11; seq <= 15; ++seq) CHECK(q.append(seq, body_of(seq)));
  }
  auto q = open_queue(dir.path());
  const auto events = load_all(q);
  CHECK(events.size() == 14);
  CHECK(events.at(15) == body_of(15));
}

TEST_CASE("file_queue: a corrupt byte costs its record only") {
  temp_dir dir;
  std::uintmax_t record_size = 0;
  {
    auto q = open_queue(dir.path());
    for (std::uint64_t seq = 1; seq <= 10; ++seq) REQUIRE(q.append(seq, body_of(seq)));
    record_size = 17 + body_of(1).size();
  }
  const auto file = segment_files(dir.path()).at(0);
  SUBCASE("in a body") { flip_byte(file, 8 + 4 * record_size + 30); }
  SUBCASE("in a length") { flip_byte(file, 8 + 4 * record_size + 5); }
  {
    auto q = open_queue(dir.path());
    const auto events = load_all(q);
    CHECK(events.size() == 9);
    CHECK_FALSE(events.count(5));  // the fifth record was hit
    CHECK(events.at(6) == body_of(6));
    CHECK(events.at(10) == body_of(10));
    CHECK(q.skipped_bytes() == record_size);
    CHECK(q.append(11, body_of(11)));
  }
  auto q = open_queue(dir.path());
  const auto events = load_all(q);
  CHECK(events.size() == 10);
  CHECK(events.at(11) == body_of(11));
}

TEST_CASE("file_queue: a file that is not a segment is ignored") {
  temp_dir dir;
  std::ofstream(dir / "0000000000000001.seg") << "garbage";
  auto q = open_queue(dir.path());
  CHECK(q.load().empty());
  CHECK(q.append(1, body_of(1)));
  auto events = q.load();
  REQUIRE(events.size() == 1);
  CHECK(events[0].body == body_of(1));
}

TEST_CASE("file_queue: the disk cap refuses events, and acks make room again") {
  temp_dir dir;
  file_queue_options options;
  options.max_bytes = 64 * 1024;
  auto q = open_queue(dir.path(), options);
  const std::string body(1000, 'x');
  std::uint64_t seq = 1;
  while (q.append(seq, body)) ++seq;
  CHECK(seq > 50);
  CHECK(q.disk_bytes() <= options.max_bytes);
  CHECK(q.last_error() == "queue full");
  CHECK_FALSE(q.append(seq, body));
  std::vector<std::uint64_t> all;
  for (std::uint64_t s = 1; s < seq; ++s) all.push_back(s);
  q.remove(all);
  CHECK(q.append(seq, body));
  CHECK(q.disk_bytes() < options.max_bytes / 2);
}

TEST_CASE("file_queue: sync::data appends and reloads") {
  temp_dir dir;
  file_queue_options options;
  options.durability = clickstream::native::sync::data;
  {
    auto q = open_queue(dir.path(), options);
    for (std::uint64_t seq = 1; seq <= 5; ++seq) CHECK(q.append(seq, body_of(seq)));
    q.remove({1});
  }
  auto q = open_queue(dir.path(), options);
  CHECK(load_all(q).size() == 4);
}

// The child appends (and sometimes acks) in a loop and reports each call on a pipe: an append after
// it returned, an ack before it starts and after it returned. The parent kills it mid-loop; every
// reported append must be there unless its ack was started, and no finished ack may be undone.
TEST_CASE("file_queue: nothing reported as appended is lost to SIGKILL") {
  enum : std::uint64_t { appended_kind = 1, ack_started = 2, ack_done = 3 };
  temp_dir dir;
  file_queue_options options;
  options.segment_bytes = 16 * 1024;  // rotation and reclaim happen in the child too
  std::set<std::uint64_t> appended;
  std::set<std::uint64_t> acking;
  std::set<std::uint64_t> acked;
  for (int round = 0; round < 5; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      const auto report = [&](std::uint64_t kind, std::uint64_t seq) {
        const std::uint64_t message[2] = {kind, seq};
        if (::write(fds[1], message, sizeof message) != sizeof message) ::_exit(4);
      };
      auto q = file_queue::open(dir.path(), options);
      if (!q) ::_exit(2);
      const auto base = static_cast<std::uint64_t>(round + 1) * 1'000'000;
      for (std::uint64_t i = 1; i < 1'000'000; ++i) {
        if (!q->append(base + i, body_of(base + i))) ::_exit(3);
        report(appended_kind, base + i);
        if (i % 7 == 0) {
          report(ack_started, base + i - 5);
          q->remove({base + i - 5});
          report(ack_done, base + i - 5);
        }
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    const std::size_t kill_after = 300 + static_cast<std::size_t>(round) * 700;
    std::size_t seen = 0;
    std::string pending;
    char buf[4096];
    bool killed = false;
    for (;;) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      pending.append(buf, static_cast<std::size_t>(n));
      for (; pending.size() >= 16; pending.erase(0, 16)) {
        std::uint64_t message[2];
        std::memcpy(message, pending.data(), 16);
        (message[0] == appended_kind ? appended
         : message[0] == ack_started ? acking
                                     : acked)
            .insert(message[1]);
        ++seen;
      }
      if (!killed && seen >= kill_after) {
        ::kill(pid, SIGKILL);  // reading on drains what it reported before dying
        killed = true;
      }
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    auto q = open_queue(dir.path(), options);
    const auto events = load_all(q);
    std::size_t missing = 0;
    for (auto seq : appended) {
      if (acking.count(seq)) continue;  // maybe acked before the kill: either way is right
      if (!events.count(seq) || events.at(seq) != body_of(seq)) ++missing;
    }
    std::size_t resurrected = 0;
    for (auto seq : acked) resurrected += events.count(seq);
    CHECK(missing == 0);
    CHECK(resurrected == 0);
    MESSAGE("round ", round, ": ", appended.size(), " appended, ", acked.size(), " acked, ",
            events.size(), " loaded, ", q.segment_count(), " segments");
  }
}
