// Google's message strings for errors the v2 API gives in more than one place, kept in one home
// so that every method says them alike (spec section 4). Messages used once stay at their use.
#pragma once

namespace cte::core {

// A missing queue, in most methods.
inline constexpr char kQueueNotFound[] =
    "Queue does not exist. If you just created the queue, wait at least a minute for the queue "
    "to initialize.";
// A missing queue in DeleteQueue and the IAM methods, and a missing task.
inline constexpr char kEntityNotFound[] = "Requested entity was not found.";
// A task name in use, or used within the last hour.
inline constexpr char kEntityExists[] = "Requested entity already exists";
inline constexpr char kQueueExists[] = "Queue already exists";
// A task that completed or was deleted recently.
inline constexpr char kTaskRecentlyGone[] =
    "The task no longer exists, though a task with this name existed recently. The task either "
    "successfully completed or was deleted.";
// A negative page_size.
inline constexpr char kNegativePageSize[] = "The page_size must not be negative.";
// A resource name that does not parse.
inline constexpr char kInvalidResourceName[] = "Invalid resource field value in the request.";
// The start of every message about a request body that is not the expected JSON.
inline constexpr char kInvalidJsonPayload[] = "Invalid JSON payload received.";
// A page_token that was not made for this request.
inline constexpr char kBadPageToken[] = "Invalid page_token: it does not belong to this request.";

}  // namespace cte::core
