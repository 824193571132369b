// The codes the SQLite schema stores for core enums (listed in store/schema.sql), kept apart from
// the enums' own values so that reordering an enum never changes what a database file means.
#pragma once

#include "core/attempt_log.h"
#include "core/model.h"

namespace cte::store {

enum class TargetKind : int { kHttp = 1, kAppEngine = 2 };
enum class AuthKind : int { kNone = 0, kOAuth = 1, kOidc = 2 };

int StoredQueueState(core::QueueState s);
core::QueueState QueueStateFromStored(int code);

int StoredHttpMethod(core::HttpMethod m);
core::HttpMethod HttpMethodFromStored(int code);

int StoredOutcome(core::AttemptLogEntry::Outcome o);
core::AttemptLogEntry::Outcome OutcomeFromStored(int code);

}  // namespace cte::store
