// What CreateTask checks and fills in on a new task (spec sections 5.1 and 8).
#pragma once

#include <cstddef>

#include "core/model.h"
#include "core/status.h"

namespace cte::core {

// A stored task may be at most this large, serialized (1 MiB - 7 bytes, spec 5.1).
inline constexpr size_t kMaxTaskBytes = 1'048'569;
inline constexpr size_t kMaxUrlLength = 2083;
inline constexpr size_t kMaxHeaderBytes = 80 * 1024;
inline constexpr std::chrono::hours kMaxScheduleAhead{720};
// What Cloud Tasks appends to an App Engine task's User-Agent (spec 6.5).
inline constexpr char kAppEngineUserAgent[] =
    "AppEngine-Google; (+http://code.google.com/appengine)";

// Implements Task.dispatch_deadline's range: [15s, 30m] for HTTP tasks, [15s, 24h15s] for App
// Engine ones, compared at millisecond precision, which is what the service keeps.
inline constexpr Duration kMinDispatchDeadline = std::chrono::seconds(15);
inline constexpr Duration kMaxHttpDispatchDeadline = std::chrono::minutes(30);
inline constexpr Duration kMaxAppEngineDispatchDeadline =
    std::chrono::hours(24) + std::chrono::seconds(15);
bool DispatchDeadlineInRange(Duration deadline, bool app_engine);

// Validates a task from a CreateTask request and normalizes it as the real service stores it:
// default method POST, User-Agent header, dispatch deadline, schedule time (unset or past means
// `now`, kept at microsecond precision), create time (whole seconds), output-only fields cleared.
// The task name is checked by the caller. Returns INVALID_ARGUMENT with Google's message, or ours
// where Google's is not known (e.g. for a header that is no valid header, or a URL or relativeUri
// with whitespace or a control character, core/header_syntax.h).
Status PrepareNewTask(Task& task, TimePoint now);

// The size of the task serialized as a google.cloud.tasks.v2.Task protobuf message.
size_t EncodedTaskSize(const Task& task);

}  // namespace cte::core
