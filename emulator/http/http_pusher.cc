#include "http/http_pusher.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <ctime>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <sys/resource.h>
#include <variant>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "core/header_syntax.h"
#include "http/asio.h"
#include "http/worker_url.h"

namespace cte::http {

namespace {

namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using core::PushResult;
using Clock = std::chrono::steady_clock;
using TlsStream = ssl::stream<beast::tcp_stream>;

PushResult Failure(PushResult::Outcome outcome, std::string error) {
  PushResult r;
  r.outcome = outcome;
  r.error = std::move(error);
  return r;
}

// The request on the wire: the push's method, headers and body, for `url`'s host.
bhttp::request<bhttp::string_body> BeastRequest(core::PushRequest& request, const Url& url) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(url.target);
  req.version(11);
  req.set(bhttp::field::host, url.host_header);
  for (const auto& [name, value] : request.headers) {
    // Checked when stored (core/header_syntax.h); this keeps out any stored before that.
    if (core::IsHeaderName(name) && core::IsHeaderValue(value)) req.insert(name, value);
  }
  req.body() = std::move(request.body);
  if (!req.body().empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    req.prepare_payload();
  }
  return req;
}

// The outcome of an answer that arrived whole.
template <typename Fields>
PushResult AnswerOf(const bhttp::response_header<Fields>& answer) {
  PushResult result;
  result.outcome = PushResult::Outcome::kResponse;
  result.http_status = static_cast<int>(answer.result_int());
  auto retry_after = answer[bhttp::field::retry_after];
  result.retry_after = ParseRetryAfter(std::string_view(retry_after.data(), retry_after.size()));
  return result;
}

// What a push cancelled before its request went out comes to.
PushResult Cancelled() { return Failure(PushResult::Outcome::kConnectionError, "cancelled"); }

}  // namespace

struct HttpPusher::Impl : std::enable_shared_from_this<HttpPusher::Impl> {
  using Connection = std::variant<std::unique_ptr<beast::tcp_stream>, std::unique_ptr<TlsStream>>;

  Impl(asio::io_context& context, PusherOptions o)
      : io(context), options(o), tls(ssl::context::tls_client) {
    if (options.max_connections == 0) options.max_connections = DefaultMaxConnections();
    tls.set_default_verify_paths();
    tls.set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
  }

  static beast::tcp_stream& Tcp(Connection& c) {
    if (auto* plain = std::get_if<0>(&c)) return **plain;
    return beast::get_lowest_layer(*std::get<1>(c));
  }

  std::optional<Connection> TakeIdle(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end() || it->second.empty()) return std::nullopt;
    Connection c = std::move(it->second.back());
    it->second.pop_back();
    return c;
  }

  // Keeps `c` for reuse, and lets the first waiting push look again.
  void ReturnIdle(const std::string& origin, Connection c) {
    idle[origin].push_back(std::move(c));
    if (!waiting.empty()) Wake(kLookAgain);
  }

  // Every open connection, idle ones included, holds one of max_connections places.
  enum class Got { kIdle, kPlace, kTimedOut, kCancelled };
  static constexpr Clock::time_point kHandedPlace = Clock::time_point::min();
  static constexpr Clock::time_point kLookAgain = kHandedPlace + Clock::duration(1);
  static constexpr Clock::time_point kCancelledWait = kHandedPlace + Clock::duration(2);

  // An idle connection to `origin` (with `allow_idle`), or a place for a new one: when all places
  // are taken, an idle connection to another origin is closed for it, or else push `id` waits, in
  // order, until a connection is returned or closed, until its deadline, or until it is
  // cancelled.
  awaitable<Got> Acquire(uint64_t id, const std::string& origin, bool allow_idle,
                         Clock::time_point deadline, std::optional<Connection>& conn) {
    while (true) {
      if (allow_idle && (conn = TakeIdle(origin))) co_return Got::kIdle;
      if (open < options.max_connections) {
        ++open;
        co_return Got::kPlace;
      }
      for (auto& [other, pool] : idle) {
        if (!pool.empty()) {
          pool.pop_front();  // Closed; its place passes to this push.
          co_return Got::kPlace;
        }
      }
      auto timer = std::make_shared<asio::steady_timer>(io, deadline);
      waiting.push_back({id, timer});
      beast::error_code ec;
      co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
      if (timer->expiry() == kHandedPlace) co_return Got::kPlace;
      if (timer->expiry() == kLookAgain) continue;
      if (timer->expiry() == kCancelledWait) co_return Got::kCancelled;
      std::erase_if(waiting, [&](const Waiter& w) { return w.timer == timer; });
      co_return Got::kTimedOut;
    }
  }

  // Ends the first push's wait (setting the expiry cancels it and says why).
  void Wake(Clock::time_point why) {
    auto timer = waiting.front().timer;
    waiting.pop_front();
    timer->expires_at(why);
  }

  // Ends push `id`'s wait for a place, if it waits; true if it did.
  bool CancelWait(uint64_t id) {
    auto it =
        std::find_if(waiting.begin(), waiting.end(), [&](const Waiter& w) { return w.id == id; });
    if (it == waiting.end()) return false;
    auto timer = it->timer;
    waiting.erase(it);
    timer->expires_at(kCancelledWait);
    return true;
  }

  // A connection closed: its place goes to the first waiting push, or is free again.
  void Closed() {
    if (!waiting.empty()) return Wake(kHandedPlace);
    --open;
  }

  awaitable<std::optional<Connection>> Connect(const Url& url, Clock::time_point deadline,
                                               beast::error_code& ec) {
    auto tcp_stream = std::make_unique<beast::tcp_stream>(io);
    tcp_stream->expires_at(deadline);
    // An IP address needs no lookup: asio's resolver runs getaddrinfo one call at a time on a
    // single thread, and thousands of pushes at once (50 queues' bursts) queue up behind it.
    beast::error_code not_ip;
    auto address = asio::ip::make_address(url.host, not_ip);
    if (!not_ip) {
      tcp::endpoint endpoint(address, static_cast<uint16_t>(std::stoul(url.port)));
      co_await tcp_stream->async_connect(endpoint, asio::redirect_error(use_awaitable, ec));
    } else if (IsInvalidName(url.host)) {
      ec = asio::error::host_not_found;  // RFC 6761 6.4: never resolves, so never looked up.
      co_return std::nullopt;
    } else {
      tcp::resolver resolver(io);
      auto endpoints = co_await resolver.async_resolve(url.host, url.port,
                                                       asio::redirect_error(use_awaitable, ec));
      if (ec) co_return std::nullopt;
      co_await tcp_stream->async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
    }
    if (ec) co_return std::nullopt;
    tcp_stream->socket().set_option(tcp::no_delay(true), ec);
    if (!url.tls) co_return Connection(std::move(tcp_stream));
    auto stream = std::make_unique<TlsStream>(std::move(*tcp_stream), tls);
    if (!SSL_set_tlsext_host_name(stream->native_handle(), url.host.c_str())) {
      ec = beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
      co_return std::nullopt;
    }
    if (options.verify_tls) stream->set_verify_callback(ssl::host_name_verification(url.host));
    co_await stream->async_handshake(ssl::stream_base::client,
                                     asio::redirect_error(use_awaitable, ec));
    if (ec) co_return std::nullopt;
    co_return Connection(std::move(stream));
  }

  // Writes the request and reads the answer; the body is read in chunks into `discard` and
  // dropped (only the status and Retry-After matter), so a huge body costs no memory.
  template <typename Stream>
  awaitable<void> Exchange(Stream& stream, bhttp::request<bhttp::string_body>& req,
                           bhttp::response_parser<bhttp::buffer_body>& parser,
                           beast::error_code& ec) {
    beast::flat_buffer buffer;
    co_await bhttp::async_write(stream, req, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    co_await bhttp::async_read_header(stream, buffer, parser,
                                      asio::redirect_error(use_awaitable, ec));
    while (!ec && !parser.is_done()) {
      parser.get().body().data = discard.data();
      parser.get().body().size = discard.size();
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == bhttp::error::need_buffer) ec = {};
    }
  }

  // Signs the request's token, if any, and adds its Authorization header; returns the header's
  // value ("" without one). Runs on the I/O thread: an RS256 signature costs about a millisecond.
  std::string Authorize(core::PushRequest& request) const {
    if (!request.token || !options.sign) return "";
    std::string token = options.sign(*request.token);
    if (token.empty()) return "";
    std::string value = "Bearer " + token;
    request.headers.emplace_back("Authorization", value);
    return value;
  }

  // Forgets push `id` when it ends, however it ends.
  struct Unregister {
    Impl& impl;
    uint64_t id;
    ~Unregister() {
      impl.active.erase(id);
      impl.cancelled.erase(id);
      impl.delayed.erase(id);
    }
  };
  // A connection's place (see max_connections): given back when a round of Send ends without
  // handing the connection to the pool.
  struct Place {
    Impl* impl;
    bool held = false;
    ~Place() {
      if (held) impl->Closed();
    }
  };

  // Holds push `id` for `delay` (Cloud Tasks' extra dispatch delay), or until it is cancelled.
  awaitable<void> Delay(uint64_t id, core::Duration delay) {
    if (delay <= core::Duration(0) || cancelled.count(id) > 0) co_return;
    auto timer = std::make_shared<asio::steady_timer>(
        io, std::chrono::duration_cast<Clock::duration>(delay));
    delayed[id] = timer;
    beast::error_code ec;
    co_await timer->async_wait(asio::redirect_error(use_awaitable, ec));
    delayed.erase(id);
  }

  // Runs push `id`, which Push registered in `active`.
  awaitable<PushResult> Send(uint64_t id, core::PushRequest request) {
    auto self = shared_from_this();
    Unregister unregister{*this, id};
    co_await Delay(id, request.delay);
    if (cancelled.erase(id) > 0) co_return Cancelled();
    auto url = ParseUrl(request.url);
    if (!url.ok()) co_return Failure(PushResult::Outcome::kConnectionError, url.status().message());
    Clock::time_point deadline = Clock::now() + request.deadline;
    bhttp::request<bhttp::string_body> req = BeastRequest(request, *url);
    // A pooled connection may have been closed by the worker meanwhile: then try a fresh one.
    for (int round = 0; round < 2; ++round) {
      Place place{this};
      std::optional<Connection> conn;
      Got got = co_await Acquire(id, url->Origin(), round == 0, deadline, conn);
      if (got == Got::kTimedOut) {
        co_return Failure(PushResult::Outcome::kDeadlineExceeded,
                          "deadline exceeded waiting for a free connection");
      }
      if (got == Got::kCancelled) co_return Cancelled();
      place.held = true;
      bool reused = got == Got::kIdle;
      beast::error_code ec;
      if (!conn) conn = co_await Connect(*url, deadline, ec);
      if (ec || !conn) co_return ErrorResult(ec, deadline);
      if (cancelled.erase(id) > 0) co_return Cancelled();
      Tcp(*conn).expires_at(deadline);
      active[id] = &Tcp(*conn);
      bhttp::response_parser<bhttp::buffer_body> parser;
      parser.body_limit(options.max_response_bytes);
      if (request.method == "HEAD") parser.skip(true);
      if (auto* plain = std::get_if<0>(&*conn)) {
        co_await Exchange(**plain, req, parser, ec);
      } else {
        co_await Exchange(*std::get<1>(*conn), req, parser, ec);
      }
      if (ec && !parser.is_header_done() && reused && ec != beast::error::timeout) continue;
      // Only a whole answer counts: an error after the headers (the worker closed the connection,
      // the body is over the limit or the deadline passed) fails the attempt like any other.
      if (ec) co_return ErrorResult(ec, deadline, parser.is_header_done());
      PushResult result = AnswerOf(parser.get());
      if (parser.get().keep_alive()) {
        place.held = false;  // The pool holds it now.
        ReturnIdle(url->Origin(), std::move(*conn));
      }
      co_return result;
    }
    co_return Failure(PushResult::Outcome::kConnectionError, "connection closed");
  }

  PushResult ErrorResult(const beast::error_code& ec, Clock::time_point deadline,
                         bool got_header = false) const {
    if (ec == beast::error::timeout || Clock::now() >= deadline) {
      return Failure(PushResult::Outcome::kDeadlineExceeded, "deadline exceeded");
    }
    if (!ec) return Failure(PushResult::Outcome::kConnectionError, "connection failed");
    std::string what = ec.message();
    if (ec == bhttp::error::body_limit) {
      what = "response body over " + std::to_string(options.max_response_bytes) + " bytes";
    }
    if (got_header) what = "incomplete response: " + what;
    return Failure(PushResult::Outcome::kConnectionError, what);
  }

  asio::io_context& io;  // Run by one thread: what follows is that thread's alone.
  PusherOptions options;
  // Where every exchange reads the answer's body, which nobody reads. One for all: in each
  // exchange's coroutine frame, it made every push allocate 16 KB more (issue 17).
  std::array<char, 16384> discard;
  ssl::context tls;
  std::map<std::string, std::deque<Connection>> idle;
  std::map<uint64_t, beast::tcp_stream*> active;  // Running requests by ID; null: connecting.
  std::set<uint64_t> cancelled;                   // Cancelled before their request went out.
  std::map<uint64_t, std::shared_ptr<asio::steady_timer>> delayed;  // Waiting their `delay`.
  size_t open = 0;  // Connections open or being opened.
  struct Waiter {
    uint64_t id;
    std::shared_ptr<asio::steady_timer> timer;
  };
  std::deque<Waiter> waiting;  // Pushes waiting for a place, in order.
  std::atomic<uint64_t> next_id{1};
};

size_t DefaultMaxConnections() {
  constexpr size_t kReserved = 4096 + 512;  // The listener's connections; files; gRPC.
  constexpr size_t kMost = 8192, kLeast = 64;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return kMost;
  size_t files = static_cast<size_t>(limit.rlim_cur);
  return std::clamp(files > kReserved ? files - kReserved : 0, kLeast, kMost);
}

HttpPusher::HttpPusher(asio::io_context& io, PusherOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

HttpPusher::~HttpPusher() = default;

uint64_t HttpPusher::Push(core::PushRequest request, std::function<void(core::PushResult)> done) {
  uint64_t id = impl_->next_id++;
  asio::post(impl_->io, [impl = impl_, id, request = std::move(request),
                         done = std::move(done)]() mutable {
    // Registered here, not when Send starts (co_spawn posts that): a Cancel posted right after
    // this Push finds it.
    impl->active[id] = nullptr;  // Connecting.
    std::string authorization = impl->Authorize(request);
    asio::co_spawn(impl->io, impl->Send(id, std::move(request)),
                   [done = std::move(done), authorization = std::move(authorization)](
                       std::exception_ptr error, PushResult result) {
                     if (error)
                       result = Failure(PushResult::Outcome::kConnectionError, "internal error");
                     result.authorization = authorization;
                     done(std::move(result));
                   });
  });
  return id;
}

void HttpPusher::Cancel(uint64_t id) {
  asio::post(impl_->io, [impl = impl_, id] {
    auto it = impl->active.find(id);
    if (it == impl->active.end()) return;  // Finished already.
    if (it->second != nullptr) {
      beast::error_code ec;
      it->second->socket().close(ec);  // The pending read or write ends with an error.
    } else if (auto delayed = impl->delayed.find(id); delayed != impl->delayed.end()) {
      impl->cancelled.insert(id);
      delayed->second->cancel();  // Its wait ends now, and it stops there.
    } else if (!impl->CancelWait(id)) {
      impl->cancelled.insert(id);  // Connecting: it stops once connected.
    }
  });
}

}  // namespace cte::http
