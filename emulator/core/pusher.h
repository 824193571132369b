// Pusher: the port through which the dispatcher sends a task's HTTP request to its worker.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/model.h"

namespace cte::core {

// What the bearer token of an attempt is made from: the task's oauthToken or oidcToken, and the
// URL Cloud Tasks would send it to (after the queue's httpTarget, before --rewrite): an OIDC
// token's audience when the task names none.
struct TokenRequest {
  std::optional<OAuthToken> oauth_token;
  std::optional<OidcToken> oidc_token;
  std::string url;
};

// One attempt's request, fully built (spec 6.1) but for its Authorization header: a pusher signs
// `token`, when set, on its own thread, so that RSA signing stays off the store's thread.
// Its durations are in real time: the Dispatcher converts them from emulator time with
// Clock::RealDelay. Under a manual clock, which has no real rate, `delay` stays in emulator time
// (the simulation's SimPusher, which that clock drives, reads it so; HttpPusher waits it as is).
struct PushRequest {
  std::string method;                                        // "POST", "GET", ...
  std::string url;                                           // Absolute http:// or https:// URL.
  std::vector<std::pair<std::string, std::string>> headers;  // In order, with their case.
  std::string body;
  // The attempt fails with DEADLINE_EXCEEDED when no answer comes by then, counted from when the
  // request goes out (after `delay`).
  Duration deadline{0};
  std::optional<TokenRequest> token;  // Sent as "Authorization: Bearer <token>".
  // How long the pusher waits before the request goes out (Cloud Tasks' extra dispatch delay,
  // core/imperfections.h); a Cancel meanwhile ends it without sending. 0: at once.
  Duration delay{0};
};

// What came of an attempt. A failure to get an answer is a normal outcome, not an error.
struct PushResult {
  enum class Outcome { kResponse, kDeadlineExceeded, kConnectionError };
  Outcome outcome = Outcome::kConnectionError;
  int http_status = 0;                  // With kResponse.
  std::optional<Duration> retry_after;  // The Retry-After header of the answer, if any.
  std::string error;                    // With the other outcomes: what went wrong.
  std::string authorization;  // The Authorization header value sent, when the request had one.
};

// Implementations must call `done` exactly once, from any thread, never inside Push itself.
class Pusher {
 public:
  virtual ~Pusher() = default;
  // Starts the request; returns an ID for Cancel.
  virtual uint64_t Push(PushRequest request, std::function<void(PushResult)> done) = 0;
  // Abandons a request (its connection is closed); `done` still runs, with an error. Unknown or
  // finished IDs are ignored.
  virtual void Cancel(uint64_t id) = 0;
};

}  // namespace cte::core
