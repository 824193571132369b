#include "app/queue_config.h"

#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "support/temp_dir.h"

using namespace cte;
using namespace std::chrono;

namespace {

constexpr char kQueue1[] = "projects/p/locations/europe-west1/queues/images";
constexpr char kQueue2[] = "projects/p/locations/europe-west1/queues/blogs";

// Writes `text` to a new file in `dir` and returns its path.
std::string WriteFile(const testing::TempDir& dir, const std::string& text) {
  static int counter = 0;
  std::string path = dir.File("queues-" + std::to_string(++counter) + ".json");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("a good config file gives its queues in order, as written") {
  testing::TempDir dir;
  std::string path = WriteFile(dir, std::string(R"({"queues": [
      {"name": ")") + kQueue1 + R"(",
       "rateLimits": {"maxDispatchesPerSecond": 200, "maxConcurrentDispatches": 1000},
       "retryConfig": {"maxRetryDuration": "1800s", "minBackoff": "0.5s", "maxAttempts": -1}},
      {"name": ")" + kQueue2 + R"(",
       "rate_limits": {"max_dispatches_per_second": 0.5},
       "stackdriverLoggingConfig": {"samplingRatio": 1}}]})");
  auto queues = app::LoadQueueConfig(path);
  REQUIRE(queues.ok());
  REQUIRE(queues->size() == 2);
  const core::Queue& a = (*queues)[0];
  CHECK(a.name == kQueue1);
  CHECK(a.rate_limits.max_dispatches_per_second == 200);
  CHECK(a.rate_limits.max_concurrent_dispatches == 1000);
  CHECK(a.retry_config.max_retry_duration == seconds(1800));
  CHECK(a.retry_config.min_backoff == milliseconds(500));
  CHECK(a.retry_config.max_attempts == -1);
  const core::Queue& b = (*queues)[1];
  CHECK(b.name == kQueue2);
  CHECK(b.rate_limits.max_dispatches_per_second == 0.5);
  REQUIRE(b.stackdriver_logging_config.has_value());
  CHECK(b.stackdriver_logging_config->sampling_ratio == 1);
}

TEST_CASE("the loader leaves unset settings at zero, for the service to apply the defaults") {
  // Service::ApplyQueueConfig applies the spec 4.2 defaults when the queue is created or updated,
  // so the loader must not fill them in (a zero means "default", as in proto3).
  testing::TempDir dir;
  auto queues = app::LoadQueueConfig(
      WriteFile(dir, std::string(R"({"queues":[{"name":")") + kQueue1 + "\"}]}"));
  REQUIRE(queues.ok());
  REQUIRE(queues->size() == 1);
  core::Queue expected;
  expected.name = kQueue1;
  CHECK((*queues)[0] == expected);
}

TEST_CASE("a config without queues gives none") {
  testing::TempDir dir;
  for (const char* text : {R"({})", R"({"queues": []})"}) {
    CAPTURE(std::string(text));
    auto queues = app::LoadQueueConfig(WriteFile(dir, text));
    REQUIRE(queues.ok());
    CHECK(queues->empty());
  }
}

TEST_CASE("a missing or unreadable file is INVALID_ARGUMENT naming the file") {
  testing::TempDir dir;
  for (const std::string& path : {dir.File("missing.json"), dir.File("")}) {
    CAPTURE(path);
    auto queues = app::LoadQueueConfig(path);
    REQUIRE_FALSE(queues.ok());
    CHECK(queues.status().code() == core::Code::kInvalidArgument);
    CHECK(queues.status().message().find("config " + path + ": ") == 0);
  }
}

TEST_CASE("malformed JSON or a bad queue is INVALID_ARGUMENT naming the file and the problem") {
  testing::TempDir dir;
  struct Case {
    std::string text;
    std::string problem;  // Expected in the message after "config <path>: ".
  };
  std::string q = std::string(R"({"name":")") + kQueue1 + "\"";
  const Case cases[] = {
      // nlohmann's parser names the place of a syntax error.
      {R"({"queues": [)", "parse error at line 1, column 13"},
      {"not json", "parse error at line 1, column 2"},
      {"{\"queues\": [\n  {\"name\": \"x\",}\n]}",
       "parse error at line 2, column 16: syntax error while parsing object key"},
      {R"([])", ""},
      {R"({"queue": []})", R"(Unknown name "queue")"},
      {R"({"queues": {}})", R"("queues" must be an array)"},
      {R"({"queues": [1]})", "Expected an object for 'queues'"},
      {R"({"queues": [{"name": "q1"}]})", "Queue name must be formatted"},
      {R"({"queues": [{}]})", "Queue name must be formatted"},
      {R"({"queues": [)" + q + R"(, "rateLimits": {"maxDispatchesPerSecond": 501}}]})",
       "RateLimits.maxDispatchesPerSecond must be less than or equal to 500."},
      {R"({"queues": [)" + q + R"(, "rateLimits": {"maxConcurrentDispatches": 5001}}]})",
       "RateLimits.maxConcurrentDispatches must be less than or equal to 5000."},
      {R"({"queues": [)" + q + R"(, "retryConfig": {"maxAttempts": -2}}]})",
       "RetryConfig.maxAttempts must be greater or equal to -1."},
      {R"({"queues": [)" + q + R"(, "retryConfig": {"minBackoff": "-1s"}}]})",
       "RetryConfig.minBackoff cannot be negative."},
      {R"({"queues": [)" + q + R"(, "retryConfig": {"maxBackoff": "1h"}}]})",
       "Invalid value at 'queues.retry_config.max_backoff'"},
      {R"({"queues": [)" + q + R"(, "retryConfig": {"maxDoublings": -1}}]})",
       "RetryConfig.maxDoublings cannot be negative."},
      {R"({"queues": [)" + q + R"(, "ratelimits": {}}]})", R"(Unknown name "ratelimits")"},
      // A later bad entry fails the whole file, and the message names it.
      {R"({"queues": [)" + q + R"(}, {"name": "bad"}]})",
       "queues[1]: Queue name must be formatted"},
      {R"({"queues": [)" + q + R"(}, {"name": ")" + kQueue2 + R"("}, )" + q + R"(}]})",
       "queues[2]: the queue " + std::string(kQueue1) + " is already configured by queues[0]"},
      {R"({"queues": [)" + q + R"(, "state": "DISABLED"}]})",
       "queues[0]: \"state\" must be RUNNING or PAUSED, not DISABLED"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    std::string path = WriteFile(dir, c.text);
    auto queues = app::LoadQueueConfig(path);
    REQUIRE_FALSE(queues.ok());
    CHECK(queues.status().code() == core::Code::kInvalidArgument);
    std::string message = queues.status().message();
    CAPTURE(message);
    CHECK(message.find("config " + path + ": ") == 0);
    CHECK(message.find(c.problem) != std::string::npos);
  }
}
