// `cloud-tasks create-http-task|list|describe|run|delete`, as `gcloud tasks ...`.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "client/cli/cli.h"
#include "client/cli/output.h"

namespace cte::cli {
namespace {

using Json = nlohmann::json;

struct CreateFlags {
  std::string task, queue, url, method, body_content, body_file, schedule_time;
  std::vector<std::string> headers;
  std::string oidc_email, oidc_audience, oauth_email, oauth_scope;
  std::string relative_uri, routing;  // create-app-engine-task.
};

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("argument --body-file: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::map<std::string, std::string> Headers(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> out;
  for (const auto& h : flags) {
    size_t colon = h.find(':');
    if (colon == std::string::npos) throw UsageError("argument --header: expected KEY:VALUE");
    size_t value = h.find_first_not_of(' ', colon + 1);
    out[h.substr(0, colon)] = value == std::string::npos ? "" : h.substr(value);
  }
  return out;
}

std::string Body(const CreateFlags& f) {
  if (!f.body_content.empty() && !f.body_file.empty()) {
    throw UsageError(
        "argument --body-content: At most one of --body-content | --body-file "
        "may be specified.");
  }
  return f.body_file.empty() ? f.body_content : ReadFile(f.body_file);
}

// --routing service:S,version:V,instance:I (any of the three).
void ReadRouting(const std::string& text, client::AppEngineRequest& r) {
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    size_t colon = part.find(':');
    std::string key = part.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : part.substr(colon + 1);
    if (key == "service")
      r.service = value;
    else if (key == "version")
      r.version = value;
    else if (key == "instance")
      r.instance = value;
    else
      throw UsageError("argument --routing: keys are service, version and instance, not [" + key +
                       "]");
  }
}

client::TaskSpec SpecFromFlags(const CreateFlags& f, bool app_engine) {
  client::TaskSpec spec;
  spec.name = f.task;
  spec.schedule_time = f.schedule_time;
  if (app_engine) {
    client::AppEngineRequest& r = spec.app_engine_request.emplace();
    r.relative_uri = f.relative_uri;
    r.http_method = Upper(f.method);
    r.headers = Headers(f.headers);
    r.body = Body(f);
    ReadRouting(f.routing, r);
    return spec;
  }
  client::HttpRequest& r = spec.http_request;
  r.url = f.url;
  r.http_method = Upper(f.method);
  r.headers = Headers(f.headers);
  r.body = Body(f);
  if (!f.oidc_email.empty()) r.oidc_token = client::OidcToken{f.oidc_email, f.oidc_audience};
  if (!f.oauth_email.empty()) r.oauth_token = client::OAuthToken{f.oauth_email, f.oauth_scope};
  return spec;
}

int RunCreate(const Globals& g, const CreateFlags& f, const std::string& command) {
  client::TaskSpec spec = SpecFromFlags(f, command == "create-app-engine-task");
  std::string queue = ResolveQueue(g, f.queue);
  auto result = MakeClient(g)->CreateTask(queue, spec);
  if (!result.ok()) return Fail(command, result.status());
  std::cerr << "Created task [" << result->name << "]." << std::endl;
  if (JsonFormat(g)) std::cout << result->raw.dump(2) << std::endl;
  return 0;
}

// gcloud tasks buffer: a task with an empty body on a queue with an HTTP target. Here the body
// and headers may be given too (the REST method takes them).
int RunBuffer(const Globals& g, const CreateFlags& f) {
  std::string queue = ResolveQueue(g, f.queue);
  auto result = MakeClient(g)->BufferTask(queue, f.task, Body(f), Headers(f.headers));
  if (!result.ok()) return Fail("buffer", result.status());
  std::cerr << "Buffered task in queue [" << ShortQueue(queue) << "]." << std::endl;
  if (JsonFormat(g)) std::cout << result->raw.dump(2) << std::endl;
  return 0;
}

// The flags create-http-task and create-app-engine-task share.
CLI::App* AddCreateCommand(CLI::App& app, const std::string& name, const std::string& what,
                           CreateFlags& f) {
  CLI::App* cmd = app.add_subcommand(name, what);
  cmd->add_option("TASK", f.task, "Task ID or full name (generated when omitted)");
  cmd->add_option("--queue", f.queue, "Queue ID or full name")->required();
  cmd->add_option("--method", f.method, "HTTP method (default POST)");
  cmd->add_option("--header", f.headers, "KEY:VALUE, repeatable");
  cmd->add_option("--body-content", f.body_content, "The request body");
  cmd->add_option("--body-file", f.body_file, "A file holding the request body");
  cmd->add_option("--schedule-time", f.schedule_time, "RFC 3339 time to run the task");
  return cmd;
}

void AddCreate(CLI::App& app, Globals& g, Action& action) {
  auto f = std::make_shared<CreateFlags>();
  CLI::App* cmd =
      AddCreateCommand(app, "create-http-task", "Create a task with an HTTP target", *f);
  cmd->add_option("--url", f->url, "The URL the task is sent to")->required();
  cmd->add_option("--oidc-service-account-email", f->oidc_email,
                  "Sign an OIDC token as this service account");
  cmd->add_option("--oidc-token-audience", f->oidc_audience, "The OIDC token's audience");
  cmd->add_option("--oauth-service-account-email", f->oauth_email,
                  "Send an OAuth access token of this service account");
  cmd->add_option("--oauth-token-scope", f->oauth_scope, "The OAuth token's scope");
  cmd->callback(
      [&g, &action, f] { action = [&g, f] { return RunCreate(g, *f, "create-http-task"); }; });
  auto a = std::make_shared<CreateFlags>();
  cmd = AddCreateCommand(app, "create-app-engine-task", "Create a task with an App Engine target",
                         *a);
  cmd->add_option("--relative-uri", a->relative_uri, "The path and query the task is sent to");
  cmd->add_option("--routing", a->routing, "service:S,version:V,instance:I (any of them)");
  cmd->callback([&g, &action, a] {
    action = [&g, a] { return RunCreate(g, *a, "create-app-engine-task"); };
  });
}

void AddBuffer(CLI::App& app, Globals& g, Action& action) {
  auto f = std::make_shared<CreateFlags>();
  CLI::App* cmd =
      app.add_subcommand("buffer", "Buffer a task on a queue with an HTTP target (BufferTask)");
  cmd->add_option("--queue", f->queue, "Queue ID or full name")->required();
  cmd->add_option("--task-id", f->task, "Task ID (generated when omitted)");
  cmd->add_option("--header", f->headers, "KEY:VALUE, repeatable (not in gcloud)");
  cmd->add_option("--body-content", f->body_content, "The request body (not in gcloud)");
  cmd->add_option("--body-file", f->body_file, "A file holding the body (not in gcloud)");
  cmd->callback([&g, &action, f] { action = [&g, f] { return RunBuffer(g, *f); }; });
}

}  // namespace

void AddTaskCommands(CLI::App& app, Globals& g, Action& action) {
  AddCreate(app, g, action);
  AddBuffer(app, g, action);
  AddTaskReadCommands(app, g, action);
}

}  // namespace cte::cli
