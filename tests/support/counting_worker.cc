#include "support/counting_worker.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "worker/http_serve.h"

namespace cte::testing {

using namespace cte::http;
using asio::awaitable;

struct CountingWorker::Impl {
  explicit Impl(std::chrono::milliseconds l) : latency_ms(l.count()) {}

  awaitable<void> Session(tcp::socket socket) {
    fixtures::ServerStream stream(std::move(socket), 1024 * 1024);
    while (auto req = co_await stream.Read()) {
      Received();
      auto wait = std::chrono::milliseconds(latency_ms.load());
      if (wait.count() > 0) co_await fixtures::Sleep(io, wait);
      fixtures::Response res{bhttp::status::ok, req->version()};
      res.body() = "ok\n";
      Answer(std::string((*req)["X-CloudTasks-TaskName"]));
      if (!co_await stream.Write(*req, res)) break;
    }
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

  std::atomic<int64_t> latency_ms;
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
  asio::co_spawn(impl_->io,
                 fixtures::AcceptLoop(
                     impl_->io, impl_->acceptor,
                     [impl = impl_.get()](tcp::socket s) { return impl->Session(std::move(s)); }),
                 asio::detached);
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

void CountingWorker::SetLatency(std::chrono::milliseconds latency) {
  impl_->latency_ms = latency.count();
}

}  // namespace cte::testing
