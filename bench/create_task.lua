-- wrk script for bench/run.py: POST CreateTask (a 1 KB body, a generated task name) round-robin
-- over CTE_BENCH_QUEUES queues named <CTE_BENCH_QUEUE_PREFIX>0, 1, ...
local prefix = os.getenv("CTE_BENCH_QUEUE_PREFIX")
local queues = tonumber(os.getenv("CTE_BENCH_QUEUES") or "1")
local url = os.getenv("CTE_BENCH_TASK_URL") or "http://127.0.0.1:9/bench"
local payload = string.rep("QUJD", 341) .. "QQ=="  -- base64 of 1024 bytes
local body = '{"task":{"httpRequest":{"url":"' .. url .. '","body":"' .. payload .. '"}}}'
local headers = {["Content-Type"] = "application/json"}
local paths = {}
for i = 0, queues - 1 do
  paths[i + 1] = prefix .. i .. "/tasks"
end
local counter = 0

if queues == 1 then
  wrk.method = "POST"
  wrk.path = paths[1]
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
else
  request = function()
    counter = counter + 1
    return wrk.format("POST", paths[counter % queues + 1], headers, body)
  end
end
