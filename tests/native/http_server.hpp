// A small HTTP/1.1 server for tests, on 127.0.0.1 only: keep-alive, Content-Length bodies, a
// scriptable responder, a record of every request, and stop()/start() on the same port to play an
// endpoint going down and coming back. One thread polls the listener and all connections.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace test_http {

struct received {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers)
      if (key == name) return value;
    return {};
  }
};

struct reply {
  int status = 200;
  std::string body = R"({"accepted":1,"rejected":[]})";
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after answering
};

using responder = std::function<reply(const received&)>;

namespace detail {

inline std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

inline const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

inline void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; it will see the connection fail
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One complete request at the front of `buffer`, or false when more bytes are needed.
inline bool take_request(std::string& buffer, received& out) {
  const auto end = buffer.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  received r;
  std::size_t length = 0;
  std::string_view head(buffer.data(), end);
  const auto first = head.find("\r\n");
  const std::string_view line = head.substr(0, first);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 + 1);
  r.method = std::string(line.substr(0, sp1));
  r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  for (std::size_t pos = first; pos != std::string_view::npos && pos < head.size();) {
    const auto next = head.find("\r\n", pos + 2);
    const auto field = head.substr(pos + 2, next == std::string_view::npos ? next : next - pos - 2);
    const auto colon = field.find(':');
    if (colon != std::string_view::npos) {
      r.headers.emplace_back(lower(std::string(field.substr(0, colon))),
                             std::string(trim(field.substr(colon + 1))));
      if (r.headers.back().first == "content-length") length = std::stoul(r.headers.back().second);
    }
    pos = next;
  }
  if (buffer.size() < end + 4 + length) return false;
  r.body = buffer.substr(end + 4, length);
  buffer.erase(0, end + 4 + length);
  out = std::move(r);
  return true;
}

}  // namespace detail

class http_server {
 public:
  explicit http_server(responder respond = {}) : respond_(std::move(respond)) { start(); }
  ~http_server() { stop(); }
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/clickstream") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  // Listens (again) on the port: an ephemeral one the first time, the same one after stop().
  void start() {
    if (thread_.joinable()) return;
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("test server cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    thread_ = std::thread([this] { run(); });
  }

  // Closes the listener and every connection: connecting is refused until start().
  void stop() {
    if (!thread_.joinable()) return;
    const char byte = 0;
    (void)!::write(wake_[1], &byte, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  void set_responder(responder respond) {
    const std::lock_guard<std::mutex> lock(mutex_);
    respond_ = std::move(respond);
  }

  std::vector<received> requests() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::size_t connections() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return connections_;
  }

 private:
  struct connection {
    int fd;
    std::string buffer;
  };

  void run() {
    std::vector<connection> conns;
    for (;;) {
      std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      for (const auto& c : conns) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
      if (fds[0].revents) break;
      for (std::size_t i = conns.size(); i-- > 0;) {
        if (fds[i + 2].revents && !serve(conns[i])) {
          ::close(conns[i].fd);
          conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
      if (fds[1].revents & POLLIN) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          conns.push_back({fd, {}});
          const std::lock_guard<std::mutex> lock(mutex_);
          ++connections_;
        }
      }
    }
    for (const auto& c : conns) ::close(c.fd);
  }

  // Reads what arrived and answers every complete request; false when the connection is done.
  bool serve(connection& c) {
    char chunk[16384];
    const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    c.buffer.append(chunk, static_cast<std::size_t>(n));
    received req;
    while (detail::take_request(c.buffer, req)) {
      responder respond;
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(req);
        respond = respond_;
      }
      const reply rep = respond ? respond(req) : reply{};
      std::string out = "HTTP/1.1 " + std::to_string(rep.status) + " " +
                        detail::reason(rep.status) + "\r\nContent-Type: application/json\r\n" +
                        "Content-Length: " + std::to_string(rep.body.size()) + "\r\n";
      for (const auto& [key, value] : rep.headers) out += key + ": " + value + "\r\n";
      const bool close = rep.close || detail::lower(req.header("connection")) == "close";
      if (close) out += "Connection: close\r\n";
      out += "\r\n" + rep.body;
      detail::send_all(c.fd, out);
      if (close) return false;
    }
    return true;
  }

  mutable std::mutex mutex_;
  responder respond_;
  std::vector<received> requests_;
  std::size_t connections_ = 0;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

// Accepts connections into its backlog and never answers: a request to it hangs until the
// client gives up.
class black_hole {
 public:
  black_hole() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(fd_);
      throw std::runtime_error("black hole cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~black_hole() { ::close(fd_); }
  black_hole(const black_hole&) = delete;
  black_hole& operator=(const black_hole&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/clickstream"; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace test_http
