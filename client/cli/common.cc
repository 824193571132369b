#include <cstdlib>
#include <iostream>

#include "client/cli/cli.h"
#include "client/cli/list_view.h"

namespace cte::cli {
namespace {

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

}  // namespace

std::string Project(const Globals& g) {
  if (!g.project.empty()) return g.project;
  if (const char* p = Env("CLOUDSDK_CORE_PROJECT")) return p;
  if (const char* p = Env("GOOGLE_CLOUD_PROJECT")) return p;
  throw UsageError(
      "The required property [project] is not currently set. Pass --project or set "
      "CLOUDSDK_CORE_PROJECT.");
}

std::string ResolveQueue(const Globals& g, const std::string& queue) {
  if (queue.rfind("projects/", 0) == 0) return queue;
  if (queue.empty()) throw UsageError("argument --queue: Must be specified.");
  if (g.location.empty()) throw UsageError("argument --location: Must be specified.");
  return client::QueueName(Project(g), g.location, queue);
}

std::string ResolveTask(const Globals& g, const std::string& queue, const std::string& task) {
  if (task.rfind("projects/", 0) == 0) return task;
  return client::TaskName(ResolveQueue(g, queue), task);
}

std::string ShortQueue(const std::string& queue_name) {
  // projects/P/locations/L/queues/Q -> L/Q
  const std::string kLocations = "/locations/", kQueues = "/queues/";
  size_t l = queue_name.find(kLocations), q = queue_name.find(kQueues);
  if (l == std::string::npos || q == std::string::npos) return queue_name;
  size_t loc_start = l + kLocations.size();
  return queue_name.substr(loc_start, q - loc_start) + "/" + queue_name.substr(q + kQueues.size());
}

std::string Basename(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

int Fail(const std::string& command, const client::Status& status) {
  std::cerr << "ERROR: (cloud-tasks." << command << ") " << status.name() << ": "
            << status.message() << std::endl;
  return kExitError;
}

std::unique_ptr<client::Client> MakeClient(const Globals& g) {
  return std::make_unique<client::Client>(g.endpoint);
}

bool JsonFormat(const Globals& g) { return ParseFormat(g.format).kind == Format::Kind::kJson; }

}  // namespace cte::cli
