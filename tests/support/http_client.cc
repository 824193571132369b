#include "support/http_client.h"

#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>

#include "http/asio.h"

namespace cte::testing {

using namespace cte::http;

struct HttpClient::Impl {
  int port;
  asio::io_context io;
  std::unique_ptr<beast::tcp_stream> stream;

  void Connect() {
    stream = std::make_unique<beast::tcp_stream>(io);
    stream->connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
  }
};

HttpClient::HttpClient(int port) : impl_(std::make_unique<Impl>()) { impl_->port = port; }
HttpClient::~HttpClient() = default;

HttpReply HttpClient::Request(const std::string& method, const std::string& target,
                              const std::string& body) {
  if (!impl_->stream) impl_->Connect();
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  impl_->stream->expires_after(std::chrono::seconds(30));
  bhttp::write(*impl_->stream, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(*impl_->stream, buffer, parser);
  auto res = parser.release();
  if (!res.keep_alive()) impl_->stream.reset();
  return {static_cast<int>(res.result_int()), res.body(),
          std::string(res[bhttp::field::content_type])};
}

std::string HttpClient::Raw(const std::string& bytes) {
  Impl fresh;
  fresh.port = impl_->port;
  fresh.Connect();
  timeval timeout{5, 0};  // Blocking reads below must not hang on a silent server.
  setsockopt(fresh.stream->socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
             sizeof timeout);
  asio::write(fresh.stream->socket(), asio::buffer(bytes));
  std::string out;
  beast::error_code ec;
  char buf[4096];
  while (true) {
    size_t n = fresh.stream->socket().read_some(asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

}  // namespace cte::testing
