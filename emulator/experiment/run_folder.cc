#include "experiment/run_folder.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "api/json_codec.h"
#include "core/time_util.h"

namespace cte::experiment {

namespace {

using nlohmann::json;

json FiguresJson(const Figures& f) {
  json j = {{"tasks", f.tasks},
            {"succeeded", f.succeeded},
            {"givenUp", f.given_up},
            {"unfinished", f.unfinished},
            {"attempts", f.attempts},
            {"duplicates", f.duplicates},
            {"processedTwice", f.processed_twice},
            {"drainTime", f.drain_time ? json(core::FormatDuration(*f.drain_time)) : json()},
            {"peakInFlight", f.peak_in_flight},
            {"peakBacklog", f.peak_backlog},
            {"latency", json()},
            {"attemptsPerTask", {{"mean", f.attempts_mean}, {"max", f.attempts_max}}}};
  if (f.latency) {
    j["latency"] = {{"p50", core::FormatDuration(f.latency->p50)},
                    {"p90", core::FormatDuration(f.latency->p90)},
                    {"p99", core::FormatDuration(f.latency->p99)},
                    {"max", core::FormatDuration(f.latency->max)}};
  }
  return j;
}

// A file written through a buffer; fails with UNAVAILABLE naming it.
class Output {
 public:
  explicit Output(std::string path)
      : path_(std::move(path)), file_(std::fopen(path_.c_str(), "w")) {}
  ~Output() {
    if (file_ != nullptr) std::fclose(file_);
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  template <typename... Args>
  void Line(const char* format, Args... args) {
    if (file_ != nullptr) std::fprintf(file_, format, args...);
  }
  void Text(const std::string& text) {
    if (file_ != nullptr) std::fwrite(text.data(), 1, text.size(), file_);
  }
  core::Status Close() {
    int error = file_ == nullptr ? errno : 0;
    if (file_ != nullptr && (std::ferror(file_) || std::fclose(file_) != 0)) error = errno;
    file_ = nullptr;
    if (error == 0) return core::Status::Ok();
    return core::Unavailable("cannot write " + path_ + ": " + std::strerror(error));
  }

 private:
  std::string path_;
  FILE* file_;
};

core::Status WriteJson(const std::string& path, const json& j) {
  Output out(path);
  out.Text(j.dump(2) + "\n");
  return out.Close();
}

core::Status WriteSeries(const std::string& path, const RunData& run, const Analysis& a) {
  Output out(path);
  out.Text(
      "queue,second,arrivals,dispatches,inFlight,backlog,success,clientError,serverError,"
      "timeout,connectionError,givenUp,duplicates\n");
  for (const SeriesRow& r : a.series) {
    out.Line("%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
             ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "\n",
             run.queues[r.queue].id.c_str(), r.second, r.arrivals, r.dispatches, r.in_flight,
             r.backlog, r.success, r.client_error, r.server_error, r.timeout, r.connection_error,
             r.given_up, r.duplicates);
  }
  return out.Close();
}

core::Status WriteAttempts(const std::string& path, const RunData& run) {
  Output out(path);
  out.Text("queue,task,attempt,dispatched,answered,outcome,status,duplicate\n");
  for (const AttemptRecord& a : run.attempts) {
    out.Line("%s,%s,%d,%s,%s,%s,%d,%d\n", run.queues[run.tasks[a.task].queue].id.c_str(),
             TaskId(a.task).c_str(), a.attempt, Seconds(a.dispatched).c_str(),
             Seconds(a.answered).c_str(), std::string(OutcomeName(a.outcome)).c_str(), a.status,
             a.duplicate ? 1 : 0);
  }
  return out.Close();
}

core::Status WriteTasks(const std::string& path, const RunData& run, const Analysis& a) {
  static const char* const kResults[] = {"succeeded", "givenUp", "unfinished"};
  Output out(path);
  out.Text("queue,task,created,finished,attempts,result\n");
  for (uint32_t i = 0; i < run.tasks.size(); ++i) {
    const TaskFate& f = a.fates[i];
    bool done = f.result != TaskResult::kUnfinished;
    out.Line("%s,%s,%s,%s,%d,%s\n", run.queues[run.tasks[i].queue].id.c_str(), TaskId(i).c_str(),
             Seconds(run.tasks[i].created).c_str(), done ? Seconds(f.finished).c_str() : "",
             f.attempts, kResults[static_cast<int>(f.result)]);
  }
  return out.Close();
}

// The scenario as run: each queue as CreateQueue made it.
json ScenarioAsRun(json scenario, const RunData& run) {
  if (!scenario.contains("queues") || !scenario["queues"].is_array()) return scenario;
  for (size_t i = 0; i < scenario["queues"].size() && i < run.queues.size(); ++i) {
    scenario["queues"][i]["queue"] = api::QueueToJson(run.queues[i].config, {});
  }
  return scenario;
}

}  // namespace

std::string Seconds(core::Duration d) {
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%" PRId64 ".%06" PRId64, us < 0 ? "-" : "",
                (us < 0 ? -us : us) / 1000000, (us < 0 ? -us : us) % 1000000);
  return buf;
}

json SummaryJson(const RunData& run, const Analysis& analysis) {
  json queues = json::array();
  for (size_t i = 0; i < run.queues.size(); ++i) {
    const QueueInfo& q = run.queues[i];
    json j = {{"queue", q.name},
              {"maxDispatchesPerSecond", q.max_dispatches_per_second},
              {"maxBurstSize", q.max_burst_size},
              {"maxConcurrentDispatches", q.max_concurrent_dispatches}};
    j.update(FiguresJson(analysis.queues[i]));
    queues.push_back(std::move(j));
  }
  return {{"name", run.name},
          {"mode", run.mode},
          {"seed", run.seed},
          {"duration", core::FormatDuration(run.stopped)},
          {"wallTime", core::FormatDuration(
                           std::chrono::duration_cast<std::chrono::milliseconds>(run.wall_time))},
          {"total", FiguresJson(analysis.total)},
          {"queues", std::move(queues)}};
}

core::Status WriteRunFolder(const std::string& dir, const json& scenario, const RunData& run,
                            const Analysis& analysis) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::Unavailable("cannot create " + dir + ": " + ec.message());
  CTE_RETURN_IF_ERROR(WriteJson(dir + "/scenario.json", ScenarioAsRun(scenario, run)));
  CTE_RETURN_IF_ERROR(WriteJson(dir + "/summary.json", SummaryJson(run, analysis)));
  CTE_RETURN_IF_ERROR(WriteSeries(dir + "/series.csv", run, analysis));
  CTE_RETURN_IF_ERROR(WriteAttempts(dir + "/attempts.csv", run));
  return WriteTasks(dir + "/tasks.csv", run, analysis);
}

}  // namespace cte::experiment
