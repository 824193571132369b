#include "client/lib/http_connection.h"

#include <optional>
#include <utility>  // Before Boost.Asio: asio issue #944 under GCC 12 in C++20 mode.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace cte::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using beast::error_code;

constexpr uint64_t kMaxResponseBytes = 64 << 20;

// Errors that mean the peer closed a kept-alive connection before reading our request.
bool IsStaleConnection(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

Status TransportError(const error_code& ec, std::string_view what) {
  if (ec == beast::error::timeout) {
    return {Code::kDeadlineExceeded, std::string(what) + ": timed out"};
  }
  return {Code::kUnavailable, std::string(what) + ": " + ec.message()};
}

}  // namespace

struct HttpConnection::Impl {
  std::string host, port;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Runs the io_context until the pending operation (bounded by the stream's expiry) ends.
  void Run() {
    ioc.restart();
    ioc.run();
  }

  error_code Connect(std::chrono::milliseconds timeout) {
    Close();
    error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return ec;
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
    Run();
    if (ec) Close();
    return ec;
  }

  void Close() {
    if (!stream) return;
    error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->socket().close(ignored);
    stream.reset();
    buffer.clear();
  }

  // One exchange on the open stream. Sets `read_any` when some of the answer arrived.
  error_code Exchange(http::request<http::string_body>& req, HttpResponse& out,
                      std::chrono::milliseconds timeout, bool& read_any) {
    error_code ec;
    stream->expires_after(timeout);
    http::async_write(*stream, req, [&](error_code e, size_t) { ec = e; });
    Run();
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    stream->expires_after(timeout);
    http::async_read(*stream, buffer, parser, [&](error_code e, size_t n) {
      ec = e;
      read_any = n > 0;
    });
    Run();
    if (ec) return ec;
    out.status = static_cast<int>(parser.get().result_int());
    out.body = std::move(parser.get().body());
    if (!parser.get().keep_alive()) Close();
    return ec;
  }
};

HttpConnection::HttpConnection(std::string host, std::string port) : impl_(new Impl) {
  impl_->host = std::move(host);
  impl_->port = std::move(port);
}

HttpConnection::~HttpConnection() { impl_->Close(); }

Result<HttpResponse> HttpConnection::Send(std::string_view method, std::string_view target,
                                          std::string_view body, std::chrono::milliseconds timeout,
                                          const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req(
      http::string_to_verb(beast::string_view(method.data(), method.size())), std::string(target),
      11);
  req.set(http::field::host, impl_->host + ":" + impl_->port);
  req.set(http::field::user_agent, "cte-client");
  req.keep_alive(true);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  for (const auto& [name, value] : headers) req.set(name, value);
  req.prepare_payload();
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = impl_->stream.has_value();
    if (!reused) {
      if (error_code ec = impl_->Connect(timeout)) return TransportError(ec, "connect");
    }
    HttpResponse out;
    bool read_any = false;
    error_code ec = impl_->Exchange(req, out, timeout, read_any);
    if (!ec) return out;
    impl_->Close();
    if (!(reused && !read_any && IsStaleConnection(ec))) return TransportError(ec, "request");
  }
  return Status(Code::kUnavailable, "request: connection closed");
}

}  // namespace cte::client
