// `cloud-tasks queues get-iam-policy|set-iam-policy|add-iam-policy-binding|
// remove-iam-policy-binding`, as gcloud's. The emulator stores policies and never enforces them.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "client/cli/cli.h"
#include "client/cli/list_view.h"

namespace cte::cli {
namespace {

using Json = nlohmann::json;

struct IamFlags {
  std::string queue, policy_file, member, role;
};

int PrintUpdated(const Globals& g, const std::string& queue, const client::Policy& policy) {
  std::cerr << "Updated IAM policy for queue [" << Basename(queue) << "]." << std::endl;
  PrintResource(std::cout, ParseFormat(g.format), policy.raw);
  return 0;
}

client::Policy ReadPolicyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read the policy file " + path);
  std::stringstream text;
  text << in.rdbuf();
  Json j = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    throw UsageError("the policy file " + path + " is not a JSON object (YAML is not read)");
  }
  return client::PolicyFromJson(j);
}

int RunGet(const Globals& g, const IamFlags& f) {
  auto policy = MakeClient(g)->GetIamPolicy(ResolveQueue(g, f.queue));
  if (!policy.ok()) return Fail("queues.get-iam-policy", policy.status());
  PrintResource(std::cout, ParseFormat(g.format), policy->raw);
  return 0;
}

int RunSet(const Globals& g, const IamFlags& f) {
  client::Policy policy = ReadPolicyFile(f.policy_file);
  std::string queue = ResolveQueue(g, f.queue);
  auto set = MakeClient(g)->SetIamPolicy(queue, policy);
  if (!set.ok()) return Fail("queues.set-iam-policy", set.status());
  return PrintUpdated(g, queue, *set);
}

// Reads the policy, adds or removes `member` in the binding of `role`, and writes it back with
// the etag it read (a concurrent change fails with ABORTED rather than being lost).
int RunBinding(const Globals& g, const IamFlags& f, bool add) {
  std::string command = add ? "queues.add-iam-policy-binding" : "queues.remove-iam-policy-binding";
  std::string queue = ResolveQueue(g, f.queue);
  auto client = MakeClient(g);
  auto policy = client->GetIamPolicy(queue);
  if (!policy.ok()) return Fail(command, policy.status());
  auto& bindings = policy->bindings;
  auto binding = std::find_if(bindings.begin(), bindings.end(),
                              [&](const client::Binding& b) { return b.role == f.role; });
  if (add) {
    if (binding == bindings.end()) binding = bindings.insert(bindings.end(), {f.role, {}});
    auto& members = binding->members;
    if (std::find(members.begin(), members.end(), f.member) == members.end()) {
      members.push_back(f.member);
    }
  } else {
    bool found = binding != bindings.end() &&
                 std::erase(binding->members, f.member) > 0;  // Found and removed.
    if (!found) {
      std::cerr << "ERROR: (cloud-tasks." << command
                << ") Policy binding with the specified principal and role not found!" << std::endl;
      return kExitError;
    }
    if (binding->members.empty()) bindings.erase(binding);
  }
  auto set = client->SetIamPolicy(queue, *policy);
  if (!set.ok()) return Fail(command, set.status());
  return PrintUpdated(g, queue, *set);
}

}  // namespace

void AddIamCommands(CLI::App* queues, Globals& g, Action& action) {
  auto f = std::make_shared<IamFlags>();
  CLI::App* get = queues->add_subcommand("get-iam-policy", "Show a queue's IAM policy");
  get->add_option("QUEUE", f->queue, "Queue ID or full name")->required();
  get->callback([&g, &action, f] { action = [&g, f] { return RunGet(g, *f); }; });
  CLI::App* set = queues->add_subcommand("set-iam-policy", "Replace a queue's IAM policy");
  set->add_option("QUEUE", f->queue, "Queue ID or full name")->required();
  set->add_option("POLICY_FILE", f->policy_file, "The policy, as JSON (gcloud's format)")
      ->required();
  set->callback([&g, &action, f] { action = [&g, f] { return RunSet(g, *f); }; });
  for (bool add : {true, false}) {
    CLI::App* cmd =
        queues->add_subcommand(add ? "add-iam-policy-binding" : "remove-iam-policy-binding",
                               add ? "Add a member to a role of a queue's IAM policy"
                                   : "Remove a member from a role of a queue's IAM policy");
    cmd->add_option("QUEUE", f->queue, "Queue ID or full name")->required();
    cmd->add_option("--member", f->member, "e.g. user:me@example.com, serviceAccount:...")
        ->required();
    cmd->add_option("--role", f->role, "e.g. roles/cloudtasks.enqueuer")->required();
    cmd->callback(
        [&g, &action, f, add] { action = [&g, f, add] { return RunBinding(g, *f, add); }; });
  }
}

}  // namespace cte::cli
