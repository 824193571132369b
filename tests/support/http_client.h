// A minimal blocking HTTP/1.1 client for integration tests (one keep-alive connection).
#pragma once

#include <memory>
#include <string>

namespace cte::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
};

class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  // Throws std::runtime_error on connection errors.
  HttpReply Request(const std::string& method, const std::string& target,
                    const std::string& body = "");
  // Sends raw bytes and returns whatever comes back until the server closes (or 5 s pass).
  std::string Raw(const std::string& bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cte::testing
