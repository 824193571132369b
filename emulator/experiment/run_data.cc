#include "experiment/run_data.h"

#include <charconv>
#include <cstdio>

namespace cte::experiment {

std::string_view OutcomeName(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::kSuccess:
      return "success";
    case AttemptOutcome::kClientError:
      return "clientError";
    case AttemptOutcome::kServerError:
      return "serverError";
    case AttemptOutcome::kTimeout:
      return "timeout";
    case AttemptOutcome::kConnectionError:
      return "connectionError";
    case AttemptOutcome::kDiscarded:
      return "discarded";
  }
  return "unknown";
}

std::string TaskId(uint32_t index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "t%08u", index);
  return buf;
}

std::optional<uint32_t> TaskIndex(std::string_view id) {
  if (id.size() < 9 || id[0] != 't') return std::nullopt;
  uint32_t index = 0;
  auto [end, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), index);
  if (ec != std::errc() || end != id.data() + id.size()) return std::nullopt;
  return index;
}

AttemptOutcome OutcomeOfStatus(int status) {
  if (status >= 200 && status < 300) return AttemptOutcome::kSuccess;
  if (status >= 400 && status < 500) return AttemptOutcome::kClientError;
  return AttemptOutcome::kServerError;
}

}  // namespace cte::experiment
