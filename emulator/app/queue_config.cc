#include "app/queue_config.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/json_codec.h"
#include "api/names.h"
#include "api/rest_request.h"
#include "core/queue_rules.h"

namespace cte::app {

namespace {

// Where a text that is not JSON goes wrong, as nlohmann's parser says it ("parse error at line
// 3, column 46: syntax error while parsing object key - unexpected '}'; expected string literal").
std::string JsonErrorPlace(const std::string& text) {
  try {
    nlohmann::json parsed = nlohmann::json::parse(text);  // Throws where it goes wrong.
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    size_t at = what.find("] ");
    return at == std::string::npos ? what : what.substr(at + 2);
  }
  return "not valid JSON";
}

// The state a config entry may ask for: RUNNING or PAUSED (or none, to keep the queue's).
core::Status CheckConfigState(const core::Queue& q) {
  if (q.state == core::QueueState::kDisabled) {
    return core::InvalidArgument("\"state\" must be RUNNING or PAUSED, not DISABLED");
  }
  return core::Status::Ok();
}

}  // namespace

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
  if (!json.ok()) return fail(core::InvalidArgument(JsonErrorPlace(text.str())));
  std::vector<core::Queue> queues;
  std::map<std::string, size_t> seen;  // Queue name -> its entry.
  for (const auto& [key, value] : json->items()) {
    if (key != "queues") return fail(api::UnknownField(key, ""));
    if (!value.is_array()) return fail(core::InvalidArgument("\"queues\" must be an array"));
    for (const api::Json& entry : value) {
      core::Queue q;
      core::Status s = api::ReadQueue(entry, "queues", q);
      if (s.ok()) s = api::ParseQueueName(q.name).status();
      if (s.ok()) s = core::ValidateQueueLimits(q);
      if (s.ok()) s = CheckConfigState(q);
      std::string entry_name = "queues[" + std::to_string(queues.size()) + "]";
      if (!s.ok()) return fail(core::InvalidArgument(entry_name + ": " + s.message()));
      auto [first, added] = seen.emplace(q.name, queues.size());
      if (!added) {
        return fail(core::InvalidArgument(entry_name + ": the queue " + q.name +
                                          " is already configured by queues[" +
                                          std::to_string(first->second) + "]"));
      }
      queues.push_back(std::move(q));
    }
  }
  return queues;
}

}  // namespace cte::app
