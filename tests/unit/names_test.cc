#include "api/names.h"

#include <doctest/doctest.h>

using namespace cte::api;

TEST_CASE("queue names") {
  auto q = ParseQueueName("projects/example.com:proj/locations/europe-west1/queues/image-q-1");
  REQUIRE(q.ok());
  CHECK(q->parent.project == "example.com:proj");
  CHECK(q->queue == "image-q-1");
  for (const char* bad : {"projects/p/locations/l/queues/", "projects/p/locations/l/queues/a_b",
                          "projects/p/locations/l/queues/q/x", "project/p/locations/l/queues/q",
                          "projects//locations/l/queues/q", "projects/p/locations/l/queues/q/"}) {
    CAPTURE(bad);
    auto r = ParseQueueName(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() ==
          "Queue name must be formatted: "
          "\"projects/<PROJECT_ID>/locations/<LOCATION_ID>/queues/<QUEUE_ID>\".");
  }
  CHECK(ParseQueueName("projects/p/locations/l/queues/" + std::string(100, 'a')).ok());
  CHECK_FALSE(ParseQueueName("projects/p/locations/l/queues/" + std::string(101, 'a')).ok());
}

TEST_CASE("task names and task IDs") {
  auto t = ParseTaskName("projects/p/locations/l/queues/q/tasks/Task_1-a");
  REQUIRE(t.ok());
  CHECK(t->task == "Task_1-a");
  CHECK(t->parent.Full() == "projects/p/locations/l/queues/q");
  CHECK(ParseTaskName("projects/p/locations/l/queues/q/tasks/" + std::string(500, 'x')).ok());
  auto bad_id = ParseTaskName("projects/p/locations/l/queues/q/tasks/a.b");
  REQUIRE_FALSE(bad_id.ok());
  CHECK(bad_id.status().message() ==
        "Task ID \"a.b\" can contain only letters ([A-Za-z]), numbers ([0-9]), hyphens (-), or "
        "underscores (_). Task ID must between 1 and 500 characters.");
  auto long_id = ParseTaskName("projects/p/locations/l/queues/q/tasks/" + std::string(501, 'x'));
  CHECK_FALSE(long_id.ok());
  CHECK_FALSE(ParseTaskName("projects/p/locations/l/queues/q/task/x").ok());
}
