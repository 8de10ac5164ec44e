// A durable event queue in a directory: the native `storage`. Events, acks and state are appended
// to a log of segment files; nothing is ever rewritten in place, so an append costs one write() and
// a crash can only tear the record being written.
//
// On disk (all integers little-endian):
//   <dir>/lock                        flock()ed while open: one file_queue per directory at a time
//   <dir>/<16 hex digits>.seg         segments, replayed in number order
//   segment = "CLKQ" u32 version(1) record*
//   record  = u32 crc32 | u32 length | u8 type | u64 seq | payload[length]
//             crc32 (IEEE, reflected) covers everything after itself: length, type, seq, payload
//   type 1 event: seq = the event's seq, payload = its body
//   type 2 ack:   seq = 0, payload = n × (u64 first, u64 last): inclusive ranges of finished seqs
//   type 3 state: seq = 0, payload = u32 key length | key | value (the latest record of a key wins)
//
// Replay skips what it cannot parse (a torn tail after a crash, a flipped bit) byte by byte until a
// record parses again, so one bad record costs that record, not the rest of its segment. A reopened
// queue never appends to an old segment: it starts a new one, so a torn tail cannot swallow new
// records. Every new segment begins with a snapshot of all state, and segments are deleted oldest
// first once they and every older segment hold no live event (an ack can refer to events in older
// segments, so deleting out of order could resurrect acked events).
//
// Durability: sync::none (the default) write()s each record: it survives the process being killed,
// not the machine losing power. sync::data adds fdatasync() per record (and fsync of the directory
// when segments come and go): it survives power loss, at the cost of a disk flush per event.
//
// Not synchronized: callers serialize access (the native client calls it under its lock).
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../storage.hpp"

namespace clickstream::native {

enum class sync {
  none,  // write() only: survives a killed process
  data,  // fdatasync() per record: survives power loss
};

struct file_queue_options {
  sync durability = sync::none;
  // Cap on the bytes of all segment files: an event that would pass it is refused (append returns
  // false). Acks and state records are always written, since they are what frees space.
  std::uint64_t max_bytes = 64ULL << 20;
  // A segment is closed and a new one started past this size. Clamped to max_bytes / 4 so that
  // reclaiming whole segments can always free space under the cap.
  std::uint64_t segment_bytes = 4ULL << 20;
};

namespace detail {

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes. Eight bytes per
// step make the checksum ~5x cheaper than byte at a time, which is most of an append's CPU.
constexpr std::array<std::array<std::uint32_t, 256>, 8> make_crc32_tables() {
  std::array<std::array<std::uint32_t, 256>, 8> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[0][i] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) {
      table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xFF];
    }
  }
  return table;
}

inline constexpr auto crc32_tables = make_crc32_tables();

// CRC-32 (IEEE 802.3, as zlib's crc32): crc32("123456789") == 0xCBF43926.
inline std::uint32_t crc32(std::string_view data) noexcept {
  const auto& t = crc32_tables;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
  std::uint32_t crc = 0xFFFFFFFFU;
  auto word = [](const unsigned char* q) {
    return std::uint32_t{q[0]} | std::uint32_t{q[1]} << 8 | std::uint32_t{q[2]} << 16 |
           std::uint32_t{q[3]} << 24;
  };
  for (; n >= 8; p += 8, n -= 8) {
    const std::uint32_t lo = crc ^ word(p);
    const std::uint32_t hi = word(p + 4);
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
          t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; n > 0; ++p, --n) crc = t[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

inline void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

inline std::uint64_t get_le(std::string_view in, std::size_t pos, int bytes) noexcept {
  std::uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    value = value << 8 | static_cast<unsigned char>(in[pos + static_cast<std::size_t>(i)]);
  }
  return value;
}

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

inline bool write_all(int fd, std::string_view data) noexcept {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = ENOSPC;  // a regular file that accepts nothing is full
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

inline std::string errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

}  // namespace detail

class file_queue final : public storage {
 public:
  // Creates the directory if needed, takes its lock and replays it. On failure (the directory
  // cannot be created or read, or another file_queue holds it) returns nullopt and says why in
  // *error.
  static std::optional<file_queue> open(const std::filesystem::path& dir,
                                        file_queue_options options = {},
                                        std::string* error = nullptr) {
    file_queue queue(dir, options);
    std::string why = queue.open_dir();
    if (why.empty()) return queue;
    if (error) *error = std::move(why);
    return std::nullopt;
  }

  file_queue(file_queue&&) noexcept = default;
  file_queue& operator=(file_queue&&) noexcept = default;

  // One record, one write(). False when the disk cap would be passed or the write failed; nothing
  // of the record is left behind then.
  bool append(std::uint64_t seq, std::string_view body) override {
    if (body.size() > max_payload) return fail("event larger than a record may be");
    if (bytes_ + record_header + body.size() > options_.max_bytes) return fail("queue full");
    if (!write_record(type_event, seq, body)) return false;
    forget(seq);
    live_[seq] = current_no_;
    ++segments_[current_no_].live;
    return true;
  }

  // Acks as inclusive seq ranges. An ack that cannot be written is retried with the next remove,
  // and until then its events stay live (at worst they are sent again after a restart, never lost).
  void remove(const std::vector<std::uint64_t>& seqs) override {
    for (auto seq : seqs) {
      if (live_.count(seq)) unacked_.push_back(seq);
    }
    if (unacked_.empty()) return;
    std::sort(unacked_.begin(), unacked_.end());
    unacked_.erase(std::unique(unacked_.begin(), unacked_.end()), unacked_.end());
    std::string ranges;
    std::size_t first = 0;
    for (std::size_t i = 1; i <= unacked_.size(); ++i) {
      if (i < unacked_.size() && unacked_[i] == unacked_[i - 1] + 1) continue;
      detail::put_le(ranges, unacked_[first], 8);
      detail::put_le(ranges, unacked_[i - 1], 8);
      first = i;
      if (ranges.size() + 16 > max_payload || i == unacked_.size()) {
        if (!write_record(type_ack, 0, ranges)) return;
        ranges.clear();
      }
    }
    for (auto seq : unacked_) forget(seq);
    unacked_.clear();
    reclaim();
  }

  // Re-reads the segments (bodies are not kept in memory between start and load).
  std::vector<stored_event> load() override {
    replay_result replayed;
    if (auto why = replay(replayed, true); !why.empty()) fail(why);
    std::vector<stored_event> out;
    out.reserve(live_.size());
    for (const auto& [seq, body] : replayed.bodies) {
      if (live_.count(seq)) out.push_back({seq, body});
    }
    return out;
  }

  void save_state(std::string_view key, std::string_view value) override {
    auto it = state_.find(key);
    if (it != state_.end() && it->second == value) return;  // sessions re-save unchanged values
    write_record(type_state, 0, state_payload(key, value));
    state_[std::string(key)] = std::string(value);
  }

  std::optional<std::string> load_state(std::string_view key) override {
    auto it = state_.find(key);
    if (it == state_.end()) return std::nullopt;
    return it->second;
  }

  // Diagnostics.
  std::size_t size() const noexcept { return live_.size(); }
  std::uint64_t disk_bytes() const noexcept { return bytes_; }
  std::size_t segment_count() const noexcept { return segments_.size(); }
  // Bytes of torn or corrupt records skipped when the queue was opened.
  std::uint64_t skipped_bytes() const noexcept { return skipped_; }
  // The latest failure (the storage interface has no other way to report one).
  const std::string& last_error() const noexcept { return error_; }
  const std::filesystem::path& directory() const noexcept { return dir_; }

 private:
  static constexpr std::uint8_t type_event = 1;
  static constexpr std::uint8_t type_ack = 2;
  static constexpr std::uint8_t type_state = 3;
  static constexpr std::size_t record_header = 17;
  static constexpr std::string_view segment_magic{"CLKQ\x01\x00\x00\x00", 8};
  // Events are ≤ 32 KiB by contract; the bound keeps resynchronization over garbage cheap.
  static constexpr std::size_t max_payload = 1U << 20;

  struct segment {
    std::uint64_t bytes = 0;
    std::size_t live = 0;
  };
  struct replay_result {
    std::map<std::uint64_t, segment> segments;
    std::map<std::uint64_t, std::uint64_t> live;  // seq → segment number
    std::map<std::uint64_t, std::string> bodies;
    std::map<std::string, std::string, std::less<>> state;
    std::uint64_t next_no = 1;
    std::uint64_t skipped = 0;
  };
  struct record {
    std::uint8_t type;
    std::uint64_t seq;
    std::string_view payload;
  };

  file_queue(std::filesystem::path dir, file_queue_options options)
      : dir_(std::move(dir)), options_(options) {
    options_.segment_bytes = std::min(options_.segment_bytes, options_.max_bytes / 4);
  }

  std::string open_dir() {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return "cannot create queue directory " + dir_.string() + ": " + ec.message();
    lock_.reset(::open((dir_ / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!lock_) return "cannot open " + (dir_ / "lock").string() + ": " + detail::errno_text(errno);
    if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
      return errno == EWOULDBLOCK
                 ? "queue directory " + dir_.string() + " is in use"
                 : "cannot lock " + dir_.string() + ": " + detail::errno_text(errno);
    }
    replay_result replayed;
    if (auto why = replay(replayed, false); !why.empty()) return why;
    segments_ = std::move(replayed.segments);
    live_ = std::move(replayed.live);
    state_ = std::move(replayed.state);
    next_no_ = replayed.next_no;
    skipped_ = replayed.skipped;
    for (const auto& entry : segments_) bytes_ += entry.second.bytes;
    return {};
  }

  std::filesystem::path segment_path(std::uint64_t no) const {
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.seg", static_cast<unsigned long long>(no));
    return dir_ / name;
  }

  static bool parse_segment_name(const std::string& name, std::uint64_t& no) {
    if (name.size() != 20 || name.compare(16, 4, ".seg") != 0) return false;
    no = 0;
    for (std::size_t i = 0; i < 16; ++i) {
      const char c = name[i];
      const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (digit < 0) return false;
      no = no << 4 | static_cast<std::uint64_t>(digit);
    }
    return true;
  }

  static std::string read_file(const std::filesystem::path& path, std::string& out) {
    detail::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
      return "cannot read " + path.string() + ": " + detail::errno_text(errno);
    }
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::read(fd.get(), &out[done], out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return "cannot read " + path.string() + ": " + detail::errno_text(errno);
      if (n == 0) break;  // shrank while reading: replay what is there
      done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return {};
  }

  // A record at pos whose length, type, payload shape and checksum all hold, or nullopt.
  static std::optional<record> parse(std::string_view data, std::size_t pos) {
    if (data.size() - pos < record_header) return std::nullopt;
    const auto length = static_cast<std::size_t>(detail::get_le(data, pos + 4, 4));
    if (length > max_payload || length > data.size() - pos - record_header) return std::nullopt;
    record rec{static_cast<std::uint8_t>(data[pos + 8]), detail::get_le(data, pos + 9, 8),
               data.substr(pos + record_header, length)};
    const bool shaped =
        rec.type == type_event || (rec.type == type_ack && length % 16 == 0) ||
        (rec.type == type_state && length >= 4 && detail::get_le(rec.payload, 0, 4) <= length - 4);
    if (!shaped) return std::nullopt;
    if (detail::crc32(data.substr(pos + 4, record_header - 4 + length)) !=
        detail::get_le(data, pos, 4)) {
      return std::nullopt;
    }
    return rec;
  }

  static void apply(const record& rec, std::uint64_t no, replay_result& r, bool keep_bodies) {
    if (rec.type == type_event) {
      if (auto it = r.live.find(rec.seq); it != r.live.end()) --r.segments[it->second].live;
      r.live[rec.seq] = no;
      ++r.segments[no].live;
      if (keep_bodies) r.bodies[rec.seq] = std::string(rec.payload);
    } else if (rec.type == type_ack) {
      for (std::size_t i = 0; i < rec.payload.size(); i += 16) {
        const auto first = detail::get_le(rec.payload, i, 8);
        const auto last = detail::get_le(rec.payload, i + 8, 8);
        auto it = r.live.lower_bound(first);
        while (it != r.live.end() && it->first <= last) {
          --r.segments[it->second].live;
          r.bodies.erase(it->first);
          it = r.live.erase(it);
        }
      }
    } else {
      const auto key_length = static_cast<std::size_t>(detail::get_le(rec.payload, 0, 4));
      r.state[std::string(rec.payload.substr(4, key_length))] =
          std::string(rec.payload.substr(4 + key_length));
    }
  }

  std::string replay(replay_result& r, bool keep_bodies) const {
    std::error_code ec;
    std::vector<std::uint64_t> numbers;
    for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::uint64_t no = 0;
      if (parse_segment_name(it->path().filename().string(), no)) numbers.push_back(no);
    }
    if (ec) return "cannot list " + dir_.string() + ": " + ec.message();
    std::sort(numbers.begin(), numbers.end());
    std::string data;
    for (auto no : numbers) {
      if (auto why = read_file(segment_path(no), data); !why.empty()) return why;
      r.segments[no].bytes = data.size();
      r.next_no = no + 1;
      if (data.compare(0, segment_magic.size(), segment_magic) != 0) {
        r.skipped += data.size();  // a foreign file, or torn before its header was complete
        continue;
      }
      std::size_t pos = segment_magic.size();
      while (pos < data.size()) {
        if (auto rec = parse(data, pos)) {
          apply(*rec, no, r, keep_bodies);
          pos += record_header + rec->payload.size();
        } else {
          ++pos;
          ++r.skipped;
        }
      }
    }
    return {};
  }

  static std::string state_payload(std::string_view key, std::string_view value) {
    std::string payload;
    detail::put_le(payload, key.size(), 4);
    payload.append(key).append(value);
    return payload;
  }

  static void encode(std::string& out, std::uint8_t type, std::uint64_t seq,
                     std::string_view payload) {
    const std::size_t start = out.size();
    out.append(4, '\0');
    detail::put_le(out, payload.size(), 4);
    out.push_back(static_cast<char>(type));
    detail::put_le(out, seq, 8);
    out.append(payload);
    const auto crc = detail::crc32(std::string_view(out).substr(start + 4));
    for (int i = 0; i < 4; ++i)
      out[start + static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
  }

  bool write_record(std::uint8_t type, std::uint64_t seq, std::string_view payload) {
    const std::size_t size = record_header + payload.size();
    if (current_) {
      const auto& cur = segments_[current_no_];
      if (cur.bytes > current_base_ && cur.bytes + size > options_.segment_bytes) current_.reset();
    }
    if (!current_ && !start_segment()) return false;
    buffer_.clear();
    encode(buffer_, type, seq, payload);
    return write_current();
  }

  // Writes buffer_ to the current segment, or leaves the segment as it was.
  bool write_current() {
    auto& cur = segments_[current_no_];
    const int fd = current_.get();
    if (detail::write_all(fd, buffer_) &&
        (options_.durability == sync::none || ::fdatasync(fd) == 0)) {
      cur.bytes += buffer_.size();
      bytes_ += buffer_.size();
      return true;
    }
    const int err = errno;
    fail("cannot write " + segment_path(current_no_).string() + ": " + detail::errno_text(err));
    // A half-written record must not stay in front of later ones; if it cannot be cut off, later
    // records go to a fresh segment and replay skips the torn bytes.
    if (::ftruncate(fd, static_cast<off_t>(cur.bytes)) != 0) {
      struct stat st {};
      if (::fstat(fd, &st) == 0) {
        bytes_ += static_cast<std::uint64_t>(st.st_size) - cur.bytes;
        cur.bytes = static_cast<std::uint64_t>(st.st_size);
      }
      current_.reset();
    }
    return false;
  }

  // A new segment opens with a snapshot of the state, so older segments can go without it.
  bool start_segment() {
    const auto no = next_no_++;
    const auto path = segment_path(no);
    detail::unique_fd fd(
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644));
    if (!fd) {
      const int err = errno;
      return fail("cannot create " + path.string() + ": " + detail::errno_text(err));
    }
    buffer_.assign(segment_magic);
    for (const auto& [key, value] : state_)
      encode(buffer_, type_state, 0, state_payload(key, value));
    if (!detail::write_all(fd.get(), buffer_) ||
        (options_.durability == sync::data && (::fdatasync(fd.get()) != 0 || !sync_dir()))) {
      const int err = errno;
      fail("cannot write " + path.string() + ": " + detail::errno_text(err));
      ::unlink(path.c_str());
      return false;
    }
    current_ = std::move(fd);
    current_no_ = no;
    current_base_ = buffer_.size();
    segments_[no] = {buffer_.size(), 0};
    bytes_ += buffer_.size();
    reclaim();
    return true;
  }

  // Deletes the oldest segments while they hold no live event; the current one always stays.
  void reclaim() {
    if (!current_) return;  // the state snapshot lives in the current segment
    bool deleted = false;
    while (segments_.begin()->first != current_no_ && segments_.begin()->second.live == 0) {
      const auto path = segment_path(segments_.begin()->first);
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        fail("cannot delete " + path.string() + ": " + detail::errno_text(errno));
        break;
      }
      bytes_ -= segments_.begin()->second.bytes;
      segments_.erase(segments_.begin());
      deleted = true;
    }
    if (deleted && options_.durability == sync::data) sync_dir();
  }

  bool sync_dir() {
    detail::unique_fd fd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return fd && ::fsync(fd.get()) == 0;
  }

  void forget(std::uint64_t seq) {
    auto it = live_.find(seq);
    if (it == live_.end()) return;
    --segments_[it->second].live;
    live_.erase(it);
  }

  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  std::filesystem::path dir_;
  file_queue_options options_;
  detail::unique_fd lock_;
  detail::unique_fd current_;  // the segment being appended to; none until the first write
  std::uint64_t current_no_ = 0;
  std::uint64_t current_base_ = 0;  // its size after header and state snapshot
  std::uint64_t next_no_ = 1;
  std::map<std::uint64_t, segment> segments_;
  std::map<std::uint64_t, std::uint64_t> live_;  // seq → segment number
  std::map<std::string, std::string, std::less<>> state_;
  std::vector<std::uint64_t> unacked_;
  std::uint64_t bytes_ = 0;
  std::uint64_t skipped_ = 0;
  std::string buffer_;
  std::string error_;
};

}  // namespace clickstream::native
