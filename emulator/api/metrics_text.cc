#include "api/metrics_text.h"

#include <charconv>
#include <cmath>
#include <span>
#include <vector>

namespace cte::api {

namespace {

// Microseconds in a second: a division by it (never a product with 1e-6, which is inexact) gives
// the double nearest to the figure, which prints shortest ("0.005").
constexpr double kMicrosPerSecond = 1e6;

// Writes the text format: families, each a HELP and a TYPE line then its samples.
class Writer {
 public:
  explicit Writer(size_t reserve) { out_.reserve(reserve); }

  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
    out_.append(name).append(" ").append(type).append("\n");
  }

  // `labels` is the inside of the braces ("" for none), already escaped.
  void Sample(std::string_view name, std::string_view labels, double value) {
    out_.append(name);
    if (!labels.empty()) out_.append("{").append(labels).append("}");
    out_ += ' ';
    Number(value);
    out_ += '\n';
  }

  // A histogram's buckets (cumulative, as the format wants them), sum and count; dividing by
  // `unit` turns the bounds and the sum into base units.
  void Histogram(std::string_view name, std::string_view labels, std::span<const int64_t> bounds,
                 double unit, const core::Histogram& h) {
    int64_t seen = 0;
    for (size_t i = 0; i <= bounds.size(); ++i) {
      seen += h.counts[i];
      out_.append(name).append("_bucket{").append(labels);
      if (!labels.empty()) out_ += ',';
      out_.append("le=\"");
      if (i == bounds.size()) {
        out_.append("+Inf");
      } else {
        Number(static_cast<double>(bounds[i]) / unit);
      }
      out_.append("\"} ");
      Number(static_cast<double>(seen));
      out_ += '\n';
    }
    std::string sum = std::string(name) + "_sum";
    std::string count = std::string(name) + "_count";
    Sample(sum, labels, static_cast<double>(h.sum) / unit);
    Sample(count, labels, static_cast<double>(seen));
  }

  std::string Take() { return std::move(out_); }

 private:
  void Number(double v) {
    if (std::isnan(v)) {
      out_.append("NaN");
    } else if (std::isinf(v)) {
      out_.append(v > 0 ? "+Inf" : "-Inf");
    } else {
      char buf[32];
      auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // Shortest form: "3", "0.005".
      out_.append(buf, end);
    }
  }

  std::string out_;
};

// A label value with the format's escapes (backslash, double quote, newline).
std::string Escaped(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A family with one sample per queue.
struct QueueFamily {
  const char* name;
  const char* type;
  const char* help;
  double (*value)(const QueueStats&);
};

double AsDouble(int64_t v) { return static_cast<double>(v); }

const QueueFamily kQueueFamilies[] = {
    {"cloud_tasks_emulator_tasks_created_total", "counter", "Tasks created in the queue.",
     [](const QueueStats& q) { return AsDouble(q.counters.created); }},
    {"cloud_tasks_emulator_dispatch_attempts_sent_total", "counter",
     "Dispatch attempts sent to workers (second deliveries of --duplicate-rate left out).",
     [](const QueueStats& q) { return AsDouble(q.counters.dispatched); }},
    {"cloud_tasks_emulator_tasks_succeeded_total", "counter",
     "Tasks deleted after an attempt answered 2xx.",
     [](const QueueStats& q) { return AsDouble(q.counters.succeeded); }},
    {"cloud_tasks_emulator_tasks_retried_total", "counter",
     "Failed attempts whose task was scheduled again (RetryConfig).",
     [](const QueueStats& q) { return AsDouble(q.counters.retried); }},
    {"cloud_tasks_emulator_tasks_given_up_total", "counter",
     "Tasks deleted after their last failed attempt (max_attempts or max_retry_duration).",
     [](const QueueStats& q) { return AsDouble(q.counters.given_up); }},
    {"cloud_tasks_emulator_tasks_waiting", "gauge", "Tasks in the queue and not in flight.",
     [](const QueueStats& q) { return AsDouble(q.tasks_waiting); }},
    {"cloud_tasks_emulator_tasks_in_flight", "gauge",
     "Tasks sent whose outcome is not recorded yet.",
     [](const QueueStats& q) { return AsDouble(q.in_flight); }},
    {"cloud_tasks_emulator_token_bucket_tokens", "gauge",
     "Tokens in the queue's bucket: dispatches it may start at once.",
     [](const QueueStats& q) { return q.token_bucket_level; }},
    {"cloud_tasks_emulator_queue_max_dispatches_per_second", "gauge",
     "RateLimits.max_dispatches_per_second: the bucket's refill rate.",
     [](const QueueStats& q) { return q.limits.max_dispatches_per_second; }},
    {"cloud_tasks_emulator_queue_max_burst_size", "gauge",
     "RateLimits.max_burst_size: the bucket's capacity.",
     [](const QueueStats& q) { return AsDouble(q.limits.max_burst_size); }},
    {"cloud_tasks_emulator_queue_max_concurrent_dispatches", "gauge",
     "RateLimits.max_concurrent_dispatches: the cap on tasks in flight.",
     [](const QueueStats& q) { return AsDouble(q.limits.max_concurrent_dispatches); }},
};

// The attempts' ends, as labels: outcome, and the status class of a response.
constexpr const char* kEndLabels[core::kAttemptEnds] = {
    "outcome=\"response\",status_class=\"2xx\"",
    "outcome=\"response\",status_class=\"3xx\"",
    "outcome=\"response\",status_class=\"4xx\"",
    "outcome=\"response\",status_class=\"5xx\"",
    "outcome=\"response\",status_class=\"other\"",
    "outcome=\"deadline_exceeded\"",
    "outcome=\"connection_error\"",
    "outcome=\"discarded\"",
};

void WriteQueues(Writer& w, const std::vector<QueueStats>& queues) {
  std::vector<std::string> labels;
  labels.reserve(queues.size());
  for (const QueueStats& q : queues) labels.push_back("queue=\"" + Escaped(q.name) + "\"");
  for (const QueueFamily& f : kQueueFamilies) {
    w.Family(f.name, f.type, f.help);
    for (size_t i = 0; i < queues.size(); ++i) w.Sample(f.name, labels[i], f.value(queues[i]));
  }
  constexpr const char* kAttempts = "cloud_tasks_emulator_dispatch_attempts_total";
  w.Family(kAttempts, "counter",
           "Dispatch attempts that ended, by outcome and, for a response, HTTP status class.");
  for (size_t i = 0; i < queues.size(); ++i) {
    for (size_t e = 0; e < core::kAttemptEnds; ++e) {
      w.Sample(kAttempts, labels[i] + "," + kEndLabels[e], AsDouble(queues[i].counters.ended[e]));
    }
  }
  constexpr const char* kLatency = "cloud_tasks_emulator_dispatch_latency_seconds";
  w.Family(kLatency, "histogram",
           "Real time from sending an attempt to its response, timeout or connection error.");
  for (size_t i = 0; i < queues.size(); ++i) {
    w.Histogram(kLatency, labels[i], core::kDispatchLatencyBoundsUs, kMicrosPerSecond,
                queues[i].counters.dispatch_latency);
  }
  constexpr const char* kLag = "cloud_tasks_emulator_schedule_lag_seconds";
  w.Family(kLag, "histogram", "Emulator time from a task's schedule time to sending its attempt.");
  for (size_t i = 0; i < queues.size(); ++i) {
    w.Histogram(kLag, labels[i], core::kScheduleLagBoundsUs, kMicrosPerSecond,
                queues[i].counters.schedule_lag);
  }
}

void WriteStore(Writer& w, const core::StoreCounters& store) {
  constexpr const char* kCommit = "cloud_tasks_emulator_store_commit_duration_seconds";
  w.Family(kCommit, "histogram", "Time each store COMMIT that succeeded took.");
  w.Histogram(kCommit, "", core::kCommitLatencyBoundsUs, kMicrosPerSecond, store.commit_latency);
  constexpr const char* kBatch = "cloud_tasks_emulator_store_batch_jobs";
  w.Family(kBatch, "histogram", "Calls and dispatch outcomes run in each batch (one transaction).");
  w.Histogram(kBatch, "", core::kBatchSizeBounds, 1, store.batch_size);
}

void WriteProcess(Writer& w, const ProcessSample& p) {
  struct Figure {
    const char* name;
    const char* type;
    const char* help;
    double value;
  };
  const Figure figures[] = {
      {"process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
       p.cpu_seconds},
      {"process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
       AsDouble(p.resident_bytes)},
      {"process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
       AsDouble(p.virtual_bytes)},
      {"process_open_fds", "gauge", "Number of open file descriptors.", AsDouble(p.open_fds)},
      {"process_max_fds", "gauge", "Maximum number of open file descriptors.", AsDouble(p.max_fds)},
      {"process_start_time_seconds", "gauge",
       "Start time of the process since unix epoch in seconds.", p.start_time_seconds},
  };
  for (const Figure& f : figures) {
    w.Family(f.name, f.type, f.help);
    w.Sample(f.name, "", f.value);
  }
}

}  // namespace

std::string MetricsText(const Stats& stats, const std::optional<ProcessSample>& process) {
  Writer w(8192 + stats.queues.size() * 7000);
  WriteQueues(w, stats.queues);
  WriteStore(w, stats.store);
  if (process) WriteProcess(w, *process);
  return w.Take();
}

}  // namespace cte::api
