#include "api/metrics_text.h"

#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace cte;

namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool Has(const std::vector<std::string>& lines, const std::string& line) {
  for (const std::string& l : lines) {
    if (l == line) return true;
  }
  return false;
}

api::QueueStats Queue(const std::string& name) {
  api::QueueStats q;
  q.name = name;
  q.tasks_waiting = 7;
  q.in_flight = 2;
  q.token_bucket_level = 2.5;
  q.limits.max_dispatches_per_second = 500;
  q.limits.max_burst_size = 100;
  q.limits.max_concurrent_dispatches = 1000;
  q.counters.created = 9;
  q.counters.ended[static_cast<size_t>(core::AttemptEnd::k5xx)] = 3;
  // Latencies of 3 ms, 30 ms and 2 minutes.
  for (int64_t us : {3'000, 30'000, 120'000'000}) {
    q.counters.dispatch_latency.Add(core::kDispatchLatencyBoundsUs, us, 1);
  }
  return q;
}

}  // namespace

TEST_CASE("the metrics page: HELP and TYPE, one sample per queue, cumulative buckets") {
  api::Stats stats;
  stats.queues = {Queue("projects/p/locations/l/queues/a"),
                  Queue("projects/p/locations/l/queues/b")};
  stats.store.batch_size.Add(core::kBatchSizeBounds, 3, 1);
  auto lines = Lines(api::MetricsText(stats, std::nullopt));
  const std::string a = R"(queue="projects/p/locations/l/queues/a")";
  CHECK(Has(lines, "# HELP cloud_tasks_emulator_tasks_created_total Tasks created in the queue."));
  CHECK(Has(lines, "# TYPE cloud_tasks_emulator_tasks_created_total counter"));
  CHECK(Has(lines, "cloud_tasks_emulator_tasks_created_total{" + a + "} 9"));
  CHECK(Has(lines, "cloud_tasks_emulator_tasks_waiting{" + a + "} 7"));
  CHECK(Has(lines, "cloud_tasks_emulator_token_bucket_tokens{" + a + "} 2.5"));
  CHECK(Has(lines, "cloud_tasks_emulator_queue_max_dispatches_per_second{" + a + "} 500"));
  CHECK(Has(lines, "cloud_tasks_emulator_dispatch_attempts_total{" + a +
                       R"(,outcome="response",status_class="5xx"} 3)"));
  CHECK(Has(lines,
            "cloud_tasks_emulator_dispatch_attempts_total{" + a + R"(,outcome="discarded"} 0)"));
  const std::string latency = "cloud_tasks_emulator_dispatch_latency_seconds";
  CHECK(Has(lines, "# TYPE " + latency + " histogram"));
  CHECK(Has(lines, latency + "_bucket{" + a + R"(,le="0.005"} 1)"));
  CHECK(Has(lines, latency + "_bucket{" + a + R"(,le="0.05"} 2)"));
  CHECK(Has(lines, latency + "_bucket{" + a + R"(,le="60"} 2)"));
  CHECK(Has(lines, latency + "_bucket{" + a + R"(,le="600"} 3)"));
  CHECK(Has(lines, latency + "_bucket{" + a + R"(,le="+Inf"} 3)"));
  CHECK(Has(lines, latency + "_sum{" + a + "} 120.033"));
  CHECK(Has(lines, latency + "_count{" + a + "} 3"));
  CHECK(Has(lines, R"(cloud_tasks_emulator_store_batch_jobs_bucket{le="4"} 1)"));
  CHECK(Has(lines, "cloud_tasks_emulator_store_batch_jobs_count 1"));
  CHECK_FALSE(Has(lines, "# TYPE process_cpu_seconds_total counter"));
  // A family's samples come together, after its HELP and TYPE lines: one TYPE line per family.
  int types = 0;
  for (const auto& l : lines)
    types += l.rfind("# TYPE cloud_tasks_emulator_tasks_waiting ", 0) == 0;
  CHECK(types == 1);
}

TEST_CASE("the metrics page: label values escaped, and the process figures when given") {
  api::Stats stats;
  stats.queues = {Queue("a\"b\\c\nd")};
  api::ProcessSample p;
  p.cpu_seconds = 1.25;
  p.resident_bytes = 4096;
  p.open_fds = 12;
  p.start_time_seconds = 1795982400;
  auto lines = Lines(api::MetricsText(stats, p));
  CHECK(Has(lines, R"(cloud_tasks_emulator_tasks_created_total{queue="a\"b\\c\nd"} 9)"));
  CHECK(Has(lines, "# TYPE process_cpu_seconds_total counter"));
  CHECK(Has(lines, "process_cpu_seconds_total 1.25"));
  CHECK(Has(lines, "process_resident_memory_bytes 4096"));
  CHECK(Has(lines, "process_open_fds 12"));
  CHECK(Has(lines, "process_start_time_seconds 1795982400"));
}
