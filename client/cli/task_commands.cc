// `cloud-tasks create-http-task|list|describe|run|delete`, as `gcloud tasks ...`.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
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

client::TaskSpec SpecFromFlags(const CreateFlags& f) {
  client::TaskSpec spec;
  spec.name = f.task;
  spec.schedule_time = f.schedule_time;
  client::HttpRequest& r = spec.http_request;
  r.url = f.url;
  r.http_method = Upper(f.method);
  for (const auto& h : f.headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos) throw UsageError("argument --header: expected KEY:VALUE");
    size_t value = h.find_first_not_of(' ', colon + 1);
    r.headers[h.substr(0, colon)] = value == std::string::npos ? "" : h.substr(value);
  }
  if (!f.body_content.empty() && !f.body_file.empty()) {
    throw UsageError(
        "argument --body-content: At most one of --body-content | --body-file "
        "may be specified.");
  }
  r.body = f.body_file.empty() ? f.body_content : ReadFile(f.body_file);
  if (!f.oidc_email.empty()) r.oidc_token = client::OidcToken{f.oidc_email, f.oidc_audience};
  if (!f.oauth_email.empty()) r.oauth_token = client::OAuthToken{f.oauth_email, f.oauth_scope};
  return spec;
}

int RunCreate(const Globals& g, const CreateFlags& f) {
  client::TaskSpec spec = SpecFromFlags(f);
  std::string queue = ResolveQueue(g, f.queue);
  auto result = MakeClient(g)->CreateTask(queue, spec);
  if (!result.ok()) return Fail("create-http-task", result.status());
  std::cerr << "Created task [" << result->name << "]." << std::endl;
  if (JsonFormat(g)) std::cout << result->raw.dump(2) << std::endl;
  return 0;
}

void AddCreate(CLI::App& app, Globals& g, Action& action) {
  auto f = std::make_shared<CreateFlags>();
  CLI::App* cmd = app.add_subcommand("create-http-task", "Create a task with an HTTP target");
  cmd->add_option("TASK", f->task, "Task ID or full name (generated when omitted)");
  cmd->add_option("--queue", f->queue, "Queue ID or full name")->required();
  cmd->add_option("--url", f->url, "The URL the task is sent to")->required();
  cmd->add_option("--method", f->method, "HTTP method (default POST)");
  cmd->add_option("--header", f->headers, "KEY:VALUE, repeatable");
  cmd->add_option("--body-content", f->body_content, "The request body");
  cmd->add_option("--body-file", f->body_file, "A file holding the request body");
  cmd->add_option("--schedule-time", f->schedule_time, "RFC 3339 time to run the task");
  cmd->add_option("--oidc-service-account-email", f->oidc_email);
  cmd->add_option("--oidc-token-audience", f->oidc_audience);
  cmd->add_option("--oauth-service-account-email", f->oauth_email);
  cmd->add_option("--oauth-token-scope", f->oauth_scope);
  cmd->callback([&g, &action, f] { action = [&g, f] { return RunCreate(g, *f); }; });
}

}  // namespace

void AddTaskCommands(CLI::App& app, Globals& g, Action& action) {
  AddCreate(app, g, action);
  AddTaskReadCommands(app, g, action);
}

}  // namespace cte::cli
