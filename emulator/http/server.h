// Server: the HTTP/1.1 listener and its connections; hands each request to a Handler.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/rest_handler.h"
#include "core/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace cte::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8123;  // 0 picks a free port.
  size_t max_body_bytes = 10 * 1024 * 1024;
  size_t max_header_bytes = 64 * 1024;
  std::chrono::seconds idle_timeout{120};
  int max_connections = 4096;
};

// Called on the I/O thread for each request. `respond` must be called exactly once, from any
// thread; the response is written on the I/O thread.
using Respond = std::function<void(api::RestResponse)>;
using Handler = std::function<void(api::RestRequest, Respond)>;

// The bytes of an HTTP/1.x answer (`version` 10 or 11, as Beast numbers them): what Beast's
// serializer writes for a response<string_body> with Server and Content-Type set,
// keep_alive(keep_alive) and prepare_payload() (Content-Type: response.content_type), built
// directly, since that serializer was most of the cost of an answer. `response.status` is never
// 1xx, 204 or 304. For a HEAD request (`head`), the same head, Content-Length included, without
// the body.
std::string ResponseBytes(api::RestResponse response, unsigned version, bool keep_alive,
                          bool head = false);

// Not thread-safe: created, started and stopped on the I/O thread (Stop may be posted).
class Server {
 public:
  // `io` must outlive the server.
  Server(boost::asio::io_context& io, ServerOptions options, Handler handler);
  ~Server();

  // Binds the listening socket. UNAVAILABLE when the address cannot be bound or resolved.
  core::Status Listen();
  // The bound port; valid after Listen().
  uint16_t port() const;
  // Hands connections that open with the HTTP/2 client preface ("PRI * HTTP/2.0", what gRPC
  // clients send first) to `take`, with the preface still unread; `take` owns the socket from
  // then on. Without it every connection is served as HTTP/1.1. Call before Start().
  void HandOffHttp2(std::function<void(int fd)> take);
  // Starts accepting connections. Requires: Listen() succeeded.
  void Start();
  // Stops accepting and closes the listening socket; open connections end on their own.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cte::http
