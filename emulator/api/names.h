// Cloud Tasks resource names (spec section 1): parsing and the error texts for malformed ones.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace cte::api {

// "projects/{project}/locations/{location}".
struct LocationName {
  std::string project;
  std::string location;
  std::string Full() const { return "projects/" + project + "/locations/" + location; }
};

// "projects/{project}/locations/{location}/queues/{queue}".
struct QueueName {
  LocationName parent;
  std::string queue;
  std::string Full() const { return parent.Full() + "/queues/" + queue; }
};

// "projects/{project}/locations/{location}/queues/{queue}/tasks/{task}".
struct TaskName {
  QueueName parent;
  std::string task;
  std::string Full() const { return parent.Full() + "/tasks/" + task; }
};

bool IsValidProjectId(std::string_view id);
bool IsValidLocationId(std::string_view id);
bool IsValidQueueId(std::string_view id);
bool IsValidTaskId(std::string_view id);

// "projects/{project}". INVALID_ARGUMENT when malformed.
core::Result<std::string> ParseProjectName(std::string_view name);
// INVALID_ARGUMENT "Invalid resource field value in the request." when malformed.
core::Result<LocationName> ParseLocationName(std::string_view name);
// INVALID_ARGUMENT with the real service's "Queue name must be formatted: ..." text.
core::Result<QueueName> ParseQueueName(std::string_view name);
// INVALID_ARGUMENT with the real service's text for a malformed name or a bad task ID.
core::Result<TaskName> ParseTaskName(std::string_view name);

// The message for a task ID that breaks the rules of spec 1.2.
std::string InvalidTaskIdMessage(std::string_view id);

}  // namespace cte::api
