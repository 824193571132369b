#include "support/counting_worker.h"

#include <mutex>
#include <thread>

#include "http/asio.h"

namespace cte::testing {

using namespace cte::http;
using asio::awaitable;
using asio::use_awaitable;

struct CountingWorker::Impl {
  explicit Impl(std::chrono::milliseconds l) : latency(l) {}

  awaitable<void> Accept() {
    while (true) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io, Session(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (true) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(1024 * 1024);
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      auto req = parser.release();
      Received();
      if (latency.count() > 0) {
        asio::steady_timer timer(io, latency);
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      }
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
      res.body() = "ok\n";
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      Answer(std::string(req["X-CloudTasks-TaskName"]));
      co_await bhttp::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      if (ec || !req.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  void Received() {
    std::lock_guard lock(mu);
    ++pending;
  }

  void Answer(const std::string& task) {
    std::lock_guard lock(mu);
    --pending;
    ++answered;
    deliveries[task].push_back(std::chrono::steady_clock::now());
  }

  std::chrono::milliseconds latency;
  asio::io_context io{1};
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  int port = acceptor.local_endpoint().port();
  mutable std::mutex mu;
  std::map<std::string, std::vector<Time>> deliveries;
  int answered = 0;
  int pending = 0;
  std::thread thread;
};

CountingWorker::CountingWorker(std::chrono::milliseconds latency)
    : impl_(std::make_unique<Impl>(latency)) {
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

CountingWorker::~CountingWorker() {
  impl_->io.stop();
  impl_->thread.join();
}

int CountingWorker::port() const { return impl_->port; }

std::string CountingWorker::Url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/work";
}

std::map<std::string, std::vector<CountingWorker::Time>> CountingWorker::Deliveries() const {
  std::lock_guard lock(impl_->mu);
  return impl_->deliveries;
}

int CountingWorker::Answered() const {
  std::lock_guard lock(impl_->mu);
  return impl_->answered;
}

int CountingWorker::Pending() const {
  std::lock_guard lock(impl_->mu);
  return impl_->pending;
}

}  // namespace cte::testing
