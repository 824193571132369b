#include "http/server.h"

#include <string_view>
#include <sys/socket.h>

#include "http/asio.h"

namespace cte::http {

namespace {

using asio::awaitable;
using asio::use_awaitable;

// Bytes a connection reads at a time: a CreateTask with a few KB of body in one read.
constexpr size_t kReadBufferBytes = 8 * 1024;
// A lingering close (Session::Linger) reads for at most this long, this much at a time.
constexpr auto kLingerTime = std::chrono::seconds(5);
constexpr size_t kLingerReadBytes = 64 * 1024;

// How long the accept loop waits after a failed accept (EMFILE, ENFILE, ENOMEM), doubling up to
// the maximum while accepts keep failing.
constexpr auto kAcceptBackoffMin = std::chrono::milliseconds(5);
constexpr auto kAcceptBackoffMax = std::chrono::milliseconds(500);

api::RestRequest ToRestRequest(bhttp::request<bhttp::string_body>&& req) {
  api::RestRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.body = std::move(req.body());
  if (auto it = req.find("X-HTTP-Method-Override"); it != req.end()) {
    out.method_override = std::string(it->value());
  }
  // Only BufferTask reads the headers; copying them for every call would cost the hot path.
  if (out.target.find(":buffer") != std::string::npos) {
    for (const auto& field : req) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }
  out.host = std::string(req[bhttp::field::host]);
  out.origin = std::string(req[bhttp::field::origin]);
  out.sec_fetch_site = std::string(req["Sec-Fetch-Site"]);
  return out;
}

// The answer to a request the parser rejected; the connection closes after it.
api::RestResponse ParseErrorResponse(const beast::error_code& ec, size_t max_body) {
  if (ec == bhttp::error::body_limit) {
    return api::ErrorResponse(core::InvalidArgument(
        "Request payload size exceeds the limit: " + std::to_string(max_body) + " bytes."));
  }
  if (ec == bhttp::error::header_limit) {
    return api::ErrorResponse(core::InvalidArgument("Request headers are too large."));
  }
  return api::ErrorResponse(core::InvalidArgument("Malformed HTTP request: " + ec.message()));
}

}  // namespace

std::string ResponseBytes(api::RestResponse r, unsigned version, bool keep_alive, bool head) {
  beast::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
  std::string out;
  out.reserve(160 + r.body.size());
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
  out += ' ';
  out += std::to_string(r.status);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\nServer: cloud-tasks-emulator\r\nContent-Type: ";
  out.append(r.content_type.data(), r.content_type.size());
  out += "\r\n";
  out.append(r.extra_headers.data(), r.extra_headers.size());
  if (r.events) {  // The body runs until the connection closes.
    out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
    return out;
  }
  if (version >= 11 && !keep_alive) out += "Connection: close\r\n";
  if (version < 11 && keep_alive) out += "Connection: keep-alive\r\n";
  out += "Content-Length: ";
  out += std::to_string(r.body.size());
  out += "\r\n\r\n";
  if (!head) out += r.body;
  return out;
}

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& context, ServerOptions o, Handler h)
      : io(context), options(std::move(o)), handler(std::move(h)), acceptor(context) {}

  // Hands the request to the handler and resumes when it responds (from any thread).
  awaitable<api::RestResponse> Handle(api::RestRequest request) {
    auto initiate = [this, &request](auto completion) {
      using Completion = decltype(completion);
      auto shared = std::make_shared<Completion>(std::move(completion));
      auto executor = asio::get_associated_executor(*shared, io.get_executor());
      handler(std::move(request), [shared, executor](api::RestResponse response) {
        asio::post(executor, [shared, response = std::move(response)]() mutable {
          // Asio's handlers are invoked once, as rvalues moved out of their holder.
          Completion resume = std::move(*shared);
          std::move(resume)(std::move(response));
        });
      });
    };
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(api::RestResponse)>(
        initiate, use_awaitable);
  }

  // Waits for the source's next chunk (delivered from any thread).
  awaitable<std::string> NextChunk(api::EventSource& events) {
    auto initiate = [this, &events](auto completion) {
      using Completion = decltype(completion);
      auto shared = std::make_shared<Completion>(std::move(completion));
      auto executor = asio::get_associated_executor(*shared, io.get_executor());
      events.Next([shared, executor](std::string chunk) {
        asio::post(executor, [shared, chunk = std::move(chunk)]() mutable {
          Completion resume = std::move(*shared);
          std::move(resume)(std::move(chunk));
        });
      });
    };
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(std::string)>(
        initiate, use_awaitable);
  }

  // Writes a streamed answer's chunks until the source ends it, a write fails (the client left)
  // or the server stops. Nothing runs for it between chunks but a timer.
  awaitable<void> Stream(beast::tcp_stream& stream, api::EventSource& events) {
    asio::steady_timer pause(io);
    beast::error_code ec;
    while (acceptor.is_open()) {
      std::string chunk = co_await NextChunk(events);
      if (chunk.empty()) break;
      stream.expires_after(options.idle_timeout);
      co_await asio::async_write(stream, asio::buffer(chunk),
                                 asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      pause.expires_after(events.Interval());
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      if (ec) break;
    }
  }

  awaitable<void> Session(tcp::socket socket) {
    auto self = shared_from_this();  // Keeps the handler alive while the session runs.
    ++connections;
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    // Beast reads max(512, free space) at a time, and the parser consumes a body as it comes, so
    // a buffer left to grow on its own stays at 512 bytes: a 1.5 KB request took four reads.
    buffer.reserve(kReadBufferBytes);
    beast::error_code ec;
    while (true) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
      parser.body_limit(options.max_body_bytes);
      stream.expires_after(options.idle_timeout);
      co_await bhttp::async_read_header(stream, buffer, parser,
                                        asio::redirect_error(use_awaitable, ec));
      if (!ec && beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        // curl waits a second for this before sending bodies over 1 KiB.
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
        co_await bhttp::async_write(stream, go_on, asio::redirect_error(use_awaitable, ec));
      }
      if (!ec && !parser.is_done()) {
        co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      }
      if (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
          ec == beast::error::timeout || ec == asio::error::eof) {
        break;
      }
      bool rejected = static_cast<bool>(ec);  // Whatever is left of the request is unread.
      bool keep_alive = !ec && parser.get().keep_alive();
      unsigned version = ec ? 11 : parser.get().version();
      bool head = !ec && parser.get().method() == bhttp::verb::head;
      // No co_await inside ?: here: GCC 12 miscompiles temporaries in that position.
      api::RestResponse response;
      if (ec) {
        response = ParseErrorResponse(ec, options.max_body_bytes);
      } else {
        response = co_await Handle(ToRestRequest(parser.release()));
      }
      std::shared_ptr<api::EventSource> events = response.events;
      std::string wire = ResponseBytes(std::move(response), version, keep_alive, head);
      stream.expires_after(options.idle_timeout);
      co_await asio::async_write(stream, asio::buffer(wire),
                                 asio::redirect_error(use_awaitable, ec));
      if (!ec && events) co_await Stream(stream, *events);
      if (!ec && rejected) co_await Linger(stream);
      if (ec || !keep_alive || events) break;  // A rejected request is never kept alive.
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    --connections;
  }

  // After the answer to a request that was not read to its end (a body over the limit): closing
  // now would reset the connection, and a client still sending would get EPIPE before it reads
  // the answer. So stop writing, then read and drop what comes, until the client closes or
  // kLingerTime has passed.
  static awaitable<void> Linger(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::vector<char> sink(kLingerReadBytes);
    stream.expires_after(kLingerTime);
    while (!ec) {
      co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(use_awaitable, ec));
    }
  }

  enum class Protocol { kHttp1, kHttp2, kGone };

  // Peeks at the first bytes without reading them: the HTTP/2 client preface, or anything else.
  awaitable<Protocol> Sniff(const std::shared_ptr<tcp::socket>& socket) {
    static constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    // A client that connects and sends nothing is dropped after the idle timeout.
    asio::steady_timer timeout(io, options.idle_timeout);
    timeout.async_wait([socket](const beast::error_code& ec) {
      beast::error_code ignored;
      if (!ec) socket->cancel(ignored);
    });
    asio::steady_timer pause(io);
    Protocol protocol = Protocol::kGone;
    while (true) {
      beast::error_code ec;
      co_await socket->async_wait(tcp::socket::wait_read, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      char head[kPreface.size()];
      ssize_t n = ::recv(socket->native_handle(), head, sizeof head, MSG_PEEK);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (n <= 0) break;
      auto got = static_cast<size_t>(n);
      if (std::string_view(head, got) != kPreface.substr(0, got)) {
        protocol = Protocol::kHttp1;
        break;
      }
      if (got == kPreface.size()) {
        protocol = Protocol::kHttp2;
        break;
      }
      // A part of the preface: wait a moment for the rest (the socket stays readable).
      pause.expires_after(std::chrono::milliseconds(1));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    timeout.cancel();
    co_return protocol;
  }

  awaitable<void> Route(tcp::socket raw) {
    auto self = shared_from_this();
    auto socket = std::make_shared<tcp::socket>(std::move(raw));
    Protocol protocol = co_await Sniff(socket);
    beast::error_code ec;
    if (protocol == Protocol::kHttp2) {
      int fd = socket->release(ec);
      if (!ec) take_http2(fd);
    } else if (protocol == Protocol::kHttp1) {
      co_await Session(std::move(*socket));
    }
  }

  awaitable<void> Accept() {
    auto self = shared_from_this();
    asio::steady_timer pause(io);
    auto backoff = kAcceptBackoffMin;
    while (acceptor.is_open()) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted) break;
      if (ec) {
        // Out of file descriptors (or memory): the pending connection stays in the backlog and
        // the next accept fails at once, so retrying at once would spin a core. Keep serving the
        // connections we have and try again a little later, a little later each time.
        pause.expires_after(backoff);
        co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
        backoff = std::min(backoff * 2, kAcceptBackoffMax);
        continue;
      }
      backoff = kAcceptBackoffMin;
      if (connections >= options.max_connections) {
        socket.close(ec);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (take_http2) {
        asio::co_spawn(io, Route(std::move(socket)), asio::detached);
      } else {
        asio::co_spawn(io, Session(std::move(socket)), asio::detached);
      }
    }
  }

  asio::io_context& io;
  ServerOptions options;
  Handler handler;
  std::function<void(int)> take_http2;
  tcp::acceptor acceptor;
  int connections = 0;
};

Server::Server(asio::io_context& io, ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler))) {}

Server::~Server() = default;

core::Status Server::Listen() {
  beast::error_code ec;
  tcp::resolver resolver(impl_->io);
  auto endpoints = resolver.resolve(impl_->options.host, std::to_string(impl_->options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return {core::Code::kUnavailable, "cannot resolve host " + impl_->options.host};
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return {core::Code::kUnavailable, "cannot listen on " + impl_->options.host + ":" +
                                          std::to_string(impl_->options.port) + ": " +
                                          ec.message()};
  }
  return core::Status::Ok();
}

uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::HandOffHttp2(std::function<void(int fd)> take) { impl_->take_http2 = std::move(take); }

void Server::Start() { asio::co_spawn(impl_->io, impl_->Accept(), asio::detached); }

void Server::Stop() {
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace cte::http
