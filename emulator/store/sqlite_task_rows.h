// The task row of the SQLite schema: the columns a task is selected with, read by name, and the
// binding of a new task's row. Private to store/.
#pragma once

#include <string>

#include "core/model.h"
#include "store/sqlite_db.h"

namespace cte::store {

// The SELECT of a task row, with `body` as the body column ("x''" leaves bodies out) and
// `where` after WHERE.
std::string SelectTasks(const char* body, const std::string& where);

// The columns of a statement made by SelectTasks, found by name once.
struct TaskColumns {
  explicit TaskColumns(const Sql& s);
  int id, task_id, target_kind, http_method, url, headers, body, auth_kind, auth_email, auth_extra;
  int routing_service, routing_version, routing_instance, schedule_time, create_time;
  int dispatch_deadline, dispatch_count, response_count, first_dispatch, last_schedule;
  int last_dispatch, last_response, last_code, last_message, execution_count, previous_response;
};

// The task on the current row of `st`, in the queue named `queue`.
core::Task ReadTask(SQLite::Statement& st, const TaskColumns& c, const std::string& queue);

// The INSERT of a task row, and the binding of its parameters (`id` is its row ID).
extern const char kInsertTask[];
void BindNewTask(SQLite::Statement& st, const core::Task& t, int64_t id, int64_t queue_id,
                 const std::string& task_id, const std::string& header_blob);

}  // namespace cte::store
