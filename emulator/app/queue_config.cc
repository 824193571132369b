#include "app/queue_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/json_codec.h"
#include "api/names.h"
#include "api/rest_request.h"
#include "core/queue_rules.h"

namespace cte::app {

core::Result<std::vector<core::Queue>> LoadQueueConfig(const std::string& path) {
  std::ifstream in(path);
  std::error_code ec;
  // A directory opens as an ifstream on Linux and then reads as empty, i.e. as no queues.
  if (!in || std::filesystem::is_directory(path, ec)) {
    return core::InvalidArgument("config " + path + ": cannot read the file");
  }
  std::stringstream text;
  text << in.rdbuf();
  auto json = api::ParseJsonBody(text.str());
  auto fail = [&](const core::Status& s) {
    return core::InvalidArgument("config " + path + ": " + s.message());
  };
  if (!json.ok()) return fail(json.status());
  std::vector<core::Queue> queues;
  for (const auto& [key, value] : json->items()) {
    if (key != "queues") return fail(api::UnknownField(key, ""));
    if (!value.is_array()) return fail(core::InvalidArgument("\"queues\" must be an array"));
    for (const api::Json& entry : value) {
      core::Queue q;
      core::Status s = api::ReadQueue(entry, "queues", q);
      if (s.ok()) s = api::ParseQueueName(q.name).status();
      if (s.ok()) s = core::ValidateQueueLimits(q);
      if (!s.ok()) return fail(s);
      queues.push_back(std::move(q));
    }
  }
  return queues;
}

}  // namespace cte::app
