// HttpPusher: sends dispatch requests to workers with Boost.Beast (the Pusher port).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "core/pusher.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace cte::http {

struct PusherOptions {
  bool verify_tls = true;  // Check https:// workers' certificates.
  // An answer counts only when it arrives whole; a longer body fails the attempt. The body is
  // read and dropped as it comes, so the limit costs no memory.
  size_t max_response_bytes = 32 * 1024 * 1024;
  // Connections open at once, idle ones included; further pushes wait for one to close (the wait
  // counts against their deadline) instead of failing with "Too many open files". 0: derived from
  // the open-file limit (see DefaultMaxConnections). A connection answered with keep-alive stays
  // open for reuse, closed only when another origin needs its place: one closed after each answer
  // would sit in TIME_WAIT, and at thousands of pushes a second those use up the local ports.
  size_t max_connections = 0;
  // Makes the bearer token of a request that asks for one (an OIDC or OAuth task); runs on the
  // I/O thread. Without it such requests go without an Authorization header.
  std::function<std::string(const core::TokenRequest&)> sign;
};

// What the open-file limit leaves for outgoing connections after the listener's 4096 and the
// database's files, at most 8192. Linux gives connect() the even half of the local port range
// first (about 14,000 ports by default); once those are taken towards one worker, every connect
// scans them all before it tries an odd one (issue 17: with 16384, a backlog drain spent three
// quarters of the I/O thread in that scan).
size_t DefaultMaxConnections();

// Push may be called from any thread; requests run on `io`'s thread, and `done` is called there.
class HttpPusher final : public core::Pusher {
 public:
  // `io` must outlive the pusher and be run by one thread.
  HttpPusher(boost::asio::io_context& io, PusherOptions options);
  ~HttpPusher() override;

  uint64_t Push(core::PushRequest request, std::function<void(core::PushResult)> done) override;
  void Cancel(uint64_t id) override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cte::http
