// Fuzz target: resource names (spec section 1). A name that parses is made of valid IDs and
// prints back to the same text; the ID checks never disagree with the parsers.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/names.h"

using namespace cte::api;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto project = ParseProjectName(text); project.ok()) {
    Check("projects/" + *project == text && IsValidProjectId(*project));
  }
  if (auto location = ParseLocationName(text); location.ok()) {
    Check(location->Full() == text && IsValidProjectId(location->project) &&
          IsValidLocationId(location->location));
  }
  if (auto queue = ParseQueueName(text); queue.ok()) {
    Check(queue->Full() == text && IsValidQueueId(queue->queue) &&
          ParseLocationName(queue->parent.Full()).ok());
  }
  if (auto task = ParseTaskName(text); task.ok()) {
    Check(task->Full() == text && IsValidTaskId(task->task) &&
          ParseQueueName(task->parent.Full()).ok());
  } else {
    InvalidTaskIdMessage(text);
  }
  return 0;
}
