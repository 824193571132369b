#include "support/failing_store.h"

#include <map>

namespace cte::testing {

using core::Result;
using core::Status;
using core::TimePoint;
using Op = FailingStore::Op;

// Forwards a table call unless the plan fails it.
#define CTE_FORWARD(kind, call)                                 \
  do {                                                          \
    if (auto failed = this->store_.Check(kind)) return *failed; \
    return call;                                                \
  } while (0)

namespace {

// A wrapper around one table of the inner store, counting and failing its calls through `store_`.
template <typename Table>
class Forwarding : public Table {
 public:
  Forwarding(FailingStore& s, Table& t) : store_(s), t_(t) {}

 protected:
  FailingStore& store_;
  Table& t_;
};

// The tombstone calls QueueTable and TaskTable declare alike.
template <typename Table>
class ForwardingTombstones : public Forwarding<Table> {
 public:
  using Forwarding<Table>::Forwarding;
  Status PutTombstone(std::string_view n, TimePoint u) override {
    CTE_FORWARD(Op::kWrite, this->t_.PutTombstone(n, u));
  }
  Result<bool> HasTombstone(std::string_view n, TimePoint now) override {
    CTE_FORWARD(Op::kRead, this->t_.HasTombstone(n, now));
  }
  Status DeleteExpiredTombstones(TimePoint now) override {
    CTE_FORWARD(Op::kWrite, this->t_.DeleteExpiredTombstones(now));
  }
};

class Queues final : public ForwardingTombstones<core::QueueTable> {
 public:
  using ForwardingTombstones::ForwardingTombstones;
  Result<std::optional<core::Queue>> Find(std::string_view n) override {
    CTE_FORWARD(Op::kRead, t_.Find(n));
  }
  Result<std::vector<core::Queue>> List(std::string_view p, std::string_view a, int l) override {
    CTE_FORWARD(Op::kRead, t_.List(p, a, l));
  }
  Status Put(const core::Queue& q) override { CTE_FORWARD(Op::kWrite, t_.Put(q)); }
  Status Delete(std::string_view n) override { CTE_FORWARD(Op::kWrite, t_.Delete(n)); }
  Result<std::vector<std::string>> ListLocations(std::string_view p) override {
    CTE_FORWARD(Op::kRead, t_.ListLocations(p));
  }
  Status DeleteTombstone(std::string_view n) override {
    CTE_FORWARD(Op::kWrite, t_.DeleteTombstone(n));
  }
  Status DeleteAllTombstones() override { CTE_FORWARD(Op::kWrite, t_.DeleteAllTombstones()); }
  Result<std::string> GetKmsKey(std::string_view l) override {
    CTE_FORWARD(Op::kRead, t_.GetKmsKey(l));
  }
  Status PutKmsKey(std::string_view l, std::string_view k) override {
    CTE_FORWARD(Op::kWrite, t_.PutKmsKey(l, k));
  }
  Status DeleteAllKmsKeys() override { CTE_FORWARD(Op::kWrite, t_.DeleteAllKmsKeys()); }
};

class Tasks final : public ForwardingTombstones<core::TaskTable> {
 public:
  using ForwardingTombstones::ForwardingTombstones;
  Result<bool> Insert(const core::Task& t) override { CTE_FORWARD(Op::kWrite, t_.Insert(t)); }
  Result<std::optional<core::Task>> Find(std::string_view n) override {
    CTE_FORWARD(Op::kRead, t_.Find(n));
  }
  Result<bool> Delete(std::string_view n) override { CTE_FORWARD(Op::kWrite, t_.Delete(n)); }
  Result<bool> DeleteAttempted(std::string_view n, int c) override {
    CTE_FORWARD(Op::kWrite, t_.DeleteAttempted(n, c));
  }
  Result<core::TaskPage> List(std::string_view q, int64_t a, int l, bool b) override {
    CTE_FORWARD(Op::kRead, t_.List(q, a, l, b));
  }
  Result<core::TaskStatePage> ListByState(std::string_view q, std::optional<core::TaskState> s,
                                          TimePoint now, int64_t a, int l, int m) override {
    CTE_FORWARD(Op::kRead, t_.ListByState(q, s, now, a, l, m));
  }
  Result<int64_t> Purge(std::string_view q, std::optional<TimePoint> u) override {
    CTE_FORWARD(Op::kWrite, t_.Purge(q, u));
  }
  Result<int64_t> Count(std::string_view q) override { CTE_FORWARD(Op::kRead, t_.Count(q)); }
  Result<std::vector<core::Task>> Due(std::string_view q, TimePoint now, int l) override {
    CTE_FORWARD(Op::kRead, t_.Due(q, now, l));
  }
  Result<std::optional<TimePoint>> NextScheduleTime(std::string_view q) override {
    CTE_FORWARD(Op::kRead, t_.NextScheduleTime(q));
  }
  Result<bool> UpdateState(const core::Task& t, bool f) override {
    CTE_FORWARD(Op::kWrite, t_.UpdateState(t, f));
  }
  Status ClearInFlight() override { CTE_FORWARD(Op::kWrite, t_.ClearInFlight()); }
  Status DeleteTombstones(std::string_view q) override {
    CTE_FORWARD(Op::kWrite, t_.DeleteTombstones(q));
  }
};

class Attempts final : public Forwarding<core::AttemptTable> {
 public:
  using Forwarding::Forwarding;
  Result<int64_t> Insert(const core::AttemptLogEntry& e) override {
    CTE_FORWARD(Op::kWrite, t_.Insert(e));
  }
  Status Update(const core::AttemptLogEntry& e) override { CTE_FORWARD(Op::kWrite, t_.Update(e)); }
  Result<std::vector<core::AttemptLogEntry>> List(std::string_view q, std::string_view t, int64_t a,
                                                  int l) override {
    CTE_FORWARD(Op::kRead, t_.List(q, t, a, l));
  }
  Status Delete(std::string_view q) override { CTE_FORWARD(Op::kWrite, t_.Delete(q)); }
  Status EndInFlight(std::string_view e) override { CTE_FORWARD(Op::kWrite, t_.EndInFlight(e)); }
};

class Policies final : public Forwarding<core::PolicyTable> {
 public:
  using Forwarding::Forwarding;
  Result<std::string> Get(std::string_view q) override { CTE_FORWARD(Op::kRead, t_.Get(q)); }
  Status Put(std::string_view q, std::string_view p) override {
    CTE_FORWARD(Op::kWrite, t_.Put(q, p));
  }
};

}  // namespace

#undef CTE_FORWARD

struct FailingStore::Tables {
  Tables(FailingStore& s, core::TaskStore& inner)
      : queues(s, inner.queues()),
        tasks(s, inner.tasks()),
        attempts(s, inner.attempts()),
        policies(s, inner.policies()) {}
  Queues queues;
  Tasks tasks;
  Attempts attempts;
  Policies policies;
};

struct FailingStore::Plan {
  struct Failure {
    int countdown = 0;  // Fails when it reaches 1; 0: every call.
    Status status;
    bool ends_transaction = false;
  };
  std::map<Op, Failure> failures;
  std::map<Op, int> calls;
};

FailingStore::FailingStore(core::TaskStore& inner)
    : inner_(inner),
      plan_(std::make_unique<Plan>()),
      tables_(std::make_unique<Tables>(*this, inner)) {}

FailingStore::~FailingStore() = default;

void FailingStore::FailNth(Op op, int nth, Status status, bool ends_transaction) {
  plan_->failures[op] = {nth, std::move(status), ends_transaction};
}

void FailingStore::FailAll(Op op, Status status, bool ends_transaction) {
  plan_->failures[op] = {0, std::move(status), ends_transaction};
}

void FailingStore::Heal() { plan_->failures.clear(); }

int FailingStore::Calls(Op op) const {
  auto it = plan_->calls.find(op);
  return it == plan_->calls.end() ? 0 : it->second;
}

std::optional<Status> FailingStore::Check(Op op) {
  ++plan_->calls[op];
  auto it = plan_->failures.find(op);
  if (it == plan_->failures.end()) return std::nullopt;
  Plan::Failure& f = it->second;
  if (f.countdown > 1) {
    --f.countdown;
    return std::nullopt;
  }
  Status s = f.status;
  bool ends = f.ends_transaction;
  if (f.countdown == 1) plan_->failures.erase(it);
  if (ends && inner_.InTransaction()) inner_.Rollback();
  return s;
}

Status FailingStore::Begin() {
  if (auto failed = Check(Op::kBegin)) return *failed;
  return inner_.Begin();
}

Status FailingStore::Commit() {
  if (auto failed = Check(Op::kCommit)) {
    inner_.Rollback();  // A failed commit leaves nothing, as the port promises.
    return *failed;
  }
  return inner_.Commit();
}

void FailingStore::Rollback() { inner_.Rollback(); }

Status FailingStore::BeginSavepoint() {
  if (auto failed = Check(Op::kSavepoint)) return *failed;
  return inner_.BeginSavepoint();
}

Status FailingStore::ReleaseSavepoint() {
  if (auto failed = Check(Op::kRelease)) {
    inner_.Rollback();  // The port: a failed release ends the transaction.
    return *failed;
  }
  return inner_.ReleaseSavepoint();
}

Status FailingStore::RollbackSavepoint() {
  if (auto failed = Check(Op::kRollbackSavepoint)) {
    inner_.Rollback();
    return *failed;
  }
  return inner_.RollbackSavepoint();
}

bool FailingStore::InTransaction() const { return inner_.InTransaction(); }
void FailingStore::OnCommit(std::function<void()> a) { inner_.OnCommit(std::move(a)); }
void FailingStore::OnRollback(std::function<void()> a) { inner_.OnRollback(std::move(a)); }

core::QueueTable& FailingStore::queues() { return tables_->queues; }
core::TaskTable& FailingStore::tasks() { return tables_->tasks; }
core::AttemptTable& FailingStore::attempts() { return tables_->attempts; }
core::PolicyTable& FailingStore::policies() { return tables_->policies; }

}  // namespace cte::testing
