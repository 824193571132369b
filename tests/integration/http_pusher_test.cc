// The pusher against sockets on 127.0.0.1, in process.
#include "http/http_pusher.h"

#include <chrono>
#include <future>
#include <thread>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

using namespace cte;
namespace asio = boost::asio;
using namespace std::chrono;

namespace {

// The pusher on an io_context run by a thread of its own.
struct Running {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  http::HttpPusher pusher;
  std::thread thread;

  explicit Running(http::PusherOptions options)
      : pusher(io, options), thread([this] { io.run(); }) {}
  ~Running() {
    work.reset();
    io.stop();
    thread.join();
  }
};

core::PushRequest Post(const std::string& url) {
  return {"POST", url, {{"Content-Type", "text/plain"}}, "x", minutes(10), std::nullopt};
}

// A listener that never accepts: connections complete in its backlog, and requests sent on them
// are never answered.
struct Silent {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/w";
  }
  // Whether a connection reached it.
  bool Connected() {
    acceptor.non_blocking(true);
    boost::system::error_code ec;
    asio::ip::tcp::socket s = acceptor.accept(ec);
    return !ec;
  }
};

}  // namespace

TEST_CASE("a push waiting for a connection place ends as soon as it is cancelled") {
  Silent silent;
  std::string url = silent.Url();

  http::PusherOptions options;
  options.max_connections = 1;
  Running running(options);
  std::promise<core::PushResult> first, second;
  uint64_t holding = running.pusher.Push(Post(url), [&](auto r) { first.set_value(r); });
  uint64_t waiting = running.pusher.Push(Post(url), [&](auto r) { second.set_value(r); });
  running.pusher.Cancel(waiting);  // Its 10-minute deadline is far away.
  auto waited = second.get_future();
  REQUIRE(waited.wait_for(seconds(10)) == std::future_status::ready);
  core::PushResult cancelled = waited.get();
  CHECK(cancelled.outcome == core::PushResult::Outcome::kConnectionError);
  CHECK(cancelled.error == "cancelled");

  // The first push still holds the only place, and still waits for its answer.
  auto held = first.get_future();
  CHECK(held.wait_for(milliseconds(50)) == std::future_status::timeout);
  running.pusher.Cancel(holding);
  REQUIRE(held.wait_for(seconds(10)) == std::future_status::ready);
  CHECK(held.get().outcome == core::PushResult::Outcome::kConnectionError);

  // The place is free again: a third push gets it (and is cancelled in turn).
  std::promise<core::PushResult> third;
  uint64_t next = running.pusher.Push(Post(url), [&](auto r) { third.set_value(r); });
  auto after = third.get_future();
  CHECK(after.wait_for(milliseconds(50)) == std::future_status::timeout);
  running.pusher.Cancel(next);
  REQUIRE(after.wait_for(seconds(10)) == std::future_status::ready);
}

TEST_CASE("a push cancelled as soon as it is made connects to nothing") {
  Silent silent;
  Running running({});
  std::promise<core::PushResult> result;
  // The I/O thread is held while Push and Cancel are made, as when both are made between two of
  // its turns: otherwise it may start the push before this thread gets to Cancel.
  std::promise<void> release;
  std::promise<void> held;
  asio::post(running.io, [&] {
    held.set_value();
    release.get_future().wait();
  });
  held.get_future().wait();
  uint64_t id = running.pusher.Push(Post(silent.Url()), [&](auto r) { result.set_value(r); });
  running.pusher.Cancel(id);
  release.set_value();
  auto done = result.get_future();
  REQUIRE(done.wait_for(seconds(10)) == std::future_status::ready);
  CHECK(done.get().error == "cancelled");
  CHECK_FALSE(silent.Connected());
}

TEST_CASE("a push waits its delay before it connects, and its deadline counts from then") {
  Silent silent;
  Running running({});
  core::PushRequest request = Post(silent.Url());
  request.delay = seconds(1);
  request.deadline = milliseconds(300);
  std::promise<core::PushResult> result;
  auto start = steady_clock::now();
  running.pusher.Push(request, [&](auto r) { result.set_value(r); });
  std::this_thread::sleep_for(milliseconds(100));
  CHECK_FALSE(silent.Connected());  // Still in its delay.
  auto done = result.get_future();
  REQUIRE(done.wait_for(seconds(10)) == std::future_status::ready);
  auto elapsed = steady_clock::now() - start;
  CHECK(done.get().outcome == core::PushResult::Outcome::kDeadlineExceeded);
  CHECK(elapsed >= milliseconds(1300));  // 1 s of delay, then 300 ms of deadline.
  CHECK(silent.Connected());
}

TEST_CASE("a push cancelled in its delay ends at once and connects to nothing") {
  Silent silent;
  Running running({});
  core::PushRequest request = Post(silent.Url());
  request.delay = minutes(10);
  std::promise<core::PushResult> result;
  uint64_t id = running.pusher.Push(request, [&](auto r) { result.set_value(r); });
  std::this_thread::sleep_for(milliseconds(50));  // Into its delay.
  running.pusher.Cancel(id);
  auto done = result.get_future();
  REQUIRE(done.wait_for(seconds(10)) == std::future_status::ready);
  CHECK(done.get().error == "cancelled");
  CHECK_FALSE(silent.Connected());
}

TEST_CASE("a header that is no valid header never reaches the wire") {
  // Stored before headers were checked (core/header_syntax.h): one with CR LF in its value must
  // not add a header of its own, nor one with CR LF in its name break the request.
  Silent silent;
  Running running({});
  core::PushRequest request = Post(silent.Url());
  request.headers = {{"X-Value", "x\r\nEvil: 1"}, {"X-Name\r\nEvil", "2"}, {"X-Ok", "a\tb"}};
  std::promise<core::PushResult> result;
  running.pusher.Push(request, [&](auto r) { result.set_value(r); });
  asio::ip::tcp::socket worker = silent.acceptor.accept();
  asio::streambuf received;
  asio::read_until(worker, received, "\r\n\r\n");
  std::string head(asio::buffers_begin(received.data()), asio::buffers_end(received.data()));
  CHECK(head.find("X-Ok: a\tb\r\n") != std::string::npos);
  CHECK(head.find("Evil") == std::string::npos);
  CHECK(head.find("X-Value") == std::string::npos);
  asio::write(worker, asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")));
  auto done = result.get_future();
  REQUIRE(done.wait_for(seconds(10)) == std::future_status::ready);
  CHECK(done.get().http_status == 200);
}

TEST_CASE("a URL with CR LF or whitespace is never sent: the attempt fails and says why") {
  // Stored before CreateTask checked URLs (core/header_syntax.h), or brought by --rewrite: CR LF
  // in the request target or the Host header would add a header of the URL's own.
  Silent silent;
  Running running({});
  std::string base = "http://127.0.0.1:" + std::to_string(silent.acceptor.local_endpoint().port());
  auto push = [&](const std::string& url) {
    std::promise<core::PushResult> result;
    running.pusher.Push(Post(url), [&](auto r) { result.set_value(r); });
    auto done = result.get_future();
    REQUIRE(done.wait_for(seconds(10)) == std::future_status::ready);
    core::PushResult r = done.get();
    CHECK(r.outcome == core::PushResult::Outcome::kConnectionError);
    return r.error;
  };
  CHECK(push(base + "/a\r\nEvil: 1\r\nX:") ==
        "refused to send a URL with whitespace or a control character: \"" + base +
            "/a\\r\\nEvil: 1\\r\\nX:\"");
  for (const std::string& url : {base + "\r\nEvil: 1\r\nX:/a", base + "/a b", base + "/\x7f"}) {
    CHECK_MESSAGE(push(url).rfind("refused to send a URL with whitespace or a control", 0) == 0,
                  url);
  }
  CHECK_FALSE(silent.Connected());
}
