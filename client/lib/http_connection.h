// HttpConnection: one blocking HTTP/1.1 keep-alive connection to the emulator (Boost.Beast inside,
// kept out of this header). Used by Client; not a public API of its own.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "client/lib/status.h"

namespace cte::client {

// One HTTP answer: the status and the whole body.
struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpConnection {
 public:
  // Does not connect yet; the first Send does. `host` is a name or an IP, `port` a number.
  HttpConnection(std::string host, std::string port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `method target` with a JSON `body` (none when empty) and waits up to `timeout` for the
  // whole answer. Reuses the open connection; when the server had closed it, reconnects and
  // sends once more. Returns UNAVAILABLE when the server cannot be reached or drops the
  // connection, DEADLINE_EXCEEDED on timeout. Any HTTP status is a success here.
  // Not thread-safe: one request at a time.
  // `headers`, when given, are sent as well (a Content-Type among them replaces JSON's).
  Result<HttpResponse> Send(std::string_view method, std::string_view target, std::string_view body,
                            std::chrono::milliseconds timeout,
                            const std::map<std::string, std::string>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cte::client
