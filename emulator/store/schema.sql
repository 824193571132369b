-- The SQLite schema of the emulator's database: every version, in order. Each section that starts
-- with a "-- version N" line moves a database from version N-1 to N; Open applies the sections a
-- database lacks in one transaction and records the version in PRAGMA user_version. Never edit a
-- section that has shipped: add one.
--
-- Stored codes (store/stored_values.h maps them to and from the core enums):
--   queues.state          1 RUNNING, 2 PAUSED, 3 DISABLED
--   tasks.target_kind     1 HTTP, 2 App Engine
--   tasks.http_method     1 POST, 2 GET, 3 HEAD, 4 PUT, 5 DELETE, 6 PATCH, 7 OPTIONS, 0 unset
--   tasks.auth_kind       0 none, 1 OAuth (auth_extra: scope), 2 OIDC (auth_extra: audience)
--   attempts.outcome      0 in flight, 1 response, 2 deadline exceeded, 3 connection error,
--                         4 discarded
--   attempts.duplicate    0 a first delivery, 1 a second delivery of the same attempt
-- Times are microseconds since the Unix epoch (*_time_us), durations microseconds (*_us).

-- version 1: queues, tasks and tombstones.
CREATE TABLE queues (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  state INTEGER NOT NULL,
  max_dispatches_per_second REAL NOT NULL,
  max_burst_size INTEGER NOT NULL,
  max_concurrent_dispatches INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  max_retry_duration_us INTEGER NOT NULL,
  min_backoff_us INTEGER NOT NULL,
  max_backoff_us INTEGER NOT NULL,
  max_doublings INTEGER NOT NULL,
  purge_time_us INTEGER,
  logging_sampling_ratio REAL,
  routing_service TEXT,
  routing_version TEXT,
  routing_instance TEXT,
  iam_policy TEXT NOT NULL DEFAULT ''
);
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  queue_id INTEGER NOT NULL,
  task_id TEXT NOT NULL,
  target_kind INTEGER NOT NULL,
  http_method INTEGER NOT NULL,
  url TEXT NOT NULL,
  headers BLOB NOT NULL,
  body BLOB NOT NULL,
  auth_kind INTEGER NOT NULL,
  auth_email TEXT NOT NULL,
  auth_extra TEXT NOT NULL,
  routing_service TEXT,
  routing_version TEXT,
  routing_instance TEXT,
  schedule_time_us INTEGER NOT NULL,
  create_time_us INTEGER NOT NULL,
  dispatch_deadline_us INTEGER NOT NULL,
  dispatch_count INTEGER NOT NULL DEFAULT 0,
  response_count INTEGER NOT NULL DEFAULT 0,
  first_attempt_dispatch_us INTEGER,
  last_attempt_schedule_us INTEGER,
  last_attempt_dispatch_us INTEGER,
  last_attempt_response_us INTEGER,
  last_response_code INTEGER,
  last_response_message TEXT,
  UNIQUE (queue_id, task_id)
);
CREATE INDEX tasks_by_schedule ON tasks (queue_id, schedule_time_us);
CREATE TABLE task_tombstones (
  name TEXT PRIMARY KEY,
  expire_time_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE queue_tombstones (
  name TEXT PRIMARY KEY,
  expire_time_us INTEGER NOT NULL
) WITHOUT ROWID;

-- version 2: dispatch bookkeeping.
ALTER TABLE tasks ADD COLUMN execution_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN previous_response INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0;
DROP INDEX tasks_by_schedule;
CREATE INDEX tasks_due ON tasks (queue_id, in_flight, schedule_time_us);

-- version 3: the attempt log of the inspection API.
CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  task TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  schedule_time_us INTEGER,
  dispatch_time_us INTEGER,
  response_time_us INTEGER,
  method TEXT NOT NULL,
  url TEXT NOT NULL,
  headers BLOB NOT NULL,
  outcome INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  latency_us INTEGER NOT NULL
);
CREATE INDEX attempts_by_queue ON attempts (queue, id);
CREATE INDEX attempts_by_task ON attempts (task, id);

-- version 4: row IDs are never given again. SQLite gives a new row the highest ID plus one, so
-- deleting the newest task or attempt handed its ID to the next one, and a client paging tasks,
-- or polling attempts after the last ID it saw, missed it. The store now takes IDs from here and
-- saves the next one with each commit.
CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  next_id INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO sequences SELECT 'tasks', coalesce(max(id), 0) + 1 FROM tasks;
INSERT INTO sequences SELECT 'attempts', coalesce(max(id), 0) + 1 FROM attempts;

-- version 5: second deliveries of an attempt (Cloud Tasks' duplicates, --duplicate-rate) are
-- logged as entries of their own, marked here; every earlier entry was a first delivery.
ALTER TABLE attempts ADD COLUMN duplicate INTEGER NOT NULL DEFAULT 0;

-- version 6: Queue.httpTarget, NULL for none, stored as http_target_codec.h encodes it (the
-- header codec's list of tagged fields); and each location's CMEK config (its Cloud KMS key
-- name), kept apart from the queues.
ALTER TABLE queues ADD COLUMN http_target BLOB;
CREATE TABLE cmek_configs (
  location TEXT PRIMARY KEY,
  kms_key TEXT NOT NULL
) WITHOUT ROWID;

-- version 7: a queue's tasks in creation order, for ListTasks and the dashboard's pages
-- (/emulator/v1/tasks). Without it a page read every task of its queue through tasks_due and
-- sorted them: 140 ms for each page of a queue of 1,000,000 tasks (make bench, dashboard).
CREATE INDEX tasks_by_queue ON tasks (queue_id, id);

-- version 8: keys that keep the durable end-to-end path's writes together (issue 17). A commit
-- writes every page it changed to the WAL, 4 KB each, and the checkpointer copies it again: with
-- many queues, each key that starts with the queue wrote a page of its own for almost every task.
-- - The attempt log loses its two indexes. No statement used them (the list reads by id, whatever
--   the filter: EXPLAIN QUERY PLAN shows a search of the rowid), but each attempt wrote a page
--   into each.
-- - Task tombstones are keyed by task ID first. The IDs the emulator generates grow, so the
--   tombstones of tasks that end together go to the table's last pages.
-- - Tasks are unique by (task_id, queue_id), task ID first, for the same reason; the table is
--   rebuilt for it (SQLite cannot change a table's constraint), with its columns in their order.
DROP INDEX attempts_by_queue;
DROP INDEX attempts_by_task;
CREATE TABLE task_tombstones_v8 (
  task_id TEXT NOT NULL,
  queue TEXT NOT NULL,
  expire_time_us INTEGER NOT NULL,
  PRIMARY KEY (task_id, queue)
) WITHOUT ROWID;
-- A task's name is its queue's, "/tasks/" and its ID, which holds no "/": the ID is what follows
-- the last "/" (rtrim drops every character but "/" from the end).
INSERT OR REPLACE INTO task_tombstones_v8
  SELECT task_id, substr(name, 1, length(name) - length(task_id) - 7), expire_time_us
  FROM (SELECT name, expire_time_us, replace(name, rtrim(name, replace(name, '/', '')), '') AS task_id
        FROM task_tombstones)
  WHERE substr(name, length(name) - length(task_id) - 6, 7) = '/tasks/';
DROP TABLE task_tombstones;
ALTER TABLE task_tombstones_v8 RENAME TO task_tombstones;
CREATE TABLE tasks_v8 (
  id INTEGER PRIMARY KEY,
  queue_id INTEGER NOT NULL,
  task_id TEXT NOT NULL,
  target_kind INTEGER NOT NULL,
  http_method INTEGER NOT NULL,
  url TEXT NOT NULL,
  headers BLOB NOT NULL,
  body BLOB NOT NULL,
  auth_kind INTEGER NOT NULL,
  auth_email TEXT NOT NULL,
  auth_extra TEXT NOT NULL,
  routing_service TEXT,
  routing_version TEXT,
  routing_instance TEXT,
  schedule_time_us INTEGER NOT NULL,
  create_time_us INTEGER NOT NULL,
  dispatch_deadline_us INTEGER NOT NULL,
  dispatch_count INTEGER NOT NULL DEFAULT 0,
  response_count INTEGER NOT NULL DEFAULT 0,
  first_attempt_dispatch_us INTEGER,
  last_attempt_schedule_us INTEGER,
  last_attempt_dispatch_us INTEGER,
  last_attempt_response_us INTEGER,
  last_response_code INTEGER,
  last_response_message TEXT,
  execution_count INTEGER NOT NULL DEFAULT 0,
  previous_response INTEGER NOT NULL DEFAULT 0,
  in_flight INTEGER NOT NULL DEFAULT 0,
  UNIQUE (task_id, queue_id)
);
INSERT INTO tasks_v8 SELECT * FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_v8 RENAME TO tasks;
CREATE INDEX tasks_due ON tasks (queue_id, in_flight, schedule_time_us);
CREATE INDEX tasks_by_queue ON tasks (queue_id, id);
