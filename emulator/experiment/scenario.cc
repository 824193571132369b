// Reads the scenario file: the top level, each queue and its task template; see scenario.h.
// Arrivals are read in scenario_phases.cc, the worker model in scenario_worker.cc.
#include "experiment/scenario.h"

#include <filesystem>

#include "api/json_codec.h"
#include "api/names.h"
#include "core/queue_rules.h"
#include "core/task_rules.h"
#include "core/time_util.h"
#include "experiment/scenario_fields.h"

namespace cte::experiment {

namespace {

using core::Duration;
using core::Status;

// Where a short queue name ("image-generation-queue") lives.
constexpr char kDefaultLocation[] = "projects/emulator/locations/us-central1";

// The queue as CreateQueue reads and checks it, with CreateQueue's messages after `path`.
Status ReadQueueResource(const Json& j, const std::string& path, core::Queue& out) {
  // CreateQueue names its body "queue" in messages; keep its words exactly.
  Status read = api::ReadQueue(j, "queue", out);
  if (!read.ok()) return FieldError(path, read.message());
  std::string name_path = Sub(path, "name");
  if (out.name.empty()) return FieldError(name_path, "required");
  if (out.name.find('/') == std::string::npos) {
    out.name = std::string(kDefaultLocation) + "/queues/" + out.name;
  }
  auto name = api::ParseQueueName(out.name);
  if (!name.ok()) return FieldError(name_path, name.status().message());
  // The simulation creates the queue through Service::CreateQueue, which applies the defaults;
  // here they are only checked, on a copy.
  core::Queue created = out;
  Status limits = core::ValidateQueueLimits(created);
  if (limits.ok()) limits = core::ApplyQueueDefaults(created);
  if (!limits.ok()) return FieldError(path, limits.message());
  return Status::Ok();
}

Status ReadDispatchDeadline(const Json& j, const std::string& path, Duration& out) {
  CTE_RETURN_IF_ERROR(ReadDuration(j, path, Lower::kNonNegative, out));
  // CreateTask's own rule for HTTP tasks.
  if (!core::DispatchDeadlineInRange(out, /*app_engine=*/false)) {
    return FieldError(path, "must be between " + core::FormatDuration(core::kMinDispatchDeadline) +
                                " and " + core::FormatDuration(core::kMaxHttpDispatchDeadline));
  }
  return Status::Ok();
}

Status ReadTaskTemplate(const Json& j, const std::string& path, TaskTemplate& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"bodyBytes", "dispatchDeadline", "scheduleDelay"}));
  if (const Json* body = Find(j, "bodyBytes")) {
    CTE_RETURN_IF_ERROR(ReadInteger(*body, Sub(path, "bodyBytes"), 0,
                                    static_cast<int64_t>(core::kMaxTaskBytes), out.body_bytes));
  }
  if (const Json* deadline = Find(j, "dispatchDeadline")) {
    CTE_RETURN_IF_ERROR(
        ReadDispatchDeadline(*deadline, Sub(path, "dispatchDeadline"), out.dispatch_deadline));
  }
  if (const Json* delay = Find(j, "scheduleDelay")) {
    std::string delay_path = Sub(path, "scheduleDelay");
    CTE_RETURN_IF_ERROR(ReadDuration(*delay, delay_path, Lower::kNonNegative, out.schedule_delay));
    // CreateTask refuses a scheduleTime further ahead than this.
    if (out.schedule_delay > core::kMaxScheduleAhead) {
      return FieldError(delay_path,
                        "must be at most " + core::FormatDuration(core::kMaxScheduleAhead));
    }
  }
  return Status::Ok();
}

Status ReadQueueScenario(const Json& j, const std::string& path, const std::string& base_dir,
                         QueueScenario& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"queue", "arrivals", "task", "worker"}));
  auto queue = Require(j, path, "queue");
  if (!queue.ok()) return queue.status();
  CTE_RETURN_IF_ERROR(ReadQueueResource(**queue, Sub(path, "queue"), out.queue));
  auto arrivals = Require(j, path, "arrivals");
  if (!arrivals.ok()) return arrivals.status();
  CTE_RETURN_IF_ERROR(ReadArrivals(**arrivals, Sub(path, "arrivals"), base_dir, out.arrivals));
  if (const Json* task = Find(j, "task")) {
    CTE_RETURN_IF_ERROR(ReadTaskTemplate(*task, Sub(path, "task"), out.task));
  }
  if (const Json* worker = Find(j, "worker")) {
    CTE_RETURN_IF_ERROR(ReadWorker(*worker, Sub(path, "worker"), out.worker));
  }
  return Status::Ok();
}

std::string_view QueueId(const std::string& full_name) {
  return std::string_view(full_name).substr(full_name.rfind('/') + 1);
}

// The run folder names queues by their ID, so two queues may not share one, even in different
// projects.
Status ReadQueues(const Json& j, const std::string& base_dir, std::vector<QueueScenario>& out) {
  CTE_RETURN_IF_ERROR(CheckArray(j, "queues"));
  if (j.empty()) return FieldError("queues", "must not be empty");
  for (size_t i = 0; i < j.size(); ++i) {
    std::string path = Index("queues", i);
    CTE_RETURN_IF_ERROR(ReadQueueScenario(j[i], path, base_dir, out.emplace_back()));
    for (size_t k = 0; k < i; ++k) {
      if (QueueId(out[k].queue.name) == QueueId(out[i].queue.name)) {
        return FieldError(path + ".queue.name", "duplicates " + Index("queues", k) + ".queue.name");
      }
    }
  }
  return Status::Ok();
}

Status ReadUntil(const Json& j, std::optional<Duration>& out) {
  if (j.is_string() && j.get_ref<const std::string&>() == "drained") {
    out.reset();
    return Status::Ok();
  }
  Duration d{0};
  if (!ReadDuration(j, "until", Lower::kPositive, d).ok()) {
    return FieldError("until", "must be \"drained\" or a positive duration of at most " +
                                   core::FormatDuration(kMaxScenarioDuration));
  }
  out = d;
  return Status::Ok();
}

Status ReadImperfections(const Json& j, const std::string& path, Imperfections& out) {
  CTE_RETURN_IF_ERROR(CheckObject(j, path, {"duplicateRate", "extraDelay"}));
  if (const Json* rate = Find(j, "duplicateRate")) {
    CTE_RETURN_IF_ERROR(ReadProbability(*rate, Sub(path, "duplicateRate"), out.duplicate_rate));
  }
  if (const Json* delay = Find(j, "extraDelay")) {
    CTE_RETURN_IF_ERROR(ReadLatency(*delay, Sub(path, "extraDelay"), out.extra_delay.emplace()));
  }
  return Status::Ok();
}

Status ReadName(const Json& j, std::string& out) {
  if (!j.is_string() || j.get_ref<const std::string&>().empty()) {
    return FieldError("name", "must be a non-empty string");
  }
  out = j.get<std::string>();
  return Status::Ok();
}

Status ReadSeed(const Json& j, uint64_t& out) {
  if (!j.is_number_unsigned()) return FieldError("seed", "must be a non-negative integer");
  out = j.get<uint64_t>();
  return Status::Ok();
}

Status ReadTopLevel(const Json& j, const std::string& base_dir, Scenario& out) {
  if (!j.is_object()) return core::InvalidArgument("the scenario must be a JSON object");
  CTE_RETURN_IF_ERROR(CheckObject(j, "", {"name", "seed", "queues", "until", "cloudTasks"}));
  auto name = Require(j, "", "name");
  if (!name.ok()) return name.status();
  CTE_RETURN_IF_ERROR(ReadName(**name, out.name));
  if (const Json* seed = Find(j, "seed")) CTE_RETURN_IF_ERROR(ReadSeed(*seed, out.seed));
  auto queues = Require(j, "", "queues");
  if (!queues.ok()) return queues.status();
  CTE_RETURN_IF_ERROR(ReadQueues(**queues, base_dir, out.queues));
  if (const Json* until = Find(j, "until")) CTE_RETURN_IF_ERROR(ReadUntil(*until, out.until));
  if (const Json* cloud_tasks = Find(j, "cloudTasks")) {
    CTE_RETURN_IF_ERROR(ReadImperfections(*cloud_tasks, "cloudTasks", out.cloud_tasks));
  }
  return Status::Ok();
}

// The parser's message on one line, whatever it quotes from the file, without nlohmann's tag
// ("[json.exception.parse_error.101] parse error at line 2, column 13: ...").
std::string ParserMessage(std::string text) {
  if (text.rfind("[json.exception.", 0) == 0 && text.find("] ") != std::string::npos) {
    text.erase(0, text.find("] ") + 2);
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

core::Result<Scenario> ReadScenario(const std::string& json_text, const std::string& base_dir) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const Json::exception& e) {
    return core::InvalidArgument(ParserMessage(e.what()));
  }
  Scenario scenario;
  CTE_RETURN_IF_ERROR(ReadTopLevel(j, base_dir, scenario));
  return scenario;
}

core::Result<Scenario> ReadScenarioFile(const std::string& path) {
  core::Result<std::string> text = ReadTextFile(path);
  if (!text.ok()) {
    return core::InvalidArgument("cannot read scenario \"" + path +
                                 "\": " + text.status().message());
  }
  return ReadScenario(*text, std::filesystem::path(path).parent_path().string());
}

core::Result<WorkerModel> ReadWorkerModel(const std::string& json_text) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const Json::exception& e) {
    return core::InvalidArgument(ParserMessage(e.what()));
  }
  WorkerModel model;
  CTE_RETURN_IF_ERROR(ReadWorker(j, "worker", model));
  return model;
}

}  // namespace cte::experiment
