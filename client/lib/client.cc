#include "client/lib/client.h"

#include <cctype>
#include <cstdlib>
#include <ctime>

#include "client/lib/http_connection.h"

namespace cte::client {
namespace {

using Json = nlohmann::json;

// Decodes Google's error body {"error":{"code","message","status"}}; falls back on the HTTP
// status when the body is not that shape.
Status ErrorFromResponse(const HttpResponse& response) {
  Json j = Json::parse(response.body, nullptr, false);
  Code code = CodeFromHttpStatus(response.status);
  if (code == Code::kOk) code = Code::kUnknown;
  std::string message = response.body;
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const Json& e = j["error"];
    if (e.contains("status") && e["status"].is_string()) {
      Code named = CodeFromName(e["status"].get<std::string>());
      if (named != Code::kOk) code = named;
    }
    message = e.value("message", "");
  }
  if (message.empty()) message = "HTTP status " + std::to_string(response.status);
  return {code, message};
}

}  // namespace

std::string LocationName(std::string_view project, std::string_view location) {
  return "projects/" + std::string(project) + "/locations/" + std::string(location);
}

std::string QueueName(std::string_view project, std::string_view location, std::string_view queue) {
  return LocationName(project, location) + "/queues/" + std::string(queue);
}

std::string TaskName(std::string_view queue_name, std::string_view task_id) {
  return std::string(queue_name) + "/tasks/" + std::string(task_id);
}

Client::Client(std::string endpoint) {
  if (endpoint.empty()) endpoint = DefaultEndpoint();
  std::string default_port = "8123";
  if (endpoint.rfind("http://", 0) == 0) {
    endpoint.erase(0, 7);
    default_port = "80";
  } else if (endpoint.find("://") != std::string::npos) {
    endpoint_status_ = {Code::kInvalidArgument, "unsupported endpoint scheme: " + endpoint};
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  size_t colon = endpoint.rfind(':');
  host_ = endpoint.substr(0, colon);
  port_ = colon == std::string::npos ? default_port : endpoint.substr(colon + 1);
  if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') {
    host_ = host_.substr(1, host_.size() - 2);
  }
  if (endpoint_status_.ok() && (host_.empty() || port_.empty())) {
    endpoint_status_ = {Code::kInvalidArgument, "malformed endpoint: " + endpoint};
  }
  connection_ = std::make_unique<HttpConnection>(host_, port_);
}

Client::~Client() = default;

std::string Client::DefaultEndpoint() {
  const char* env = std::getenv("CLOUD_TASKS_EMULATOR_HOST");
  return env && *env ? env : "127.0.0.1:8123";
}

std::string Client::endpoint() const { return host_ + ":" + port_; }

Result<Json> Client::Call(std::string_view method, const std::string& target, const Json& body) {
  return CallWithTimeout(method, target, body, timeout_);
}

Result<Json> Client::CallWithTimeout(std::string_view method, const std::string& target,
                                     const Json& body, std::chrono::milliseconds timeout) {
  if (!endpoint_status_.ok()) return endpoint_status_;
  std::string text = body.is_null() ? "" : body.dump();
  auto response = connection_->Send(method, target, text, timeout);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) return ErrorFromResponse(*response);
  if (response->body.empty()) return Json::object();
  Json j = Json::parse(response->body, nullptr, false);
  if (j.is_discarded()) return Status(Code::kInternal, "response is not JSON: " + response->body);
  return j;
}

Result<Task> Client::BufferTask(const std::string& queue, const std::string& task_id,
                                const std::string& body,
                                const std::map<std::string, std::string>& headers) {
  if (!endpoint_status_.ok()) return endpoint_status_;
  std::string target =
      "/v2/" + queue + "/tasks" + (task_id.empty() ? "" : "/" + task_id) + ":buffer";
  auto response = connection_->Send("POST", target, body, timeout_, headers);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) return ErrorFromResponse(*response);
  Json j = Json::parse(response->body, nullptr, false);
  if (j.is_discarded() || !j.contains("task")) {
    return Status(Code::kInternal, "response is not a BufferTaskResponse: " + response->body);
  }
  return TaskFromJson(j["task"]);
}

std::string FormatDuration(std::chrono::nanoseconds duration) {
  long long ns = duration.count();
  std::string out = std::to_string(ns / 1000000000);
  if (ns < 0 && ns > -1000000000) out = "-0";
  long long frac = std::llabs(ns % 1000000000);
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "s";
}

std::string FormatTimestamp(std::chrono::system_clock::time_point time) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ns / 1000000000);
  long long frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "Z";
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace cte::client
